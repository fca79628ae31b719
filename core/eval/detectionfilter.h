#pragma once

#include "eval/detection.h"

#include <string>
#include <utility>
#include <vector>

namespace retort {

/// Intersection over union of two xyxy boxes (0 when either is empty).
double boxIou(const Detection& a, const Detection& b);

/// Re-filters stored detections without running a model: keeps scores > conf (Ultralytics'
/// strict threshold), then greedy NMS per class (all together when `agnostic`), dropping a box
/// whose IoU with a kept, higher-scoring box exceeds `iou`. Returns by descending score.
/// Detections stored at a low threshold (conf 0.001, IoU 0.7) re-filter to what a predict run
/// at a higher conf would give; an `iou` above the stored one cannot bring suppressed boxes back.
///
///   auto shown = filterDetections(stored.detections, 0.25, 0.7, false);
std::vector<Detection> filterDetections(const std::vector<Detection>& detections, double conf, double iou,
                                        bool agnostic = false);

/// Which boxes of two detection sets (e.g. teacher `a`, student `b`) have a partner.
struct DetectionMatch
{
    std::vector<bool> matchedA; ///< per box of a: a same-class box of b overlaps it at IoU >= threshold
    std::vector<bool> matchedB; ///< per box of b, likewise
    int unmatchedA() const;     ///< boxes of a without a partner ("student missed")
    int unmatchedB() const;     ///< boxes of b without a partner ("student extra")
};

/// One-to-one greedy matching: boxes of `a` by descending score each take the unmatched
/// same-class box of `b` with the highest IoU, if that IoU >= iouThreshold.
///
///   DetectionMatch m = matchDetections(teacher, student);
///   int missed = m.unmatchedA();
DetectionMatch matchDetections(const std::vector<Detection>& a, const std::vector<Detection>& b,
                               double iouThreshold = 0.5);

/// Per-class counts sorted by count (descending), then class name.
std::vector<std::pair<std::string, int>> classCounts(const std::vector<Detection>& detections);

/// The one-line count report: "person 5, car 3, bicycle 2" (classCounts order); "" when empty.
std::string countReport(const std::vector<Detection>& detections);

/// Per class (classCounts order) the confidences sorted descending.
std::vector<std::pair<std::string, std::vector<float>>> classConfidences(const std::vector<Detection>& detections);

/// One line per class: "person: 0.92 0.87 0.76" (two decimals, classCounts order).
std::vector<std::string> confidenceLines(const std::vector<Detection>& detections);

} // namespace retort
