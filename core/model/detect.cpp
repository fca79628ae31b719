#include "model/detect.h"

#include <cmath>

namespace retort {

DFLImpl::DFLImpl(int64_t bins) : m_bins(bins)
{
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(bins, 1, 1).bias(false)));
    torch::NoGradGuard noGrad;
    conv->weight.copy_(torch::arange(bins, torch::kFloat).view({1, bins, 1, 1}));
    conv->weight.set_requires_grad(false);
}

torch::Tensor DFLImpl::forward(const torch::Tensor& x)
{
    const auto b = x.size(0);
    const auto a = x.size(2);
    // (B, 4, bins, A) softmax over bins, then the expectation with the conv's bin values.
    auto p = x.view({b, 4, m_bins, a}).softmax(2);
    auto proj = conv->weight.view({1, 1, m_bins, 1}).to(p.dtype());
    return (p * proj).sum(2);
}

torch::Tensor binDistances(const torch::Tensor& distri, int64_t bins)
{
    if (bins == 1)
        return distri;
    const auto b = distri.size(0);
    const auto p = distri.view({b, -1, 4, bins}).softmax(-1);
    return p.matmul(torch::arange(bins, distri.options().requires_grad(false)));
}

Anchors makeAnchors(const std::vector<std::pair<int64_t, int64_t>>& sizes, const std::vector<double>& strides,
                    const torch::TensorOptions& options, double offset)
{
    std::vector<torch::Tensor> points;
    std::vector<torch::Tensor> strideList;
    for (size_t i = 0; i < sizes.size(); ++i) {
        const auto [h, w] = sizes[i];
        auto sx = torch::arange(w, options) + offset;
        auto sy = torch::arange(h, options) + offset;
        auto grid = torch::meshgrid({sy, sx}, "ij");
        points.push_back(torch::stack({grid[1], grid[0]}, -1).view({-1, 2}));
        strideList.push_back(torch::full({h * w, 1}, strides[i], options));
    }
    return {torch::cat(points), torch::cat(strideList)};
}

torch::Tensor dist2bbox(const torch::Tensor& distance, const torch::Tensor& anchorPoints, bool xywh, int64_t dim)
{
    auto parts = distance.chunk(2, dim);
    auto x1y1 = anchorPoints - parts[0];
    auto x2y2 = anchorPoints + parts[1];
    if (xywh)
        return torch::cat({(x1y1 + x2y2) / 2, x2y2 - x1y1}, dim);
    return torch::cat({x1y1, x2y2}, dim);
}

namespace {

/// Two Convs in a row, named "0" and "1" like the nn.Sequential Ultralytics nests in YOLO11's
/// class branch (libtorch's Sequential cannot nest).
class ConvPairImpl : public torch::nn::Module
{
public:
    ConvPairImpl(Conv a, Conv b) : m_a(register_module("0", a)), m_b(register_module("1", b)) {}
    torch::Tensor forward(const torch::Tensor& x) { return m_b(m_a(x)); }

private:
    Conv m_a;
    Conv m_b;
};
TORCH_MODULE(ConvPair);

torch::nn::ModuleList boxBranch(const std::vector<int64_t>& channels, int64_t c2, int64_t regMax)
{
    torch::nn::ModuleList list;
    for (const int64_t ch : channels)
        list->push_back(torch::nn::Sequential(Conv(ConvOptions(ch, c2, 3)), Conv(ConvOptions(c2, c2, 3)),
                                              torch::nn::Conv2d(torch::nn::Conv2dOptions(c2, 4 * regMax, 1))));
    return list;
}

torch::nn::ModuleList classBranch(const std::vector<int64_t>& channels, int64_t c3, int64_t nc, bool legacy)
{
    torch::nn::ModuleList list;
    for (const int64_t ch : channels) {
        if (legacy) {
            list->push_back(torch::nn::Sequential(Conv(ConvOptions(ch, c3, 3)), Conv(ConvOptions(c3, c3, 3)),
                                                  torch::nn::Conv2d(torch::nn::Conv2dOptions(c3, nc, 1))));
        } else {
            // YOLO11: DWConv 3x3 -> Conv 1x1, twice, then the class conv.
            list->push_back(torch::nn::Sequential(
                ConvPair(Conv(ConvOptions(ch, ch, 3).groups(ch)), Conv(ConvOptions(ch, c3, 1))),
                ConvPair(Conv(ConvOptions(c3, c3, 3).groups(c3)), Conv(ConvOptions(c3, c3, 1))),
                torch::nn::Conv2d(torch::nn::Conv2dOptions(c3, nc, 1))));
        }
    }
    return list;
}

torch::nn::Conv2dImpl* lastConv(torch::nn::ModuleList list, size_t level)
{
    return list[level]->as<torch::nn::SequentialImpl>()->ptr(2)->as<torch::nn::Conv2dImpl>();
}

} // namespace

DetectImpl::DetectImpl(int64_t nc, const std::vector<int64_t>& channels, int64_t regMax, bool legacy, bool endToEnd)
    : m_nc(nc), m_regMax(regMax), m_legacy(legacy), m_endToEnd(endToEnd)
{
    const int64_t c2 = std::max({int64_t(16), channels[0] / 4, regMax * 4});
    const int64_t c3 = std::max(channels[0], std::min(nc, int64_t(100)));
    cv2 = register_module("cv2", boxBranch(channels, c2, regMax));
    cv3 = register_module("cv3", classBranch(channels, c3, nc, legacy));
    if (regMax > 1)
        dfl = register_module("dfl", DFL(regMax));
    if (endToEnd) {
        one2one_cv2 = register_module("one2one_cv2", boxBranch(channels, c2, regMax));
        one2one_cv3 = register_module("one2one_cv3", classBranch(channels, c3, nc, legacy));
    }
}

std::vector<torch::nn::ModuleList> DetectImpl::branches() const
{
    std::vector<torch::nn::ModuleList> out{cv2, cv3};
    if (m_endToEnd) {
        out.push_back(one2one_cv2);
        out.push_back(one2one_cv3);
    }
    return out;
}

std::vector<torch::Tensor> DetectImpl::run(torch::nn::ModuleList box, torch::nn::ModuleList cls,
                                           const std::vector<torch::Tensor>& x)
{
    std::vector<torch::Tensor> maps;
    maps.reserve(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
        auto b = box[i]->as<torch::nn::SequentialImpl>()->forward(x[i]);
        auto c = cls[i]->as<torch::nn::SequentialImpl>()->forward(x[i]);
        maps.push_back(torch::cat({b, c}, 1));
    }
    return maps;
}

std::vector<torch::Tensor> DetectImpl::forward(const std::vector<torch::Tensor>& x)
{
    return run(cv2, cv3, x);
}

std::vector<torch::Tensor> DetectImpl::forwardOneToOne(const std::vector<torch::Tensor>& x)
{
    TORCH_CHECK(m_endToEnd, "forwardOneToOne: this Detect head is not end-to-end");
    std::vector<torch::Tensor> detached;
    detached.reserve(x.size());
    for (const auto& t : x)
        detached.push_back(t.detach());
    return run(one2one_cv2, one2one_cv3, detached);
}

torch::Tensor DetectImpl::decode(const std::vector<torch::Tensor>& maps, bool xywh)
{
    std::vector<std::pair<int64_t, int64_t>> sizes;
    std::vector<torch::Tensor> flat;
    const auto b = maps[0].size(0);
    for (const auto& m : maps) {
        sizes.emplace_back(m.size(2), m.size(3));
        flat.push_back(m.reshape({b, outputsPerAnchor(), -1}));
    }
    auto cat = torch::cat(flat, 2);
    auto box = cat.narrow(1, 0, 4 * m_regMax);
    auto cls = cat.narrow(1, 4 * m_regMax, m_nc);
    const auto anchors = makeAnchors(sizes, m_strides, cat.options());
    auto dist = m_regMax > 1 ? dfl(box) : box;
    auto dbox = dist2bbox(dist, anchors.points.t().unsqueeze(0), xywh, 1) * anchors.strides.t();
    return torch::cat({dbox, cls.sigmoid()}, 1);
}

torch::Tensor DetectImpl::topK(const torch::Tensor& decodedXyxy, int64_t maxDet, torch::Tensor* anchorIndex)
{
    const auto preds = decodedXyxy.permute({0, 2, 1}); // (B, N, 4 + nc)
    const auto n = preds.size(1);
    const auto nc = preds.size(2) - 4;
    const auto k = std::min(maxDet, n);
    const auto boxes = preds.narrow(2, 0, 4);
    const auto scores = preds.narrow(2, 4, nc);
    const auto anchors = std::get<1>(std::get<0>(scores.max(-1)).topk(k)).unsqueeze(-1); // (B, k, 1)
    const auto top = scores.gather(1, anchors.repeat({1, 1, nc}));                      // (B, k, nc)
    auto [best, flatIndex] = top.flatten(1).topk(k);                                     // (B, k)
    const auto row = torch::div(flatIndex, nc, "floor");
    const auto idx = anchors.squeeze(-1).gather(1, row);                                 // (B, k) anchor
    const auto cls = flatIndex.remainder(nc).to(preds.scalar_type());
    const auto box = boxes.gather(1, idx.unsqueeze(-1).repeat({1, 1, 4}));
    if (anchorIndex)
        *anchorIndex = idx;
    return torch::cat({box, best.unsqueeze(-1), cls.unsqueeze(-1)}, -1);
}

void DetectImpl::setStrides(const std::vector<double>& strides, bool initBiases)
{
    m_strides = strides;
    if (!initBiases)
        return;
    torch::NoGradGuard noGrad;
    // Ultralytics' bias_init: box bias 1.0 for DFL heads (2.0 for YOLO26's raw distances),
    // class bias log(5 / nc / (640 / stride)^2) (about 5 objects per 640 image a priori).
    const double boxBias = m_regMax > 1 ? 1.0 : 2.0;
    for (size_t i = 0; i < strides.size(); ++i) {
        const double clsBias = std::log(5.0 / m_nc / std::pow(640.0 / strides[i], 2));
        lastConv(cv2, i)->bias.fill_(boxBias);
        lastConv(cv3, i)->bias.fill_(clsBias);
        if (m_endToEnd) {
            lastConv(one2one_cv2, i)->bias.fill_(boxBias);
            lastConv(one2one_cv3, i)->bias.fill_(clsBias);
        }
    }
}

} // namespace retort
