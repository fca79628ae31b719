#include "model/layers.h"

namespace retort {

ConvImpl::ConvImpl(const ConvOptions& opts) : options(opts)
{
    const int64_t pad = opts.kernel() / 2; // autopad for odd kernels, dilation 1
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(opts.in(), opts.out(), opts.kernel())
                                                         .stride(opts.stride())
                                                         .padding(pad)
                                                         .groups(opts.groups())
                                                         .bias(false)));
    bn = register_module("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(opts.out()).eps(1e-3).momentum(0.03)));
}

torch::Tensor ConvImpl::forward(const torch::Tensor& x)
{
    auto y = conv->forward(x);
    if (!m_fused)
        y = bn->forward(y);
    return options.act() ? torch::silu(y) : y;
}

void ConvImpl::makeFusedLayout()
{
    if (m_fused)
        return;
    torch::NoGradGuard noGrad;
    const auto& o = conv->options;
    auto withBias = torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in_channels(), o.out_channels(), o.kernel_size())
                                          .stride(o.stride())
                                          .padding(o.padding())
                                          .groups(o.groups())
                                          .bias(true));
    withBias->to(conv->weight.device(), conv->weight.scalar_type());
    withBias->weight.copy_(conv->weight);
    withBias->bias.zero_();
    conv = replace_module("conv", withBias);
    unregister_module("bn");
    bn = nullptr;
    m_fused = true;
}

void ConvImpl::fuse()
{
    if (m_fused)
        return;
    torch::NoGradGuard noGrad;
    const auto scale = bn->weight / torch::sqrt(bn->running_var + bn->options.eps());
    const auto weight = conv->weight * scale.view({-1, 1, 1, 1});
    const auto bias = bn->bias - bn->running_mean * scale;
    makeFusedLayout();
    conv->weight.copy_(weight);
    conv->bias.copy_(bias);
}

BottleneckImpl::BottleneckImpl(int64_t c1, int64_t c2, bool shortcut, int64_t groups, double expansion,
                               int64_t k1, int64_t k2)
    : m_add(shortcut && c1 == c2)
{
    const auto hidden = static_cast<int64_t>(c2 * expansion);
    cv1 = register_module("cv1", Conv(ConvOptions(c1, hidden, k1)));
    cv2 = register_module("cv2", Conv(ConvOptions(hidden, c2, k2).groups(groups)));
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x)
{
    auto y = cv2(cv1(x));
    return m_add ? x + y : y;
}

C2fImpl::C2fImpl(int64_t c1, int64_t c2, int64_t n, bool shortcut, int64_t groups, double expansion)
    : m_hidden(static_cast<int64_t>(c2 * expansion))
{
    cv1 = register_module("cv1", Conv(ConvOptions(c1, 2 * m_hidden, 1)));
    cv2 = register_module("cv2", Conv(ConvOptions((2 + n) * m_hidden, c2, 1)));
    m = register_module("m", torch::nn::ModuleList());
    for (int64_t i = 0; i < n; ++i)
        m->push_back(Bottleneck(m_hidden, m_hidden, shortcut, groups, 1.0));
}

torch::Tensor C2fImpl::forward(const torch::Tensor& x)
{
    auto halves = cv1(x).chunk(2, 1);
    std::vector<torch::Tensor> ys{halves[0], halves[1]};
    ys.reserve(2 + m->size());
    for (const auto& block : *m)
        ys.push_back(block->as<BottleneckImpl>()->forward(ys.back()));
    return cv2(torch::cat(ys, 1));
}

SPPFImpl::SPPFImpl(int64_t c1, int64_t c2, int64_t k) : m_k(k)
{
    const int64_t hidden = c1 / 2;
    cv1 = register_module("cv1", Conv(ConvOptions(c1, hidden, 1)));
    cv2 = register_module("cv2", Conv(ConvOptions(hidden * 4, c2, 1)));
}

torch::Tensor SPPFImpl::forward(const torch::Tensor& x)
{
    std::vector<torch::Tensor> ys{cv1(x)};
    const auto pool = torch::nn::functional::MaxPool2dFuncOptions(m_k).stride(1).padding(m_k / 2);
    for (int i = 0; i < 3; ++i)
        ys.push_back(torch::nn::functional::max_pool2d(ys.back(), pool));
    return cv2(torch::cat(ys, 1));
}

torch::Tensor UpsampleImpl::forward(const torch::Tensor& x)
{
    return torch::upsample_nearest2d(x, {x.size(2) * m_scale, x.size(3) * m_scale});
}

void forEachConv(torch::nn::Module& module, const std::function<void(ConvImpl&)>& fn)
{
    for (const auto& child : module.modules(/*include_self=*/true))
        if (auto* conv = child->as<ConvImpl>())
            fn(*conv);
}

} // namespace retort
