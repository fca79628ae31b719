#pragma once

#include <string>
#include <vector>

namespace retort {

/// An Ultralytics data YAML, resolved. `path` is taken relative to the YAML's directory when
/// relative (Retort convention; see ../shared/data/coco128/coco128.yaml).
struct DataConfig
{
    std::string yamlPath;             ///< the file it was read from
    std::string root;                 ///< resolved `path`
    std::vector<std::string> train;   ///< resolved entries: image dirs, list files (.txt) or images
    std::vector<std::string> val;
    std::vector<std::string> test;
    std::vector<std::string> names;   ///< index -> class name (`names` as list or {i: name} map)
    /// `max_image_pixels` (a Retort key, default 50 MP; 0 = no limit): larger images are skipped.
    int64_t maxImagePixels = 50'000'000;

    int64_t nc() const { return static_cast<int64_t>(names.size()); }
};

/// Reads and validates a data YAML. Missing `train`/`val`, `names` neither list nor map,
/// `nc` disagreeing with `names`, entries that do not exist: InputError naming file:line and key.
///
///   DataConfig cfg = loadDataConfig("coco128.yaml");
DataConfig loadDataConfig(const std::string& yamlPath);

/// Expands entries (image directories searched recursively, list files of image paths, single
/// images) into a sorted list of image files. `origin` names the YAML/key in error messages.
std::vector<std::string> listImages(const std::vector<std::string>& entries, const std::string& origin);

/// Ultralytics' img2label_paths: the last `/images/` becomes `/labels/`, the extension `.txt`.
std::string labelPathFor(const std::string& imagePath);

} // namespace retort
