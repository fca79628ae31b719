#include "eval/nms.h"

namespace retort {

torch::Tensor xywh2xyxy(const torch::Tensor& b)
{
    auto xy = b.narrow(-1, 0, 2);
    auto half = b.narrow(-1, 2, 2) / 2;
    return torch::cat({xy - half, xy + half}, -1);
}

torch::Tensor nmsIndices(const torch::Tensor& boxesIn, const torch::Tensor& scoresIn, double iouThres)
{
    const auto boxes = boxesIn.to(torch::kCPU, torch::kFloat).contiguous();
    const auto scores = scoresIn.to(torch::kCPU, torch::kFloat).contiguous();
    const int64_t n = boxes.size(0);
    if (n == 0)
        return torch::empty({0}, torch::kLong);
    const auto order = std::get<1>(scores.sort(/*stable=*/true, 0, /*descending=*/true)).contiguous();
    const float* b = boxes.data_ptr<float>();
    const int64_t* ord = order.data_ptr<int64_t>();
    std::vector<float> area(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        area[static_cast<size_t>(i)] = (b[4 * i + 2] - b[4 * i]) * (b[4 * i + 3] - b[4 * i + 1]);
    std::vector<char> removed(static_cast<size_t>(n), 0);
    std::vector<int64_t> keep;
    for (int64_t oi = 0; oi < n; ++oi) {
        const int64_t i = ord[oi];
        if (removed[static_cast<size_t>(i)])
            continue;
        keep.push_back(i);
        const float x1 = b[4 * i], y1 = b[4 * i + 1], x2 = b[4 * i + 2], y2 = b[4 * i + 3];
        for (int64_t oj = oi + 1; oj < n; ++oj) {
            const int64_t j = ord[oj];
            if (removed[static_cast<size_t>(j)])
                continue;
            const float w = std::max(0.f, std::min(x2, b[4 * j + 2]) - std::max(x1, b[4 * j]));
            const float h = std::max(0.f, std::min(y2, b[4 * j + 3]) - std::max(y1, b[4 * j + 1]));
            const float inter = w * h;
            const float iou = inter / (area[static_cast<size_t>(i)] + area[static_cast<size_t>(j)] - inter);
            if (iou > iouThres)
                removed[static_cast<size_t>(j)] = 1;
        }
    }
    return torch::tensor(keep, torch::kLong);
}

std::vector<torch::Tensor> nonMaxSuppression(const torch::Tensor& prediction, const NmsOptions& o)
{
    torch::NoGradGuard noGrad;
    const auto pred = prediction.detach().to(torch::kCPU, torch::kFloat);
    const int64_t bs = pred.size(0);
    const int64_t nc = pred.size(1) - 4;
    std::vector<torch::Tensor> out;
    out.reserve(static_cast<size_t>(bs));
    for (int64_t xi = 0; xi < bs; ++xi) {
        auto x = pred[xi].t(); // (N, 4+nc)
        auto cls = x.narrow(1, 4, nc);
        auto candidates = std::get<0>(cls.max(1)) > o.conf;
        x = x.index({candidates});
        if (x.size(0) == 0) {
            out.push_back(torch::zeros({0, 6}));
            continue;
        }
        auto box = xywh2xyxy(x.narrow(1, 0, 4));
        cls = x.narrow(1, 4, nc);
        torch::Tensor det;
        if (o.multiLabel && nc > 1) {
            auto ij = torch::nonzero(cls > o.conf); // (k, 2) rows in anchor order, classes ascending
            auto i = ij.select(1, 0);
            auto j = ij.select(1, 1);
            det = torch::cat({box.index({i}), cls.index({i, j}).unsqueeze(1), j.unsqueeze(1).to(torch::kFloat)}, 1);
        } else {
            auto [conf, j] = cls.max(1, true);
            det = torch::cat({box, conf, j.to(torch::kFloat)}, 1).index({conf.view(-1) > o.conf});
        }
        if (det.size(0) == 0) {
            out.push_back(torch::zeros({0, 6}));
            continue;
        }
        if (det.size(0) > o.maxNms)
            det = det.index({det.select(1, 4).argsort(0, true).narrow(0, 0, o.maxNms)});
        auto offset = det.narrow(1, 5, 1) * (o.agnostic ? 0.0 : static_cast<double>(o.maxWh));
        auto keep = nmsIndices(det.narrow(1, 0, 4) + offset, det.select(1, 4), o.iou);
        if (keep.size(0) > o.maxDet)
            keep = keep.narrow(0, 0, o.maxDet);
        out.push_back(det.index({keep}));
    }
    return out;
}

std::vector<torch::Tensor> selectDetections(const torch::Tensor& output, bool endToEnd, const NmsOptions& options)
{
    if (!endToEnd)
        return nonMaxSuppression(output, options);
    TORCH_CHECK(output.dim() == 3 && output.size(2) == 6, "selectDetections: an end-to-end output is (B, k, 6), got ",
                output.sizes());
    std::vector<torch::Tensor> out;
    for (int64_t b = 0; b < output.size(0); ++b) {
        const auto rows = output[b].to(torch::kCPU, torch::kFloat);
        const auto kept = rows.index({rows.select(1, 4) > options.conf});
        out.push_back(kept.narrow(0, 0, std::min<int64_t>(kept.size(0), options.maxDet)).contiguous());
    }
    return out;
}

} // namespace retort
