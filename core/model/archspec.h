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
    std::string module;         ///< Conv, DWConv, C2f, C3k2, C2PSA, SPPF, Upsample, Concat, Detect
    int64_t inChannels = 0;     ///< of the first input
    int64_t outChannels = 0;
    int64_t kernel = 1;         ///< Conv kernel / SPPF pool size
    int64_t stride = 1;         ///< Conv stride / Upsample factor
    int64_t blockRepeats = 1;   ///< C2f / C3k2 blocks, C2PSA PSABlocks
    bool shortcut = false;      ///< C2f; SPPF (8.4 form: add the input back)
    bool c3k = false;           ///< C3k2: C3k blocks (forced for the m/l/x scales, as Ultralytics does)
    bool attn = false;          ///< C3k2 (YOLO26): Bottleneck + PSABlock blocks
    double expansion = 0.5;     ///< C3k2 / C2PSA hidden-channel ratio
    int64_t pools = 3;          ///< SPPF max-pools
    bool cv1Act = true;         ///< SPPF: SiLU after cv1 (false in Ultralytics 8.4's form)
    int64_t groups = 1;         ///< Conv groups (DWConv: gcd(in, out))
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
    int64_t regMax = 16;        ///< DFL bins per box side; 1 = raw ltrb distances (YOLO26)
    bool endToEnd = false;      ///< YOLO26: a one-to-one head next to the one-to-many head, no NMS
    /// YOLOv8's Detect class branch (two 3x3 convs); false from YOLO11 on (depthwise convs),
    /// which Ultralytics selects when the model has a C3k2 layer.
    bool legacyHead = true;
    std::vector<LayerSpec> layers;

    const LayerSpec& detect() const { return layers.back(); }
    std::vector<double> strides() const;
    /// "yolov8", "yolo11" or "yolo26", from the modules and head (not from the file name).
    std::string family() const;
    /// The layers whose outputs feed Detect (15/18/21 for YOLOv8, 16/19/22 for YOLO11/26).
    std::vector<int> headInputs() const { return detect().from; }
};

/// Parses an Ultralytics detection-model YAML. `scale` overrides the YAML's own `scale:` key
/// (default: the first row of `scales`); `nc` > 0 overrides the class count. Unknown modules,
/// bad `from` indices and malformed rows throw InputError naming `origin` and the line.
///
///   ArchSpec spec = parseArch(text, "yolov8.yaml", "n");
ArchSpec parseArch(const std::string& yamlText, const std::string& origin, const std::string& scale = {},
                   int64_t nc = 0);

/// Resolves a model name the way Ultralytics does: "yolov8n.yaml", "yolo11s.yaml", "yolo26m.yaml"
/// are the shipped yolov8/yolo11/yolo26.yaml at that scale; any other path is read from disk (its
/// scale from a `scale:` key or the name).
ArchSpec loadArch(const std::string& nameOrPath, int64_t nc = 0);

/// True when `name` is a shipped architecture (yolov8.yaml, yolov8n.yaml, yolo11s.yaml, yolo26x.yaml …).
bool isBuiltinArch(const std::string& name);

/// Every shipped architecture name with a scale (yolov8n.yaml … yolo26x.yaml), for pickers.
std::vector<std::string> builtinArchNames();

} // namespace retort
