#include "model/layers.h"

#include <cmath>

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

SPPFImpl::SPPFImpl(int64_t c1, int64_t c2, int64_t k, int64_t n, bool shortcut, bool cv1Act)
    : m_k(k), m_n(n), m_add(shortcut && c1 == c2)
{
    const int64_t hidden = c1 / 2;
    cv1 = register_module("cv1", Conv(ConvOptions(c1, hidden, 1).act(cv1Act)));
    cv2 = register_module("cv2", Conv(ConvOptions(hidden * (n + 1), c2, 1)));
}

torch::Tensor SPPFImpl::forward(const torch::Tensor& x)
{
    std::vector<torch::Tensor> ys{cv1(x)};
    const auto pool = torch::nn::functional::MaxPool2dFuncOptions(m_k).stride(1).padding(m_k / 2);
    for (int64_t i = 0; i < m_n; ++i)
        ys.push_back(torch::nn::functional::max_pool2d(ys.back(), pool));
    auto y = cv2(torch::cat(ys, 1));
    return m_add ? y + x : y;
}

C3kImpl::C3kImpl(int64_t c1, int64_t c2, int64_t n, bool shortcut, double expansion, int64_t k)
{
    const auto hidden = static_cast<int64_t>(c2 * expansion);
    cv1 = register_module("cv1", Conv(ConvOptions(c1, hidden, 1)));
    cv2 = register_module("cv2", Conv(ConvOptions(c1, hidden, 1)));
    cv3 = register_module("cv3", Conv(ConvOptions(2 * hidden, c2, 1)));
    m = register_module("m", torch::nn::Sequential());
    for (int64_t i = 0; i < n; ++i)
        m->push_back(Bottleneck(hidden, hidden, shortcut, 1, 1.0, k, k));
}

torch::Tensor C3kImpl::forward(const torch::Tensor& x)
{
    return cv3(torch::cat({m->forward(cv1(x)), cv2(x)}, 1));
}

AttentionImpl::AttentionImpl(int64_t dim, int64_t heads, double attnRatio)
    : m_heads(heads), m_headDim(dim / heads), m_keyDim(static_cast<int64_t>(static_cast<double>(dim / heads) * attnRatio)),
      m_scale(std::pow(static_cast<double>(m_keyDim), -0.5))
{
    const int64_t h = dim + 2 * m_keyDim * heads;
    qkv = register_module("qkv", Conv(ConvOptions(dim, h, 1).act(false)));
    proj = register_module("proj", Conv(ConvOptions(dim, dim, 1).act(false)));
    pe = register_module("pe", Conv(ConvOptions(dim, dim, 3).groups(dim).act(false)));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x)
{
    const auto b = x.size(0);
    const auto c = x.size(1);
    const auto h = x.size(2);
    const auto w = x.size(3);
    const auto parts = qkv(x).view({b, m_heads, 2 * m_keyDim + m_headDim, h * w}).split_with_sizes({m_keyDim, m_keyDim, m_headDim}, 2);
    const auto& q = parts[0];
    const auto& k = parts[1];
    const auto& v = parts[2];
    const auto attn = (torch::matmul(q.transpose(-2, -1), k) * m_scale).softmax(-1);
    auto y = torch::matmul(v, attn.transpose(-2, -1)).view({b, c, h, w}) + pe(v.reshape({b, c, h, w}));
    return proj(y);
}

PSABlockImpl::PSABlockImpl(int64_t c, double attnRatio, int64_t heads, bool shortcut) : m_add(shortcut)
{
    attn = register_module("attn", Attention(c, heads, attnRatio));
    ffn = register_module("ffn", torch::nn::Sequential(Conv(ConvOptions(c, 2 * c, 1)), Conv(ConvOptions(2 * c, c, 1).act(false))));
}

torch::Tensor PSABlockImpl::forward(const torch::Tensor& x)
{
    auto y = m_add ? x + attn(x) : attn(x);
    return m_add ? y + ffn->forward(y) : ffn->forward(y);
}

C2PSAImpl::C2PSAImpl(int64_t c1, int64_t c2, int64_t n, double expansion)
    : m_hidden(static_cast<int64_t>(c1 * expansion))
{
    cv1 = register_module("cv1", Conv(ConvOptions(c1, 2 * m_hidden, 1)));
    cv2 = register_module("cv2", Conv(ConvOptions(2 * m_hidden, c2, 1)));
    m = register_module("m", torch::nn::Sequential());
    for (int64_t i = 0; i < n; ++i)
        m->push_back(PSABlock(m_hidden, 0.5, std::max<int64_t>(m_hidden / 64, 1)));
}

torch::Tensor C2PSAImpl::forward(const torch::Tensor& x)
{
    const auto halves = cv1(x).split(m_hidden, 1);
    return cv2(torch::cat({halves[0], m->forward(halves[1])}, 1));
}

C3k2Impl::C3k2Impl(int64_t c1, int64_t c2, int64_t n, bool c3k, double expansion, bool attn, bool shortcut)
    : m_hidden(static_cast<int64_t>(c2 * expansion))
{
    cv1 = register_module("cv1", Conv(ConvOptions(c1, 2 * m_hidden, 1)));
    cv2 = register_module("cv2", Conv(ConvOptions((2 + n) * m_hidden, c2, 1)));
    m = register_module("m", torch::nn::ModuleList());
    for (int64_t i = 0; i < n; ++i) {
        if (attn) {
            torch::nn::Sequential seq(Bottleneck(m_hidden, m_hidden, shortcut),
                                      PSABlock(m_hidden, 0.5, std::max<int64_t>(m_hidden / 64, 1)));
            m->push_back(seq);
            m_blocks.emplace_back([seq](const torch::Tensor& x) mutable { return seq->forward(x); });
        } else if (c3k) {
            C3k block(m_hidden, m_hidden, 2, shortcut);
            m->push_back(block);
            m_blocks.emplace_back([block](const torch::Tensor& x) mutable { return block->forward(x); });
        } else {
            Bottleneck block(m_hidden, m_hidden, shortcut);
            m->push_back(block);
            m_blocks.emplace_back([block](const torch::Tensor& x) mutable { return block->forward(x); });
        }
    }
}

torch::Tensor C3k2Impl::forward(const torch::Tensor& x)
{
    auto halves = cv1(x).chunk(2, 1);
    std::vector<torch::Tensor> ys{halves[0], halves[1]};
    ys.reserve(2 + m_blocks.size());
    for (auto& block : m_blocks)
        ys.push_back(block(ys.back()));
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
