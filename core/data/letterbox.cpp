#include "data/letterbox.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace retort {

int pyRound(double v)
{
    return static_cast<int>(std::nearbyint(v));
}

cv::Mat letterbox(const cv::Mat& image, const LetterboxOptions& o, LetterboxInfo* info)
{
    const int h0 = image.rows;
    const int w0 = image.cols;
    double r = std::min(static_cast<double>(o.height) / h0, static_cast<double>(o.width) / w0);
    if (!o.scaleUp)
        r = std::min(r, 1.0);
    const int newW = pyRound(w0 * r);
    const int newH = pyRound(h0 * r);
    double dw = o.width - newW;
    double dh = o.height - newH;
    if (o.minimal) {
        dw = std::fmod(dw, o.stride);
        dh = std::fmod(dh, o.stride);
    }
    if (o.center) {
        dw /= 2;
        dh /= 2;
    }
    cv::Mat resized = image;
    if (newW != w0 || newH != h0)
        cv::resize(image, resized, cv::Size(newW, newH), 0, 0, cv::INTER_LINEAR);
    const int top = o.center ? pyRound(dh - 0.1) : 0;
    const int bottom = pyRound(dh + 0.1);
    const int left = o.center ? pyRound(dw - 0.1) : 0;
    const int right = pyRound(dw + 0.1);
    cv::Mat out;
    if (top || bottom || left || right)
        cv::copyMakeBorder(resized, out, top, bottom, left, right, cv::BORDER_CONSTANT,
                           cv::Scalar::all(o.padValue));
    else
        out = resized.data == image.data ? image.clone() : resized;
    if (info)
        *info = {w0, h0, newW, newH, r, left, top, right, bottom};
    return out;
}

} // namespace retort
