#include "data/augment.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace retort {

namespace {

constexpr int kPadValue = 114;

uint64_t splitmix64(uint64_t& x)
{
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

PixelBox clipBox(PixelBox b, float w, float h)
{
    b.x1 = std::clamp(b.x1, 0.0f, w);
    b.x2 = std::clamp(b.x2, 0.0f, w);
    b.y1 = std::clamp(b.y1, 0.0f, h);
    b.y2 = std::clamp(b.y2, 0.0f, h);
    return b;
}

} // namespace

AugmentRng::AugmentRng(uint64_t seed, uint64_t epoch, uint64_t index)
{
    uint64_t x = seed;
    x = splitmix64(x) ^ (epoch * 0xd1b54a32d192ed03ULL);
    x = splitmix64(x) ^ (index * 0x8cb92ba72f3d8dd7ULL);
    for (auto& s : m_s)
        s = splitmix64(x);
}

uint64_t AugmentRng::next()
{
    const uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
}

int AugmentRng::randint(int lo, int hi)
{
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int>(next() % span);
}

LabeledImage mosaic4(const std::array<const LabeledImage*, 4>& parts, int imgsz, AugmentRng& rng)
{
    const int s = imgsz;
    // Ultralytics draws yc then xc, each int(uniform(s/2, 3s/2)).
    const int yc = static_cast<int>(rng.uniform(s / 2, 2 * s - s / 2));
    const int xc = static_cast<int>(rng.uniform(s / 2, 2 * s - s / 2));
    LabeledImage out;
    out.image = cv::Mat(2 * s, 2 * s, parts[0]->image.type(), cv::Scalar::all(kPadValue));
    for (int i = 0; i < 4; ++i) {
        const cv::Mat& img = parts[i]->image;
        const int w = img.cols, h = img.rows;
        int x1a, y1a, x2a, y2a, x1b, y1b, x2b, y2b;
        if (i == 0) {   // top left
            x1a = std::max(xc - w, 0), y1a = std::max(yc - h, 0), x2a = xc, y2a = yc;
            x1b = w - (x2a - x1a), y1b = h - (y2a - y1a), x2b = w, y2b = h;
        } else if (i == 1) {   // top right
            x1a = xc, y1a = std::max(yc - h, 0), x2a = std::min(xc + w, 2 * s), y2a = yc;
            x1b = 0, y1b = h - (y2a - y1a), x2b = std::min(w, x2a - x1a), y2b = h;
        } else if (i == 2) {   // bottom left
            x1a = std::max(xc - w, 0), y1a = yc, x2a = xc, y2a = std::min(2 * s, yc + h);
            x1b = w - (x2a - x1a), y1b = 0, x2b = w, y2b = std::min(y2a - y1a, h);
        } else {   // bottom right
            x1a = xc, y1a = yc, x2a = std::min(xc + w, 2 * s), y2a = std::min(2 * s, yc + h);
            x1b = 0, y1b = 0, x2b = std::min(w, x2a - x1a), y2b = std::min(y2a - y1a, h);
        }
        if (x2a > x1a && y2a > y1a)
            img(cv::Rect(x1b, y1b, x2b - x1b, y2b - y1b)).copyTo(out.image(cv::Rect(x1a, y1a, x2a - x1a, y2a - y1a)));
        const float padw = static_cast<float>(x1a - x1b), padh = static_cast<float>(y1a - y1b);
        for (const auto& b : parts[i]->boxes) {
            const PixelBox c = clipBox({b.cls, b.x1 + padw, b.y1 + padh, b.x2 + padw, b.y2 + padh}, 2.0f * s, 2.0f * s);
            if ((c.x2 - c.x1) * (c.y2 - c.y1) > 0)
                out.boxes.push_back(c);
        }
    }
    return out;
}

bool boxCandidate(const PixelBox& before, const PixelBox& after, float whThr, float arThr, float areaThr)
{
    constexpr float eps = 1e-16f;
    const float w1 = before.x2 - before.x1, h1 = before.y2 - before.y1;
    const float w2 = after.x2 - after.x1, h2 = after.y2 - after.y1;
    const float ar = std::max(w2 / (h2 + eps), h2 / (w2 + eps));
    return w2 > whThr && h2 > whThr && w2 * h2 / (w1 * h1 + eps) > areaThr && ar < arThr;
}

LabeledImage randomPerspective(const LabeledImage& in, const AugmentOptions& o, int border, AugmentRng& rng)
{
    const cv::Mat& img = in.image;
    const int outW = img.cols + 2 * border, outH = img.rows + 2 * border;
    constexpr double kDeg = M_PI / 180.0;

    cv::Matx33d C = cv::Matx33d::eye();
    C(0, 2) = -img.cols / 2.0;
    C(1, 2) = -img.rows / 2.0;
    cv::Matx33d P = cv::Matx33d::eye();
    P(2, 0) = rng.uniform(-o.perspective, o.perspective);
    P(2, 1) = rng.uniform(-o.perspective, o.perspective);
    cv::Matx33d R = cv::Matx33d::eye();
    const double angle = rng.uniform(-o.degrees, o.degrees);
    const double s = rng.uniform(1 - o.scale, 1 + o.scale);
    const cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(0, 0), angle, s);
    for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 3; ++c)
            R(r, c) = rot.at<double>(r, c);
    cv::Matx33d S = cv::Matx33d::eye();
    S(0, 1) = std::tan(rng.uniform(-o.shear, o.shear) * kDeg);
    S(1, 0) = std::tan(rng.uniform(-o.shear, o.shear) * kDeg);
    cv::Matx33d T = cv::Matx33d::eye();
    T(0, 2) = rng.uniform(0.5 - o.translate, 0.5 + o.translate) * outW;
    T(1, 2) = rng.uniform(0.5 - o.translate, 0.5 + o.translate) * outH;
    const cv::Matx33d M = T * S * R * P * C;

    LabeledImage out;
    if (border != 0 || M != cv::Matx33d::eye()) {
        const cv::Scalar grey = cv::Scalar::all(kPadValue);
        if (o.perspective != 0)
            cv::warpPerspective(img, out.image, cv::Mat(M), cv::Size(outW, outH), cv::INTER_LINEAR, cv::BORDER_CONSTANT, grey);
        else
            cv::warpAffine(img, out.image, cv::Mat(M).rowRange(0, 2), cv::Size(outW, outH), cv::INTER_LINEAR,
                           cv::BORDER_CONSTANT, grey);
    } else {
        out.image = img.clone();
    }

    for (const auto& b : in.boxes) {
        const double xs[4] = {b.x1, b.x2, b.x2, b.x1};
        const double ys[4] = {b.y1, b.y2, b.y1, b.y2};
        float x1 = INFINITY, y1 = INFINITY, x2 = -INFINITY, y2 = -INFINITY;
        for (int k = 0; k < 4; ++k) {
            const cv::Vec3d p = M * cv::Vec3d(xs[k], ys[k], 1.0);
            const double div = o.perspective != 0 ? p[2] : 1.0;
            const float x = static_cast<float>(p[0] / div), y = static_cast<float>(p[1] / div);
            x1 = std::min(x1, x), x2 = std::max(x2, x), y1 = std::min(y1, y), y2 = std::max(y2, y);
        }
        const PixelBox moved = clipBox({b.cls, x1, y1, x2, y2}, static_cast<float>(outW), static_cast<float>(outH));
        const float sf = static_cast<float>(s);
        const PixelBox scaled{b.cls, b.x1 * sf, b.y1 * sf, b.x2 * sf, b.y2 * sf};
        if (boxCandidate(scaled, moved))
            out.boxes.push_back(moved);
    }
    return out;
}

void randomHsv(cv::Mat& bgr, const AugmentOptions& o, AugmentRng& rng)
{
    if (o.hsvH == 0 && o.hsvS == 0 && o.hsvV == 0)
        return;
    const double gh = rng.uniform(-1, 1) * o.hsvH + 1;
    const double gs = rng.uniform(-1, 1) * o.hsvS + 1;
    const double gv = rng.uniform(-1, 1) * o.hsvV + 1;
    cv::Mat lut(1, 256, CV_8UC3);
    for (int x = 0; x < 256; ++x) {
        // numpy's astype(uint8) truncates; the products are non-negative.
        lut.at<cv::Vec3b>(x) = cv::Vec3b(static_cast<uint8_t>(std::fmod(x * gh, 180.0)),
                                         static_cast<uint8_t>(std::clamp(x * gs, 0.0, 255.0)),
                                         static_cast<uint8_t>(std::clamp(x * gv, 0.0, 255.0)));
    }
    cv::Mat hsv;
    cv::cvtColor(bgr, hsv, cv::COLOR_BGR2HSV);
    cv::LUT(hsv, lut, hsv);
    cv::cvtColor(hsv, bgr, cv::COLOR_HSV2BGR);
}

void randomFlip(LabeledImage& img, const AugmentOptions& o, AugmentRng& rng)
{
    const float w = static_cast<float>(img.image.cols), h = static_cast<float>(img.image.rows);
    if (rng.uniform() < o.flipUD) {
        cv::flip(img.image, img.image, 0);
        for (auto& b : img.boxes)
            b = {b.cls, b.x1, h - b.y2, b.x2, h - b.y1};
    }
    if (rng.uniform() < o.flipLR) {
        cv::flip(img.image, img.image, 1);
        for (auto& b : img.boxes)
            b = {b.cls, w - b.x2, b.y1, w - b.x1, b.y2};
    }
}

} // namespace retort
