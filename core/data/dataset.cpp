#include "data/dataset.h"

#include "data/letterbox.h"
#include "util/error.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

namespace retort {

namespace {

// Letterbox to imgsz x imgsz without up-scaling (load_image already made the long side imgsz).
LabeledImage letterboxSquare(const LabeledImage& in, int imgsz)
{
    LetterboxOptions lo;
    lo.height = lo.width = imgsz;
    lo.minimal = false;
    lo.scaleUp = false;
    LetterboxInfo info;
    LabeledImage out;
    out.image = letterbox(in.image, lo, &info);
    const float r = static_cast<float>(info.ratio);
    for (const auto& b : in.boxes)
        out.boxes.push_back({b.cls, b.x1 * r + info.padLeft, b.y1 * r + info.padTop, b.x2 * r + info.padLeft,
                             b.y2 * r + info.padTop});
    return out;
}

} // namespace

DetectionDataset::DetectionDataset(DatasetIndex index, int imgsz, AugmentOptions aug, bool augment, uint64_t seed)
    : m_index(std::move(index)), m_imgsz(imgsz), m_aug(aug), m_augment(augment), m_seed(seed)
{
    if (m_index.images.empty())
        throw InputError("dataset has no images");
    if (imgsz < 32)
        throw InputError("imgsz must be at least 32, got " + std::to_string(imgsz));
}

LabeledImage DetectionDataset::loadImage(size_t i) const
{
    const ImageRecord& rec = m_index.images.at(i);
    LabeledImage out;
    out.image = cv::imread(rec.image, cv::IMREAD_COLOR);
    if (out.image.empty())
        throw InputError(rec.image + ": cannot read image (changed since the dataset was scanned?)");
    const int h0 = out.image.rows, w0 = out.image.cols;
    const double r = static_cast<double>(m_imgsz) / std::max(h0, w0);
    if (r != 1) {
        const int w = std::min(static_cast<int>(std::ceil(w0 * r)), m_imgsz);
        const int h = std::min(static_cast<int>(std::ceil(h0 * r)), m_imgsz);
        cv::resize(out.image, out.image, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
    }
    const float w = static_cast<float>(out.image.cols), h = static_cast<float>(out.image.rows);
    out.boxes.reserve(rec.labels.size());
    for (const auto& l : rec.labels)
        out.boxes.push_back({l.cls, (l.cx - l.w / 2) * w, (l.cy - l.h / 2) * h, (l.cx + l.w / 2) * w, (l.cy + l.h / 2) * h});
    return out;
}

TrainSample DetectionDataset::get(size_t i, int epoch) const
{
    LabeledImage img;
    if (!m_augment) {
        img = letterboxSquare(loadImage(i), m_imgsz);
    } else {
        AugmentRng rng(m_seed, static_cast<uint64_t>(epoch), i);
        // Ultralytics draws the mosaic decision even with p = 0 (BaseMixTransform).
        const bool mosaic = rng.uniform() <= m_aug.mosaic && m_aug.mosaicOpen(epoch);
        if (mosaic) {
            std::array<LabeledImage, 4> parts;
            parts[0] = loadImage(i);
            for (int k = 1; k < 4; ++k)
                parts[k] = loadImage(static_cast<size_t>(rng.randint(0, static_cast<int>(size()) - 1)));
            const LabeledImage canvas = mosaic4({&parts[0], &parts[1], &parts[2], &parts[3]}, m_imgsz, rng);
            img = randomPerspective(canvas, m_aug, -m_imgsz / 2, rng);
        } else {
            img = randomPerspective(letterboxSquare(loadImage(i), m_imgsz), m_aug, 0, rng);
        }
        randomHsv(img.image, m_aug, rng);
        randomFlip(img, m_aug, rng);
    }

    const ImageRecord& rec = m_index.images[i];
    TrainSample s;
    cv::cvtColor(img.image, s.image, cv::COLOR_BGR2RGB);
    s.file = rec.image;
    s.origW = rec.width;
    s.origH = rec.height;
    const float w = static_cast<float>(s.image.cols), h = static_cast<float>(s.image.rows);
    for (const auto& b : img.boxes)
        s.labels.push_back({b.cls, (b.x1 + b.x2) / 2 / w, (b.y1 + b.y2) / 2 / h, (b.x2 - b.x1) / w, (b.y2 - b.y1) / h});
    return s;
}

TrainBatch collate(const std::vector<TrainSample>& samples)
{
    TrainBatch b;
    if (samples.empty())
        return b;
    const int64_t B = static_cast<int64_t>(samples.size());
    const int H = samples[0].image.rows, W = samples[0].image.cols;
    int64_t M = 0;
    for (const auto& s : samples) {
        if (s.image.rows != H || s.image.cols != W || s.image.type() != CV_8UC3)
            throw Error("collate: samples differ in size (" + s.file + ")");
        M += static_cast<int64_t>(s.labels.size());
    }
    b.images = torch::empty({B, 3, H, W}, torch::kUInt8);
    b.batchIdx = torch::empty({M}, torch::kFloat32);
    b.cls = torch::empty({M, 1}, torch::kFloat32);
    b.bboxes = torch::empty({M, 4}, torch::kFloat32);
    auto* bi = b.batchIdx.data_ptr<float>();
    auto* cl = b.cls.data_ptr<float>();
    auto* bx = b.bboxes.data_ptr<float>();
    int64_t m = 0;
    for (int64_t k = 0; k < B; ++k) {
        const TrainSample& s = samples[k];
        const cv::Mat hwc = s.image.isContinuous() ? s.image : s.image.clone();
        b.images[k].copy_(torch::from_blob(hwc.data, {H, W, 3}, torch::kUInt8).permute({2, 0, 1}));
        for (const auto& l : s.labels) {
            bi[m] = static_cast<float>(k);
            cl[m] = static_cast<float>(l.cls);
            bx[4 * m + 0] = l.cx, bx[4 * m + 1] = l.cy, bx[4 * m + 2] = l.w, bx[4 * m + 3] = l.h;
            ++m;
        }
        b.files.push_back(s.file);
    }
    return b;
}

} // namespace retort
