#pragma once

#include "model/archspec.h"
#include "model/detectionmodel.h"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace retort {

/// What to export. Fixed shapes by default (what OpenCV DNN and most converters need).
struct ExportOptions
{
    int imgszH = 640;        ///< input height, a multiple of the largest stride
    int imgszW = 640;        ///< input width, a multiple of the largest stride
    int batch = 1;           ///< fixed batch size; with `dynamic`, the batch of the sample check
    bool dynamic = false;    ///< symbolic batch, height and width (anchors computed in the graph)
    int opset = 12;          ///< 12..17; 12 reaches the most runtimes
    bool half = false;       ///< FP16 weights, input and output
    /// End-to-end models (YOLO26): write the one-to-many head's (B, 4+nc, N) xywh + scores for
    /// NMS instead of the default (B, 300, 6) top-k rows. No effect on other models.
    bool rawOutput = false;
    std::string sourcePath;  ///< the checkpoint it came from (metadata `source`)
    std::string sourceSha256; ///< its sha256 (metadata `source_sha256`); computed from sourcePath when empty
    /// (B, 3, H, W) float RGB in [0, 1] for the checks; default: seeded noise of (batch, 3, imgszH, imgszW).
    torch::Tensor sampleInput;
    /// Largest differences the OpenCV DNN check accepts against libtorch (fused vs unfused
    /// weights differ by ~1e-3 px on box rows). The box tolerance is multiplied by
    /// ExportReport::boxToleranceScale (boxes of random weights reach far outside the image).
    double boxTolerance = 0.05;
    double scoreTolerance = 1e-3;
};

/// The outcome of an export and of the checks run before it was written.
struct ExportReport
{
    std::string path;
    int64_t bytes = 0;
    std::vector<std::string> inputShape;   ///< as declared, e.g. {"1","3","640","640"} or {"batch","3","height","width"}
    std::vector<std::string> outputShape;  ///< as declared, e.g. {"1","84","8400"}, or {"1","300","6"} end-to-end
    std::string inferredOutputShape;       ///< from ONNX shape inference, e.g. "1x84x8400" or "batchx84x?"
    bool checkerPassed = false;            ///< onnx::checker::check_model
    bool shapeInferencePassed = false;     ///< strict shape inference, output shape as declared
    bool opencvChecked = false;            ///< cv::dnn ran the model on the sample input
    std::string opencvSkipReason;          ///< why not, when it did not
    double maxBoxDiff = 0;                 ///< OpenCV vs libtorch, rows 0-3 (input pixels; end-to-end: columns 0-3)
    double maxScoreDiff = 0;               ///< OpenCV vs libtorch, class score rows (end-to-end: column 4)
    /// max(1, largest |box coordinate| of libtorch's output / input side): multiplies boxTolerance.
    double boxToleranceScale = 1;
    /// Set when OpenCV exceeded the tolerances against libtorch's FP32 output: libtorch FP32 vs
    /// FP64 on the sample. OpenCV then passed by being within twice that of FP64 (random weights).
    double fp32BoxNoise = 0;
    double fp32ScoreNoise = 0;
    torch::Tensor sampleInput;             ///< the check input (float32, CPU)
    torch::Tensor expectedOutput;          ///< libtorch's fp32 output on it (CPU)
    std::map<std::string, std::string> metadata;

    /// Human-readable lines: path, size, each check and its numbers.
    std::vector<std::string> summary() const;
};

/// Writes `model` (YOLOv8, YOLO11 or YOLO26) as an ONNX graph (input `images` (B,3,H,W) RGB
/// 0..1, output `output0` (B, 4+nc, N): xywh in input pixels and sigmoid scores, as Ultralytics'
/// export) with BN folded into the convolutions. An end-to-end model (YOLO26) gives, as
/// Ultralytics does, `output0` (B, k, 6) rows [x1, y1, x2, y2, score, class] of its one-to-one
/// head by the top-k rule, k = min(300, N); `rawOutput` gives its one-to-many head as above.
/// Before anything is written the model passes onnx::checker, strict shape inference and, for
/// fixed-shape FP32 exports, a run in OpenCV DNN compared with libtorch on the sample input
/// (skipped with `opencvSkipReason` for the end-to-end graph, which OpenCV 4.6 cannot import);
/// the file is then written atomically, so a failure leaves none.
/// Bad options, a layer the writer does not know, or an unwritable path throw InputError; a
/// failed check throws Error.
///
///   ExportOptions o;
///   o.opset = 17;
///   ExportReport r = exportOnnx(*loaded.model, loaded.names, o, "yolov8n.onnx");
///   for (const auto& line : r.summary()) std::cout << line << "\n";
ExportReport exportOnnx(DetectionModelImpl& model, const std::vector<std::string>& names, const ExportOptions& options,
                        const std::string& outPath);

/// Throws InputError naming the layer and its YAML line when the writer cannot express it.
void checkExportable(const ArchSpec& spec);

/// Throws InputError when the options are out of range for `spec` (opset, image size, batch).
void checkExportOptions(const ExportOptions& options, const ArchSpec& spec);

/// `{0: 'person', 1: 'bicycle'}`: the Python dict literal Ultralytics stores as `names`.
std::string pythonNamesDict(const std::vector<std::string>& names);

/// Ultralytics' default output path: the model's path with the extension `.onnx`.
std::string defaultOnnxPath(const std::string& modelPath);

} // namespace retort
