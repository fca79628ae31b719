#include "data/valdataset.h"

#include "data/letterbox.h"
#include "util/error.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <numeric>

namespace retort {

ValDataset::ValDataset(const std::vector<ImageRecord>& images, int imgsz, int batchSize, int stride, double pad)
    : m_images(images), m_imgsz(imgsz), m_batch(std::max(batchSize, 1))
{
    const size_t n = images.size();
    std::vector<double> ar(n);
    for (size_t i = 0; i < n; ++i)
        ar[i] = static_cast<double>(images[i].height) / std::max(images[i].width, 1);
    m_order.resize(n);
    std::iota(m_order.begin(), m_order.end(), 0);
    std::stable_sort(m_order.begin(), m_order.end(), [&](size_t a, size_t b) { return ar[a] < ar[b]; });
    const size_t nb = (n + static_cast<size_t>(m_batch) - 1) / static_cast<size_t>(m_batch);
    for (size_t b = 0; b < nb; ++b) {
        double mini = 1e9, maxi = 0;
        for (size_t k = b * m_batch; k < std::min(n, (b + 1) * m_batch); ++k) {
            mini = std::min(mini, ar[m_order[k]]);
            maxi = std::max(maxi, ar[m_order[k]]);
        }
        double sh = 1, sw = 1;
        if (maxi < 1)
            sh = maxi;
        else if (mini > 1)
            sw = 1 / mini;
        const int h = static_cast<int>(std::ceil(sh * imgsz / stride + pad)) * stride;
        const int w = static_cast<int>(std::ceil(sw * imgsz / stride + pad)) * stride;
        m_shapes.emplace_back(h, w);
    }
}

ValBatch ValDataset::batch(size_t index) const
{
    ValBatch out;
    const auto [bh, bw] = m_shapes[index];
    const size_t begin = index * static_cast<size_t>(m_batch);
    const size_t end = std::min(m_order.size(), begin + static_cast<size_t>(m_batch));
    out.images = torch::empty({static_cast<int64_t>(end - begin), 3, bh, bw}, torch::kUInt8);
    for (size_t k = begin; k < end; ++k) {
        const ImageRecord& rec = m_images[m_order[k]];
        cv::Mat img = cv::imread(rec.image, cv::IMREAD_COLOR);
        if (img.empty())
            throw InputError(rec.image + ": cannot read the image");
        const int h0 = img.rows, w0 = img.cols;
        const double r = static_cast<double>(m_imgsz) / std::max(h0, w0);
        if (r != 1.0) {
            const int w = std::min(static_cast<int>(std::ceil(w0 * r)), m_imgsz);
            const int h = std::min(static_cast<int>(std::ceil(h0 * r)), m_imgsz);
            cv::resize(img, img, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
        }
        LetterboxOptions lb;
        lb.height = bh;
        lb.width = bw;
        lb.minimal = false;
        lb.scaleUp = false;
        LetterboxInfo info;
        cv::Mat boxed = letterbox(img, lb, &info);
        cv::cvtColor(boxed, boxed, cv::COLOR_BGR2RGB);
        auto t = torch::from_blob(boxed.data, {boxed.rows, boxed.cols, 3}, torch::kUInt8).permute({2, 0, 1});
        out.images[static_cast<int64_t>(k - begin)].copy_(t);
        ValImage vi;
        vi.record = &rec;
        vi.resizedW = img.cols;
        vi.resizedH = img.rows;
        vi.gain = static_cast<double>(img.rows) / h0; // Ultralytics ratio_pad: the letterbox never rescales here
        vi.padX = info.padLeft;
        vi.padY = info.padTop;
        out.items.push_back(vi);
    }
    return out;
}

} // namespace retort
