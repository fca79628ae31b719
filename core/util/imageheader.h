#pragma once

#include <cstdint>
#include <string>

namespace retort {

/// An image's size read from its file header, without decoding a pixel (OpenCV 4.6 has no
/// header-only API). PNG, JPEG, BMP, WebP and TIFF; reads at most a few hundred KiB whatever the
/// file's size, so one 20000x20000 image costs what a thumbnail does.
struct ImageHeader
{
    bool ok = false;         ///< width and height are known
    bool supported = false;  ///< a format this reader understands (else decode to find out)
    int width = 0;
    int height = 0;
    std::string format;      ///< "png", "jpeg", "bmp", "webp", "tiff"
    std::string problem;     ///< why not ok: "truncated PNG (no IEND chunk)", …
    std::string warning;     ///< usable but damaged: a JPEG cut short (libjpeg decodes it with a warning that names no file)

    int64_t pixels() const { return static_cast<int64_t>(width) * height; }
};

///   ImageHeader h = readImageHeader("a.png");
///   if (h.ok && h.pixels() > 50'000'000) skip(...);
ImageHeader readImageHeader(const std::string& path);

/// The same from bytes already in memory (`fileSize` the whole file's, `tail` its last bytes).
ImageHeader parseImageHeader(const std::string& head, const std::string& tail, int64_t fileSize);

} // namespace retort
