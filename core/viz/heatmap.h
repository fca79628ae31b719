#pragma once

#include "data/letterbox.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

// Map arithmetic and colouring for attention heatmaps. OpenCV only (no torch), so the widgets
// can draw a matching colour scale.

namespace retort {

/// The colormap every attention view uses.
constexpr int kHeatmapColormap = cv::COLORMAP_TURBO;

/// Cosine similarity of two maps (CV_32F) after resizing both to the larger of their sizes
/// (bilinear). 0 when either map is all zero.
///
///   double s = cosineSimilarity(spatialAttention(t), spatialAttention(s));
double cosineSimilarity(const cv::Mat& a, const cv::Mat& b);

/// |a - b| of two [0, 1] maps after resizing to the larger size; stays in [0, 1].
cv::Mat absDifference(const cv::Mat& a, const cv::Mat& b);

/// A [0, 1] CV_32F map -> 8-bit BGR with `colormap` (kHeatmapColormap by default).
cv::Mat colorize(const cv::Mat& map01, int colormap = kHeatmapColormap);

/// Overlays a [0, 1] map that lives on the letterboxed network input onto the original image:
/// the map is resized to the letterboxed size, the padding cropped, the rest resized to the
/// original, colourised and blended as (1 - alpha) * image + alpha * colour.
///
///   LetterboxInfo lb;  // from Predictor::preprocess
///   cv::imwrite("att.jpg", heatmapOverlay(bgr, spatialAttention(f), lb, 0.5));
cv::Mat heatmapOverlay(const cv::Mat& bgr, const cv::Mat& map01, const LetterboxInfo& lb, double alpha = 0.5,
                       int colormap = kHeatmapColormap);

} // namespace retort
