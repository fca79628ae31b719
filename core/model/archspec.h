#pragma once

#include <string>
#include <vector>

namespace retort {

/// One row of an Ultralytics model YAML after scaling: `[from, repeats, module, args]`
/// resolved to concrete channel counts (what Ultralytics' parse_model computes).
struct LayerSpec
{
    int index = 0;
    std::vector<int> from;      ///< absolute layer indices (-1 resolved); -1 only for the image input
    int repeats = 1;            ///< after depth scaling; C2f folds it into `blockRepeats`
    std::string module;         ///< Conv, C2f, SPPF, Upsample, Concat, Detect
    int64_t inChannels = 0;     ///< of the first input
    int64_t outChannels = 0;
    int64_t kernel = 1;         ///< Conv kernel / SPPF pool size
    int64_t stride = 1;         ///< Conv stride / Upsample factor
    int64_t blockRepeats = 1;   ///< C2f bottlenecks
    bool shortcut = false;      ///< C2f
    std::vector<int64_t> detectChannels; ///< Detect inputs
    double outStride = 1;       ///< total stride of this layer's output w.r.t. the image
    int sourceLine = 0;         ///< 1-based line in the YAML, for messages
};

/// A parsed and scaled architecture.
struct ArchSpec
{
    std::string yaml;           ///< the YAML text it came from (with a `scale:` line when chosen)
    std::string origin;         ///< file or resource name, for messages
    std::string scale;          ///< n/s/m/l/x, or empty when the YAML has no scales
    double depthMultiple = 1.0;
    double widthMultiple = 1.0;
    int64_t maxChannels = 1 << 30;
    int64_t nc = 80;
    int64_t regMax = 16;
    std::vector<LayerSpec> layers;

    const LayerSpec& detect() const { return layers.back(); }
    std::vector<double> strides() const;
};

/// Parses an Ultralytics detection-model YAML. `scale` overrides the YAML's own `scale:` key
/// (default: the first row of `scales`); `nc` > 0 overrides the class count. Unknown modules,
/// bad `from` indices and malformed rows throw InputError naming `origin` and the line.
///
///   ArchSpec spec = parseArch(text, "yolov8.yaml", "n");
ArchSpec parseArch(const std::string& yamlText, const std::string& origin, const std::string& scale = {},
                   int64_t nc = 0);

/// Resolves a model name the way Ultralytics does: "yolov8n.yaml" is the shipped yolov8.yaml at
/// scale n; any other path is read from disk (its scale from a `scale:` key or the name).
ArchSpec loadArch(const std::string& nameOrPath, int64_t nc = 0);

/// True when `name` is a shipped architecture (yolov8.yaml, yolov8n.yaml …).
bool isBuiltinArch(const std::string& name);

} // namespace retort
