#pragma once

#include <string>
#include <vector>

namespace retort {

/// One detected object, box in original-image pixels.
struct Detection
{
    int classId = 0;
    std::string className;
    float score = 0;
    float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

/// Detections of one image (the `predict --json` record).
struct ImageDetections
{
    std::string image;
    int width = 0;
    int height = 0;
    std::vector<Detection> detections;
};

} // namespace retort
