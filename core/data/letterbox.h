#pragma once

#include <opencv2/core.hpp>

namespace retort {

/// Geometry of a letterbox: how the original image maps into the network input.
struct LetterboxInfo
{
    int origW = 0, origH = 0;
    int newW = 0, newH = 0;     ///< size after resizing, before padding
    double ratio = 1.0;         ///< scale applied to the original image
    int padLeft = 0, padTop = 0, padRight = 0, padBottom = 0;
    int width() const { return newW + padLeft + padRight; }
    int height() const { return newH + padTop + padBottom; }
};

struct LetterboxOptions
{
    int height = 640;
    int width = 640;
    /// Pad only up to a multiple of `stride` (the predictor's minimal rectangle) instead of
    /// the full height x width.
    bool minimal = true;
    int stride = 32;
    bool scaleUp = true;
    bool center = true;
    int padValue = 114;
};

/// Ultralytics' LetterBox: r = min(H/h0, W/w0) (capped at 1 unless scaleUp), resize to
/// round(w0*r) x round(h0*r) with INTER_LINEAR, pad with grey, the padding split
/// left/top = round(d/2 - 0.1), right/bottom = round(d/2 + 0.1).
///
///   LetterboxInfo info;
///   cv::Mat input = letterbox(bgr, {}, &info);  // 640 rectangle padded to the stride
cv::Mat letterbox(const cv::Mat& image, const LetterboxOptions& options, LetterboxInfo* info = nullptr);

/// Python's round() (half to even), which the Ultralytics geometry relies on.
int pyRound(double v);

} // namespace retort
