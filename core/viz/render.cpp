#include "viz/render.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdio>

namespace retort {

cv::Scalar classColor(int classId)
{
    // Ultralytics' 20-colour palette (hex RGB), returned as BGR.
    static const unsigned kPalette[] = {0xFF3838, 0xFF9D97, 0xFF701F, 0xFFB21D, 0xCFD231, 0x48F90A, 0x92CC17,
                                        0x3DDB86, 0x1A9334, 0x00D4BB, 0x2C99A8, 0x00C2FF, 0x344593, 0x6473FF,
                                        0x0018EC, 0x8438FF, 0x520085, 0xCB38FF, 0xFF95C8, 0xFF37C7};
    const unsigned c = kPalette[static_cast<unsigned>(std::abs(classId)) % 20];
    return cv::Scalar(c & 0xff, (c >> 8) & 0xff, (c >> 16) & 0xff);
}

cv::Mat drawDetections(const cv::Mat& image, const ImageDetections& dets, int lineWidth)
{
    cv::Mat out = image.clone();
    const int lw = lineWidth > 0 ? lineWidth : std::max(static_cast<int>(std::lround((image.rows + image.cols) / 2 * 0.003)), 2);
    const double fontScale = lw / 3.0;
    const int thickness = std::max(lw - 1, 1);
    for (const auto& d : dets.detections) {
        const cv::Scalar color = classColor(d.classId);
        const cv::Point p1(static_cast<int>(d.x1), static_cast<int>(d.y1));
        const cv::Point p2(static_cast<int>(d.x2), static_cast<int>(d.y2));
        cv::rectangle(out, p1, p2, color, lw, cv::LINE_AA);
        char label[160];
        std::snprintf(label, sizeof label, "%s %.2f", d.className.c_str(), d.score);
        int baseline = 0;
        const cv::Size ts = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, fontScale, thickness, &baseline);
        const bool outside = p1.y - ts.height >= 3;
        const cv::Point q(p1.x + ts.width, outside ? p1.y - ts.height - 3 : p1.y + ts.height + 3);
        cv::rectangle(out, p1, q, color, cv::FILLED, cv::LINE_AA);
        cv::putText(out, label, cv::Point(p1.x, outside ? p1.y - 2 : p1.y + ts.height + 2), cv::FONT_HERSHEY_SIMPLEX,
                    fontScale, cv::Scalar(255, 255, 255), thickness, cv::LINE_AA);
    }
    return out;
}

} // namespace retort
