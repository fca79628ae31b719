#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace retort {

struct SynthOptions
{
    std::string outDir;
    int images = 500;            ///< train + val
    int imgsz = 320;             ///< square images of imgsz x imgsz
    int classes = 8;             ///< 1 .. maxClasses()
    uint64_t seed = 0;
    double valFraction = 0.2;    ///< the last round(images * valFraction) images go to val
    std::string yamlName = "data.yaml"; ///< name of the data YAML written into outDir
};

struct SynthResult
{
    std::string yamlPath;
    int trainImages = 0;
    int valImages = 0;
    int64_t instances = 0;
    int backgrounds = 0;
    std::vector<std::string> names;
};

/// Draws a shapes dataset in YOLO layout (images/{train,val}/*.jpg, labels/{train,val}/*.txt and
/// data.yaml with `path: .`): textured, noisy gradient backgrounds with clutter, 1-8 shapes per
/// image (circle, rectangle, triangle, star, ellipse, cross, diamond, hexagon), one class per
/// shape/colour combination, partial occlusion (boxes cover the visible part), small objects and
/// a few empty images. A given seed always yields the same files.
///
///   SynthResult r = generateSynthDataset({"/tmp/shapes", 500, 320, 8});
///   DataConfig cfg = loadDataConfig(r.yamlPath);
class SynthGenerator
{
public:
    explicit SynthGenerator(SynthOptions options);

    SynthResult run() const;

    static int maxClasses();
    /// Class names for k classes: "red_circle", "green_rectangle", …
    static std::vector<std::string> classNames(int k);

private:
    SynthOptions m_options;
};

inline SynthResult generateSynthDataset(const SynthOptions& options)
{
    return SynthGenerator(options).run();
}

} // namespace retort
