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

DetectImpl::DetectImpl(int64_t nc, const std::vector<int64_t>& channels, int64_t regMax)
    : m_nc(nc), m_regMax(regMax)
{
    const int64_t c2 = std::max({int64_t(16), channels[0] / 4, regMax * 4});
    const int64_t c3 = std::max(channels[0], std::min(nc, int64_t(100)));
    cv2 = register_module("cv2", torch::nn::ModuleList());
    cv3 = register_module("cv3", torch::nn::ModuleList());
    for (const int64_t ch : channels) {
        cv2->push_back(torch::nn::Sequential(Conv(ConvOptions(ch, c2, 3)), Conv(ConvOptions(c2, c2, 3)),
                                             torch::nn::Conv2d(torch::nn::Conv2dOptions(c2, 4 * regMax, 1))));
        cv3->push_back(torch::nn::Sequential(Conv(ConvOptions(ch, c3, 3)), Conv(ConvOptions(c3, c3, 3)),
                                             torch::nn::Conv2d(torch::nn::Conv2dOptions(c3, nc, 1))));
    }
    dfl = register_module("dfl", DFL(regMax));
}

std::vector<torch::Tensor> DetectImpl::forward(const std::vector<torch::Tensor>& x)
{
    std::vector<torch::Tensor> maps;
    maps.reserve(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
        auto box = cv2[i]->as<torch::nn::SequentialImpl>()->forward(x[i]);
        auto cls = cv3[i]->as<torch::nn::SequentialImpl>()->forward(x[i]);
        maps.push_back(torch::cat({box, cls}, 1));
    }
    return maps;
}

torch::Tensor DetectImpl::decode(const std::vector<torch::Tensor>& maps)
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
    auto dbox = dist2bbox(dfl(box), anchors.points.t().unsqueeze(0), true, 1) * anchors.strides.t();
    return torch::cat({dbox, cls.sigmoid()}, 1);
}

void DetectImpl::setStrides(const std::vector<double>& strides, bool initBiases)
{
    m_strides = strides;
    if (!initBiases)
        return;
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < strides.size(); ++i) {
        auto boxLast = cv2[i]->as<torch::nn::SequentialImpl>()->ptr(2)->as<torch::nn::Conv2dImpl>();
        auto clsLast = cv3[i]->as<torch::nn::SequentialImpl>()->ptr(2)->as<torch::nn::Conv2dImpl>();
        boxLast->bias.fill_(1.0);
        clsLast->bias.fill_(std::log(5.0 / m_nc / std::pow(640.0 / strides[i], 2)));
    }
}

} // namespace retort
