#pragma once

#include "data/labels.h"
#include "eval/metrics.h"
#include "model/detectionmodel.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace retort {

struct ValOptions
{
    int imgsz = 640;
    int batch = 8;
    double conf = 0.001;
    double iou = 0.7;
    int maxDet = 300;
    bool fuse = true;   ///< validate a fused copy (faster; the caller's model is untouched)
    bool collectPredictions = false; ///< keep every detection for COCO JSON
};

/// A detection in COCO results form (original pixels, xywh from the top-left corner).
struct CocoDetection
{
    std::string image;
    int categoryId = 0;
    double x = 0, y = 0, w = 0, h = 0;
    double score = 0;
};

struct ValResult
{
    DetectionMetrics metrics;
    double preprocessMs = 0, inferenceMs = 0, postprocessMs = 0; ///< per image
    int images = 0;
    int64_t instances = 0;
    int64_t predictions = 0;
    std::vector<CocoDetection> detections; ///< when ValOptions::collectPredictions
};

/// Ultralytics' DetectionValidator: rectangular batches, multi-label NMS at conf 0.001 /
/// IoU 0.7, predictions and labels compared in original-image pixels over IoU 0.50:0.05:0.95.
///
///   Validator v({640, 8});
///   ValResult r = v.run(*model, index.images);
///   std::printf("mAP50-95 %.3f\n", r.metrics.map50_95);
class Validator
{
public:
    explicit Validator(ValOptions options = {});

    void setNames(std::vector<std::string> names) { m_names = std::move(names); }
    ValResult run(DetectionModelImpl& model, const std::vector<ImageRecord>& images,
                  const std::function<void(int done, int total)>& progress = {},
                  const std::atomic<bool>* abort = nullptr);

private:
    ValOptions m_options;
    std::vector<std::string> m_names;
};

/// Writes COCO results JSON (image_id = numeric file stem where possible).
std::string cocoResultsJson(const std::vector<CocoDetection>& detections);

} // namespace retort
