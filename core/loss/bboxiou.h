#pragma once

#include <torch/torch.h>

namespace retort {

/// IoU of boxes along the last dimension (.., 4), element-wise; CIoU adds the centre-distance
/// and aspect-ratio terms (Ultralytics' bbox_iou; alpha is computed without gradient).
///
///   auto ciou = bboxIou(pred, target, /*xywh=*/false, /*ciou=*/true);  // (.., 1)
torch::Tensor bboxIou(const torch::Tensor& box1, const torch::Tensor& box2, bool xywh = false, bool ciou = false,
                      double eps = 1e-7);

/// Pairwise IoU of (N, 4) and (M, 4) xyxy boxes -> (N, M) (torchvision's box_iou).
torch::Tensor boxIouMatrix(const torch::Tensor& a, const torch::Tensor& b, double eps = 1e-7);

} // namespace retort
