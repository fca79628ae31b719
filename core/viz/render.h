#pragma once

#include "eval/detection.h"

#include <opencv2/core.hpp>

namespace retort {

/// A distinct, stable BGR colour per class (Ultralytics' palette order).
cv::Scalar classColor(int classId);

/// Draws boxes with "name score" labels on a copy of the image.
///
///   cv::imwrite("out.jpg", drawDetections(img, dets));
cv::Mat drawDetections(const cv::Mat& image, const ImageDetections& detections, int lineWidth = 0);

} // namespace retort
