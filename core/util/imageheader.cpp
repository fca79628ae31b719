#include "util/imageheader.h"

#include <algorithm>
#include <fstream>

namespace retort {
namespace {

// JPEG APPn segments (EXIF thumbnails, ICC profiles) can push the frame header far in.
constexpr int64_t kHeadBytes = 512 * 1024;
constexpr int64_t kTailBytes = 16;

uint32_t be16(const std::string& s, size_t o) { return (uint8_t(s[o]) << 8) | uint8_t(s[o + 1]); }
uint32_t be32(const std::string& s, size_t o) { return (be16(s, o) << 16) | be16(s, o + 2); }
uint32_t le16(const std::string& s, size_t o) { return uint8_t(s[o]) | (uint8_t(s[o + 1]) << 8); }
uint32_t le32(const std::string& s, size_t o) { return le16(s, o) | (le16(s, o + 2) << 16); }

ImageHeader fail(ImageHeader h, const std::string& problem)
{
    h.ok = false;
    h.problem = problem;
    return h;
}

ImageHeader sized(ImageHeader h, int64_t w, int64_t hgt)
{
    if (w <= 0 || hgt <= 0 || w > (1 << 30) || hgt > (1 << 30))
        return fail(h, "impossible size " + std::to_string(w) + "x" + std::to_string(hgt) + " in the header");
    h.width = static_cast<int>(w);
    h.height = static_cast<int>(hgt);
    h.ok = true;
    return h;
}

ImageHeader png(ImageHeader h, const std::string& s, const std::string& tail)
{
    if (s.size() < 24 || s.compare(12, 4, "IHDR") != 0)
        return fail(h, "truncated PNG header");
    static const std::string kIend("IEND\xAE\x42\x60\x82", 8);
    if (tail.size() < 8 || tail.compare(tail.size() - 8, 8, kIend) != 0)
        return fail(h, "truncated PNG (no IEND chunk)");
    return sized(h, be32(s, 16), be32(s, 20));
}

/// EXIF orientation (1..8) from an APP1 segment's payload; 1 when absent or unreadable.
int exifOrientation(const std::string& seg)
{
    if (seg.size() < 14 || seg.compare(0, 6, std::string("Exif\0\0", 6)) != 0)
        return 1;
    const std::string t = seg.substr(6);
    const bool le = t[0] == 'I';
    auto u16 = [&](size_t o) { return le ? le16(t, o) : be16(t, o); };
    auto u32 = [&](size_t o) { return le ? le32(t, o) : be32(t, o); };
    const uint64_t ifd = u32(4);
    if (ifd + 2 > t.size())
        return 1;
    const uint32_t n = u16(static_cast<size_t>(ifd));
    for (uint32_t i = 0; i < n; ++i) {
        const uint64_t e = ifd + 2 + 12ull * i;
        if (e + 12 > t.size())
            return 1;
        if (u16(static_cast<size_t>(e)) == 0x0112) {
            const uint32_t v = u16(static_cast<size_t>(e + 8));
            return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
        }
    }
    return 1;
}

ImageHeader jpeg(ImageHeader h, const std::string& s, const std::string& tail)
{
    // A JPEG ends with EOI (FF D9), possibly followed by a few padding bytes. Without it the
    // file was cut short: libjpeg still decodes it (grey below the cut) and prints "Premature
    // end of JPEG file" without the file's name, so the scan names it (Ultralytics' check).
    if (tail.find("\xFF\xD9") == std::string::npos)
        h.warning = "truncated JPEG (no end-of-image marker; decoded as far as it goes)";
    // OpenCV applies the EXIF orientation when decoding: 5..8 swap width and height.
    int orientation = 1;
    size_t o = 2;
    while (o + 4 <= s.size()) {
        if (uint8_t(s[o]) != 0xFF)
            return fail(h, "corrupt JPEG (no marker at byte " + std::to_string(o) + ")");
        const uint8_t m = uint8_t(s[o + 1]);
        if (m == 0xFF) { // fill byte
            ++o;
            continue;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
            o += 2;
            continue;
        }
        if (m == 0xD9 || m == 0xDA)
            return fail(h, "corrupt JPEG (no frame header before the scan)");
        const uint32_t len = be16(s, o + 2);
        if (len < 2)
            return fail(h, "corrupt JPEG (segment length " + std::to_string(len) + ")");
        const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (m == 0xE1 && o + 2 + len <= s.size())
            orientation = std::max(orientation, exifOrientation(s.substr(o + 4, len - 2)));
        if (sof) {
            if (o + 9 > s.size())
                return fail(h, "truncated JPEG frame header");
            const uint32_t w = be16(s, o + 7), hh = be16(s, o + 5);
            return orientation >= 5 ? sized(h, hh, w) : sized(h, w, hh);
        }
        o += 2 + len;
    }
    return fail(h, "no JPEG frame header in the first " + std::to_string(s.size()) + " bytes");
}

ImageHeader bmp(ImageHeader h, const std::string& s, int64_t fileSize)
{
    if (s.size() < 26)
        return fail(h, "truncated BMP header");
    const uint32_t dib = le32(s, 14);
    const uint32_t dataOffset = le32(s, 10);
    if (dataOffset >= static_cast<uint64_t>(fileSize))
        return fail(h, "truncated BMP (pixel data starts past the end of the file)");
    if (dib == 12)
        return sized(h, le16(s, 18), le16(s, 20));
    if (dib < 40)
        return fail(h, "unknown BMP header size " + std::to_string(dib));
    const int32_t w = static_cast<int32_t>(le32(s, 18));
    const int32_t hh = static_cast<int32_t>(le32(s, 22));
    // Negative height: rows stored top-down. INT32_MIN has no positive counterpart.
    if (hh == INT32_MIN)
        return fail(h, "impossible BMP height");
    return sized(h, w, hh < 0 ? -int64_t(hh) : hh);
}

ImageHeader webp(ImageHeader h, const std::string& s)
{
    if (s.size() < 30)
        return fail(h, "truncated WebP header");
    const std::string chunk = s.substr(12, 4);
    if (chunk == "VP8 ") {
        if (uint8_t(s[23]) != 0x9D || uint8_t(s[24]) != 0x01 || uint8_t(s[25]) != 0x2A)
            return fail(h, "corrupt WebP (VP8 start code missing)");
        return sized(h, le16(s, 26) & 0x3FFF, le16(s, 28) & 0x3FFF);
    }
    if (chunk == "VP8L") {
        if (uint8_t(s[20]) != 0x2F)
            return fail(h, "corrupt WebP (VP8L signature missing)");
        const uint32_t b = le32(s, 21);
        return sized(h, (b & 0x3FFF) + 1, ((b >> 14) & 0x3FFF) + 1);
    }
    if (chunk == "VP8X") {
        const uint32_t w = uint8_t(s[24]) | (uint8_t(s[25]) << 8) | (uint8_t(s[26]) << 16);
        const uint32_t hh = uint8_t(s[27]) | (uint8_t(s[28]) << 8) | (uint8_t(s[29]) << 16);
        return sized(h, int64_t(w) + 1, int64_t(hh) + 1);
    }
    return fail(h, "unknown WebP chunk '" + chunk + "'");
}

ImageHeader tiff(ImageHeader h, const std::string& s)
{
    const bool le = s[0] == 'I';
    auto u16 = [&](size_t o) { return le ? le16(s, o) : be16(s, o); };
    auto u32 = [&](size_t o) { return le ? le32(s, o) : be32(s, o); };
    const uint64_t ifd = u32(4);
    if (ifd + 2 > s.size())
        return fail(h, "TIFF directory beyond the first " + std::to_string(s.size()) + " bytes");
    const uint32_t n = u16(static_cast<size_t>(ifd));
    int64_t w = -1, hh = -1;
    for (uint32_t i = 0; i < n; ++i) {
        const uint64_t e = ifd + 2 + 12ull * i;
        if (e + 12 > s.size())
            return fail(h, "truncated TIFF directory");
        const uint32_t tag = u16(static_cast<size_t>(e)), type = u16(static_cast<size_t>(e + 2));
        const int64_t v = type == 3 ? u16(static_cast<size_t>(e + 8)) : type == 4 ? u32(static_cast<size_t>(e + 8)) : -1;
        if (tag == 256)
            w = v;
        else if (tag == 257)
            hh = v;
    }
    if (w < 0 || hh < 0)
        return fail(h, "TIFF without ImageWidth/ImageLength");
    return sized(h, w, hh);
}

} // namespace

ImageHeader parseImageHeader(const std::string& s, const std::string& tail, int64_t fileSize)
{
    ImageHeader h;
    h.supported = true;
    if (s.size() >= 8 && s.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0) {
        h.format = "png";
        return png(h, s, tail);
    }
    if (s.size() >= 3 && uint8_t(s[0]) == 0xFF && uint8_t(s[1]) == 0xD8 && uint8_t(s[2]) == 0xFF) {
        h.format = "jpeg";
        return jpeg(h, s, tail);
    }
    if (s.size() >= 2 && s[0] == 'B' && s[1] == 'M') {
        h.format = "bmp";
        return bmp(h, s, fileSize);
    }
    if (s.size() >= 12 && s.compare(0, 4, "RIFF") == 0 && s.compare(8, 4, "WEBP") == 0) {
        h.format = "webp";
        return webp(h, s);
    }
    if (s.size() >= 8 && (s.compare(0, 4, "II*\0", 4) == 0 || s.compare(0, 4, "MM\0*", 4) == 0)) {
        h.format = "tiff";
        return tiff(h, s);
    }
    h.supported = false;
    return fail(h, s.empty() ? "empty file" : "not a PNG, JPEG, BMP, WebP or TIFF file");
}

ImageHeader readImageHeader(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        ImageHeader h;
        h.supported = true;
        h.problem = "cannot open";
        return h;
    }
    in.seekg(0, std::ios::end);
    const int64_t size = static_cast<int64_t>(in.tellg());
    in.seekg(0);
    std::string head(static_cast<size_t>(std::max<int64_t>(0, std::min(size, kHeadBytes))), '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    std::string tail;
    if (size > 0) {
        const int64_t t = std::min(size, kTailBytes);
        in.clear();
        in.seekg(size - t);
        tail.resize(static_cast<size_t>(t));
        in.read(tail.data(), t);
        tail.resize(static_cast<size_t>(in.gcount()));
    }
    return parseImageHeader(head, tail, size);
}

} // namespace retort
