#include "viz/heatmap.h"

#include "util/error.h"

#include <algorithm>
#include <string>

namespace retort {
namespace {

/// Both maps resized (bilinear) to the larger of their sizes.
std::pair<cv::Mat, cv::Mat> commonSize(const cv::Mat& a, const cv::Mat& b)
{
    if (a.empty() || b.empty() || a.type() != CV_32F || b.type() != CV_32F)
        throw InputError("attention maps: expected two non-empty single-channel float maps");
    const cv::Size size(std::max(a.cols, b.cols), std::max(a.rows, b.rows));
    cv::Mat ra = a, rb = b;
    if (a.size() != size)
        cv::resize(a, ra, size, 0, 0, cv::INTER_LINEAR);
    if (b.size() != size)
        cv::resize(b, rb, size, 0, 0, cv::INTER_LINEAR);
    return {ra, rb};
}

} // namespace

double cosineSimilarity(const cv::Mat& a, const cv::Mat& b)
{
    const auto [ra, rb] = commonSize(a, b);
    const double na = cv::norm(ra);
    const double nb = cv::norm(rb);
    if (na <= 0 || nb <= 0)
        return 0.0;
    return ra.dot(rb) / (na * nb);
}

cv::Mat absDifference(const cv::Mat& a, const cv::Mat& b)
{
    const auto [ra, rb] = commonSize(a, b);
    cv::Mat d;
    cv::absdiff(ra, rb, d);
    return d;
}

cv::Mat colorize(const cv::Mat& map01, int colormap)
{
    if (map01.empty() || map01.channels() != 1)
        throw InputError("colorize: expected a non-empty single-channel map");
    cv::Mat u8;
    map01.convertTo(u8, CV_8U, 255.0);  // saturates outside [0, 1]
    cv::Mat bgr;
    cv::applyColorMap(u8, bgr, colormap);
    return bgr;
}

cv::Mat heatmapOverlay(const cv::Mat& bgr, const cv::Mat& map01, const LetterboxInfo& lb, double alpha, int colormap)
{
    if (bgr.empty() || bgr.depth() != CV_8U)
        throw InputError("heatmap overlay: expected an 8-bit image");
    if (lb.newW <= 0 || lb.newH <= 0 || lb.origW != bgr.cols || lb.origH != bgr.rows)
        throw InputError("heatmap overlay: the letterbox geometry (" + std::to_string(lb.origW) + "x" +
                         std::to_string(lb.origH) + ") does not belong to this " + std::to_string(bgr.cols) + "x" +
                         std::to_string(bgr.rows) + " image");
    cv::Mat onInput;
    cv::resize(map01, onInput, cv::Size(lb.width(), lb.height()), 0, 0, cv::INTER_LINEAR);
    cv::Mat onImage;
    cv::resize(onInput(cv::Rect(lb.padLeft, lb.padTop, lb.newW, lb.newH)), onImage, bgr.size(), 0, 0,
               cv::INTER_LINEAR);
    cv::Mat base;
    if (bgr.channels() == 1)
        cv::cvtColor(bgr, base, cv::COLOR_GRAY2BGR);
    else if (bgr.channels() == 4)
        cv::cvtColor(bgr, base, cv::COLOR_BGRA2BGR);
    else
        base = bgr;
    const double a = std::clamp(alpha, 0.0, 1.0);
    cv::Mat out;
    cv::addWeighted(base, 1.0 - a, colorize(onImage, colormap), a, 0.0, out);
    return out;
}

} // namespace retort
