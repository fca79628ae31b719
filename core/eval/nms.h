#pragma once

#include <torch/torch.h>

#include <vector>

namespace retort {

struct NmsOptions
{
    double conf = 0.25;
    double iou = 0.7;
    int maxDet = 300;
    bool agnostic = false;
    /// One box per (anchor, class) above `conf` instead of only the best class (validation).
    bool multiLabel = false;
    int maxNms = 30000;  ///< candidates kept before NMS
    int maxWh = 7680;    ///< class offset that separates classes in class-aware NMS
};

/// Ultralytics' non_max_suppression on eval output (B, 4+nc, N) with xywh boxes. Returns per
/// image a (n, 6) float tensor [x1, y1, x2, y2, score, class] sorted by descending score.
///
///   auto dets = nonMaxSuppression(model->forward(x), {});
std::vector<torch::Tensor> nonMaxSuppression(const torch::Tensor& prediction, const NmsOptions& options);

/// Detections from a model's eval output (DetectionModelImpl::forward): Ultralytics' NMS for
/// (B, 4+nc, N); for an end-to-end model's (B, k, 6) rows, which are already one per object and
/// sorted, the rows scoring above `conf`, at most `maxDet` (no NMS, as Ultralytics 8.4 does).
///
///   auto dets = selectDetections(model->forward(x), model->endToEnd(), {});
std::vector<torch::Tensor> selectDetections(const torch::Tensor& output, bool endToEnd, const NmsOptions& options);

/// Greedy NMS (torchvision semantics: drop a box whose IoU with a kept, higher-scoring box
/// exceeds `iou`). boxes (n, 4) xyxy, scores (n). Returns kept indices by descending score.
torch::Tensor nmsIndices(const torch::Tensor& boxes, const torch::Tensor& scores, double iou);

/// (n, 4) xywh -> xyxy.
torch::Tensor xywh2xyxy(const torch::Tensor& xywh);

} // namespace retort
