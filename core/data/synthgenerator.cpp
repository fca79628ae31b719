#include "data/synthgenerator.h"

#include "data/augment.h"
#include "util/atomicfile.h"
#include "util/error.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

namespace fs = std::filesystem;

namespace retort {

namespace {

enum class Shape { Circle, Rectangle, Triangle, Star, Ellipse, Cross, Diamond, Hexagon };
constexpr int kShapes = 8;
const char* const kShapeNames[kShapes] = {"circle", "rectangle", "triangle", "star", "ellipse", "cross", "diamond", "hexagon"};

struct Colour
{
    const char* name;
    cv::Vec3b bgr;
};
const Colour kPalette[] = {
    {"red", {40, 40, 220}},   {"green", {60, 190, 40}},   {"blue", {220, 90, 30}},
    {"yellow", {30, 215, 235}}, {"magenta", {200, 50, 210}}, {"cyan", {220, 210, 40}},
};
constexpr int kColours = sizeof(kPalette) / sizeof(kPalette[0]);

constexpr double kMaxVisibleLoss = 0.45;   // an object may lose at most this much to occluders
constexpr int kMinSide = 8;                // px; smaller visible boxes are not labelled

// Class k: shape k mod 8, colour shifted per row so every (shape, colour) pair is unique.
int shapeOf(int k) { return k % kShapes; }
int colourOf(int k) { return (k / kShapes + k) % kColours; }

std::vector<cv::Point> outline(Shape shape, cv::Point2d c, double r, double angleDeg, AugmentRng& rng)
{
    std::vector<cv::Point2d> pts;
    auto regular = [&](int n, double radius, double phase) {
        for (int i = 0; i < n; ++i) {
            const double a = phase + 2 * M_PI * i / n;
            pts.emplace_back(radius * std::cos(a), radius * std::sin(a));
        }
    };
    switch (shape) {
    case Shape::Circle:
    case Shape::Ellipse: {
        const double b = shape == Shape::Circle ? r : r * rng.uniform(0.45, 0.7);
        std::vector<cv::Point> poly;
        cv::ellipse2Poly(cv::Point(0, 0), cv::Size(cvRound(r * 16), cvRound(b * 16)), 0, 0, 360, 4, poly);
        for (const auto& p : poly)
            pts.emplace_back(p.x / 16.0, p.y / 16.0);
        break;
    }
    case Shape::Rectangle: {
        const double h = r * rng.uniform(0.5, 0.95);
        pts = {{-r, -h}, {r, -h}, {r, h}, {-r, h}};
        break;
    }
    case Shape::Triangle:
        regular(3, r, -M_PI / 2);
        break;
    case Shape::Star:
        for (int i = 0; i < 10; ++i) {
            const double a = -M_PI / 2 + M_PI * i / 5;
            const double rr = i % 2 ? r * 0.45 : r;
            pts.emplace_back(rr * std::cos(a), rr * std::sin(a));
        }
        break;
    case Shape::Cross: {
        const double t = r * 0.33;
        pts = {{-t, -r}, {t, -r}, {t, -t}, {r, -t}, {r, t}, {t, t}, {t, r}, {-t, r}, {-t, t}, {-r, t}, {-r, -t}, {-t, -t}};
        break;
    }
    case Shape::Diamond:
        pts = {{0, -r}, {r * 0.62, 0}, {0, r}, {-r * 0.62, 0}};
        break;
    case Shape::Hexagon:
        regular(6, r, 0);
        break;
    }
    const double a = angleDeg * M_PI / 180, ca = std::cos(a), sa = std::sin(a);
    std::vector<cv::Point> out;
    for (const auto& p : pts)
        out.emplace_back(cvRound((c.x + p.x * ca - p.y * sa) * 16), cvRound((c.y + p.x * sa + p.y * ca) * 16));
    return out;   // 4 fractional bits, for fillPoly's shift
}

cv::Mat background(int size, AugmentRng& rng)
{
    cv::Mat img(size, size, CV_32FC3);
    cv::Vec3f a, b;
    for (int ch = 0; ch < 3; ++ch) {
        a[ch] = static_cast<float>(rng.uniform(40, 215));
        b[ch] = static_cast<float>(rng.uniform(40, 215));
    }
    // Keep backgrounds greyish so that colour is a cue, not a giveaway.
    const float desat = static_cast<float>(rng.uniform(0.3, 0.8));
    const float ma = (a[0] + a[1] + a[2]) / 3, mb = (b[0] + b[1] + b[2]) / 3;
    for (int ch = 0; ch < 3; ++ch) {
        a[ch] = ma + (a[ch] - ma) * (1 - desat);
        b[ch] = mb + (b[ch] - mb) * (1 - desat);
    }
    const double theta = rng.uniform(0, 2 * M_PI), dx = std::cos(theta), dy = std::sin(theta);
    const double freq = rng.uniform(2, 9), texAmp = rng.uniform(0, 14), texPhase = rng.uniform(0, 2 * M_PI);
    for (int y = 0; y < size; ++y) {
        auto* row = img.ptr<cv::Vec3f>(y);
        for (int x = 0; x < size; ++x) {
            const double u = (x - size / 2.0) / size * dx + (y - size / 2.0) / size * dy + 0.5;
            const float t = static_cast<float>(std::clamp(u, 0.0, 1.0));
            const float tex = static_cast<float>(texAmp * std::sin(freq * 2 * M_PI * (x * dy - y * dx) / size + texPhase));
            row[x] = a * (1 - t) + b * t + cv::Vec3f(tex, tex, tex);
        }
    }
    // Clutter: thin lines and soft blobs that are not objects.
    const int clutter = rng.randint(3, 12);
    for (int i = 0; i < clutter; ++i) {
        const cv::Scalar c(rng.uniform(30, 225), rng.uniform(30, 225), rng.uniform(30, 225));
        const cv::Point p1(rng.randint(0, size - 1), rng.randint(0, size - 1));
        if (rng.uniform() < 0.6) {
            const cv::Point p2(rng.randint(0, size - 1), rng.randint(0, size - 1));
            cv::line(img, p1, p2, c, rng.randint(1, 3), cv::LINE_AA);
        } else {
            cv::Mat blob = cv::Mat::zeros(img.size(), CV_32FC3);
            cv::circle(blob, p1, rng.randint(size / 30 + 2, size / 8 + 3), c, cv::FILLED, cv::LINE_AA);
            cv::GaussianBlur(blob, blob, cv::Size(0, 0), size / 60.0 + 1);
            cv::addWeighted(img, 1.0, blob, 0.35, 0, img);
        }
    }
    cv::Mat noise(img.size(), CV_32FC3);
    cv::theRNG().state = rng.next();
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(rng.uniform(3, 14)));
    img += noise;
    cv::Mat out;
    img.convertTo(out, CV_8UC3);
    return out;
}

struct Drawn
{
    int cls;
    cv::Rect box;
};

std::vector<Drawn> drawObjects(cv::Mat& img, int classes, AugmentRng& rng)
{
    const int size = img.cols;
    // Owner map: which object a pixel shows (-1 = background), for visible boxes and occlusion.
    cv::Mat owner(img.size(), CV_16SC1, cv::Scalar(-1));
    std::vector<int> clsOf;
    std::vector<int> area;   // pixels of each object when first drawn
    const int count = rng.uniform() < 0.05 ? 0 : rng.randint(1, 8);
    for (int n = 0; n < count; ++n) {
        const int cls = rng.randint(0, classes - 1);
        const double r = rng.uniform() < 0.25 ? size * rng.uniform(0.025, 0.05) : size * rng.uniform(0.06, 0.2);
        for (int attempt = 0; attempt < 10; ++attempt) {
            const cv::Point2d c(rng.uniform(r * 0.5, size - r * 0.5), rng.uniform(r * 0.5, size - r * 0.5));
            const auto poly = outline(static_cast<Shape>(shapeOf(cls)), c, r, rng.uniform(0, 360), rng);
            cv::Mat mask = cv::Mat::zeros(img.size(), CV_8UC1);
            cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255), cv::LINE_8, 4);
            // Reject placements that hide too much of an earlier object.
            std::vector<int> lost(clsOf.size(), 0), visible(clsOf.size(), 0);
            for (int y = 0; y < size; ++y) {
                const auto* o = owner.ptr<int16_t>(y);
                const auto* m = mask.ptr<uint8_t>(y);
                for (int x = 0; x < size; ++x)
                    if (o[x] >= 0) {
                        ++visible[o[x]];
                        lost[o[x]] += m[x] != 0;
                    }
            }
            bool ok = true;
            for (size_t j = 0; j < clsOf.size() && ok; ++j)
                ok = visible[j] - lost[j] >= (1 - kMaxVisibleLoss) * area[j];
            if (!ok)
                continue;
            const int id = static_cast<int>(clsOf.size());
            clsOf.push_back(cls);
            area.push_back(cv::countNonZero(mask));
            owner.setTo(cv::Scalar(id), mask);
            cv::Vec3b base = kPalette[colourOf(cls)].bgr;
            for (int ch = 0; ch < 3; ++ch)
                base[ch] = cv::saturate_cast<uint8_t>(base[ch] + rng.uniform(-25, 25));
            const double shade = rng.uniform(0.75, 1.0);
            cv::fillPoly(img, std::vector<std::vector<cv::Point>>{poly},
                         cv::Scalar(base[0] * shade, base[1] * shade, base[2] * shade), cv::LINE_AA, 4);
            if (rng.uniform() < 0.5)
                cv::polylines(img, std::vector<std::vector<cv::Point>>{poly}, true,
                              cv::Scalar(base[0] * 0.4, base[1] * 0.4, base[2] * 0.4), std::max(1, cvRound(r / 12)),
                              cv::LINE_AA, 4);
            break;
        }
    }
    std::vector<Drawn> out;
    for (size_t j = 0; j < clsOf.size(); ++j) {
        cv::Mat mine = owner == static_cast<int16_t>(j);
        const cv::Rect box = cv::boundingRect(mine);
        if (box.width >= kMinSide && box.height >= kMinSide)
            out.push_back({clsOf[j], box});
    }
    return out;
}

} // namespace

SynthGenerator::SynthGenerator(SynthOptions options) : m_options(std::move(options))
{
    const auto& o = m_options;
    if (o.outDir.empty())
        throw InputError("synth: an output directory is required");
    if (o.images < 1)
        throw InputError("synth: images must be at least 1, got " + std::to_string(o.images));
    if (o.imgsz < 64 || o.imgsz > 4096)
        throw InputError("synth: imgsz must be in [64, 4096], got " + std::to_string(o.imgsz));
    if (o.classes < 1 || o.classes > maxClasses())
        throw InputError("synth: classes must be in [1, " + std::to_string(maxClasses()) + "], got " +
                         std::to_string(o.classes));
    if (!(o.valFraction >= 0 && o.valFraction < 1))
        throw InputError("synth: val-fraction must be in [0, 1), got " + std::to_string(o.valFraction));
}

int SynthGenerator::maxClasses()
{
    return kShapes * kColours;
}

std::vector<std::string> SynthGenerator::classNames(int k)
{
    std::vector<std::string> names;
    for (int i = 0; i < k; ++i)
        names.push_back(std::string(kPalette[colourOf(i)].name) + "_" + kShapeNames[shapeOf(i)]);
    return names;
}

SynthResult SynthGenerator::run() const
{
    const auto& o = m_options;
    const int nVal = static_cast<int>(std::lround(o.images * o.valFraction));
    const int nTrain = o.images - nVal;
    if (nTrain < 1)
        throw InputError("synth: val-fraction leaves no training images");
    const fs::path root(o.outDir);
    for (const char* d : {"images/train", "images/val", "labels/train", "labels/val"})
        fs::create_directories(root / d);

    std::atomic<int> next{0};
    std::atomic<int64_t> instances{0};
    std::atomic<int> backgrounds{0};
    std::exception_ptr error;
    std::mutex errorMutex;
    auto work = [&] {
        try {
            for (int i; (i = next.fetch_add(1)) < o.images;) {
                AugmentRng rng(o.seed, 0x5947, static_cast<uint64_t>(i));
                cv::Mat img = background(o.imgsz, rng);
                const std::vector<Drawn> objects = drawObjects(img, o.classes, rng);
                const std::string split = i < nTrain ? "train" : "val";
                char stem[32];
                std::snprintf(stem, sizeof stem, "%06d", i);
                std::string labels;
                for (const auto& d : objects) {
                    char line[96];
                    std::snprintf(line, sizeof line, "%d %.6f %.6f %.6f %.6f\n", d.cls,
                                  (d.box.x + d.box.width / 2.0) / o.imgsz, (d.box.y + d.box.height / 2.0) / o.imgsz,
                                  static_cast<double>(d.box.width) / o.imgsz, static_cast<double>(d.box.height) / o.imgsz);
                    labels += line;
                }
                const fs::path imagePath = root / "images" / split / (std::string(stem) + ".jpg");
                if (!cv::imwrite(imagePath.string(), img, {cv::IMWRITE_JPEG_QUALITY, 92}))
                    throw Error("synth: cannot write " + imagePath.string());
                writeFileAtomic((root / "labels" / split / (std::string(stem) + ".txt")).string(), labels);
                instances += static_cast<int64_t>(objects.size());
                backgrounds += objects.empty();
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(errorMutex);
            error = std::current_exception();
            next = o.images;
        }
    };
    const unsigned n = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < n; ++t)
        pool.emplace_back(work);
    work();
    for (auto& t : pool)
        t.join();
    if (error)
        std::rethrow_exception(error);

    SynthResult r;
    r.names = classNames(o.classes);
    r.trainImages = nTrain;
    r.valImages = nVal;
    r.instances = instances;
    r.backgrounds = backgrounds;
    r.yamlPath = (root / o.yamlName).string();
    std::string yaml = "# Retort synthetic shapes: retort-cli synth --images " + std::to_string(o.images) + " --imgsz " +
                       std::to_string(o.imgsz) + " --classes " + std::to_string(o.classes) + " --seed " +
                       std::to_string(o.seed) + "\npath: .  # relative to this file\ntrain: images/train\nval: " +
                       (nVal > 0 ? "images/val" : "images/train") + "\nnc: " + std::to_string(o.classes) + "\nnames:\n";
    for (const auto& name : r.names)
        yaml += "  - " + name + "\n";
    writeFileAtomic(r.yamlPath, yaml);
    return r;
}

} // namespace retort
