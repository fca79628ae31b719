#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace retort {

/// One YOLO label row: class and box (centre x, centre y, width, height) normalised to the image.
struct ObjectLabel
{
    int cls = 0;
    float cx = 0, cy = 0, w = 0, h = 0;
};

/// An image with its labels (empty = background image).
struct ImageRecord
{
    std::string image;
    std::string labelFile;   ///< may not exist (background)
    int width = 0;           ///< original size in pixels
    int height = 0;
    std::vector<ObjectLabel> labels;
};

/// A problem found while scanning; `line` 0 means the whole file.
struct LabelIssue
{
    std::string file;
    int line = 0;
    std::string what;
    std::string text() const; ///< "file:line: what"
};

/// The usable images of a split plus every problem found (each reported once).
struct DatasetIndex
{
    std::vector<ImageRecord> images;
    std::vector<LabelIssue> issues;
    int backgrounds = 0;     ///< images without labels
    int skipped = 0;         ///< images dropped (unreadable/corrupt)
    int64_t instances = 0;   ///< label rows kept
    /// "126 images, 2 backgrounds, 0 corrupt; 929 instances" (Ultralytics' wording).
    std::string summary() const;
};

/// Images above this many pixels are skipped by default (a decompression bomb, or a scan no
/// detector trains on): 50 MP.
constexpr int64_t kDefaultMaxImagePixels = 50'000'000;

/// Reads labels for `images` and validates them: image sizes come from the file headers (no
/// pixel is decoded); unreadable, corrupt or truncated images and those above `maxImagePixels`
/// (0: no limit) are skipped;
/// wrong column counts, class ids outside [0, nc), coordinates outside [0, 1] beyond a small
/// tolerance and binary garbage drop the offending line (or file); duplicate rows are removed.
/// Each problem is recorded once in `issues`. Throws InputError when no usable image remains.
DatasetIndex scanDataset(const std::vector<std::string>& images, int64_t nc, const std::string& origin,
                         int64_t maxImagePixels = kDefaultMaxImagePixels);

} // namespace retort
