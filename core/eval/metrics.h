#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace retort {

struct ClassMetrics
{
    int classId = 0;
    std::string name;
    int images = 0;          ///< images holding at least one instance
    int64_t instances = 0;
    double precision = 0, recall = 0, ap50 = 0, ap50_95 = 0;
};

/// AP and recall restricted to objects of one COCO size range (original-image pixels).
struct SizeMetrics
{
    int64_t instances = 0;
    double ap50_95 = 0;
    double recall = 0;
};

/// Ultralytics' DetMetrics: mean P and R at the confidence of the best smoothed mean F1,
/// mAP50 and mAP50-95 over the classes present, fitness = 0.1 mAP50 + 0.9 mAP50-95.
struct DetectionMetrics
{
    double precision = 0, recall = 0, map50 = 0, map50_95 = 0, fitness = 0;
    std::vector<ClassMetrics> perClass;               ///< classes with instances, by class id
    std::map<std::string, SizeMetrics> bySize;        ///< "small" (< 32^2), "medium" (< 96^2), "large"
};

/// The 10 IoU thresholds 0.50:0.05:0.95.
torch::Tensor iouThresholds();

/// Ultralytics' match_predictions: (n_pred, 10) bool, a prediction is a TP at threshold t when it
/// is the best-IoU same-class partner of a gt not matched by a better pair.
/// predCls (n), trueCls (m), iou (m, n).
torch::Tensor matchPredictions(const torch::Tensor& predCls, const torch::Tensor& trueCls, const torch::Tensor& iou);

/// 101-point interpolated AP of one precision/recall curve (Ultralytics' compute_ap).
double computeAp(const std::vector<double>& recall, const std::vector<double>& precision);

/// Accumulated per-prediction statistics of a validation pass.
struct DetectionStats
{
    std::vector<torch::Tensor> tp;        ///< (n, 10) bool per image
    std::vector<torch::Tensor> conf;      ///< (n)
    std::vector<torch::Tensor> predCls;   ///< (n)
    std::vector<torch::Tensor> targetCls; ///< (m)
    std::vector<torch::Tensor> targetImg; ///< unique classes of each image
};

/// Ultralytics' ap_per_class over accumulated statistics; fills everything but bySize.
DetectionMetrics computeMetrics(const DetectionStats& stats, const std::vector<std::string>& names);

} // namespace retort
