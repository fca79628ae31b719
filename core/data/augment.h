#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <vector>

namespace retort {

/// Ultralytics' training augmentation hyper-parameters, with its defaults (cfg/default.yaml).
struct AugmentOptions
{
    double mosaic = 1.0;        ///< probability of a 4-image mosaic
    double degrees = 0.0;       ///< rotation (+/- deg)
    double translate = 0.1;     ///< translation (+/- fraction)
    double scale = 0.5;         ///< scale gain (+/- gain)
    double shear = 0.0;         ///< shear (+/- deg)
    double perspective = 0.0;   ///< perspective (+/- fraction), 0-0.001
    double hsvH = 0.015;        ///< hue gain (fraction)
    double hsvS = 0.7;          ///< saturation gain (fraction)
    double hsvV = 0.4;          ///< value gain (fraction)
    double flipUD = 0.0;        ///< probability of a vertical flip
    double flipLR = 0.5;        ///< probability of a horizontal flip
    int closeMosaic = 10;       ///< the last N epochs run without mosaic
    int epochs = 0;             ///< total epochs of the run, for closeMosaic (0: never close)

    /// Ultralytics closes the mosaic at epoch == epochs - close_mosaic (0-based epochs).
    bool mosaicOpen(int epoch) const { return mosaic > 0 && !(epochs > 0 && epoch >= epochs - closeMosaic); }
};

/// A box in pixels, corners (x1, y1, x2, y2), with its class.
struct PixelBox
{
    int cls = 0;
    float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

/// An image (BGR, as OpenCV and Ultralytics keep it until the final collate) with its boxes.
struct LabeledImage
{
    cv::Mat image;
    std::vector<PixelBox> boxes;
};

/// The random source of one sample: SplitMix64-seeded xoshiro256**, so a sample's result is a
/// function of (seed, epoch, index) alone, whatever thread draws it.
///
///   AugmentRng rng(seed, epoch, index);
///   double a = rng.uniform(-10, 10);
class AugmentRng
{
public:
    AugmentRng(uint64_t seed, uint64_t epoch, uint64_t index);
    explicit AugmentRng(uint64_t seed) : AugmentRng(seed, 0, 0) {}

    uint64_t next();
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }   ///< [0, 1)
    double uniform(double a, double b) { return a + (b - a) * uniform(); }
    int randint(int lo, int hi);   ///< inclusive, like Python's random.randint

private:
    std::array<uint64_t, 4> m_s{};
};

/// Ultralytics' Mosaic._mosaic4: four images (long side already `imgsz`) on a 2*imgsz canvas of
/// grey 114 around a centre drawn in [imgsz/2, 3*imgsz/2); boxes shifted, clipped to the canvas,
/// zero-area ones dropped. The result still needs randomPerspective with border -imgsz/2.
LabeledImage mosaic4(const std::array<const LabeledImage*, 4>& parts, int imgsz, AugmentRng& rng);

/// Ultralytics' RandomPerspective: M = T*S*R*P*C (centre, perspective, rotation+scale, shear,
/// translation), warp to (w + 2*border, h + 2*border) with grey 114, boxes from the warped
/// corners clipped to the output, kept if they pass boxCandidates against the scaled originals.
LabeledImage randomPerspective(const LabeledImage& in, const AugmentOptions& o, int border, AugmentRng& rng);

/// Ultralytics' box_candidates: new boxes wider and taller than `whThr` px, keeping more than
/// `areaThr` of the (scaled) original area, aspect ratio under `arThr`.
bool boxCandidate(const PixelBox& before, const PixelBox& after, float whThr = 2, float arThr = 100,
                  float areaThr = 0.1f);

/// Ultralytics' RandomHSV: one random gain per channel in [1 - g, 1 + g], applied through lookup
/// tables in OpenCV's 8-bit HSV (hue modulo 180, saturation and value clipped). In place, BGR.
void randomHsv(cv::Mat& bgr, const AugmentOptions& o, AugmentRng& rng);

/// Ultralytics' RandomFlip, vertical then horizontal, each drawn with its probability.
void randomFlip(LabeledImage& img, const AugmentOptions& o, AugmentRng& rng);

} // namespace retort
