#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace retort {

/// Options of Conv: Conv2d(bias=false) + BatchNorm2d(eps 1e-3, momentum 0.03) + SiLU.
struct ConvOptions
{
    ConvOptions(int64_t in, int64_t out, int64_t kernel = 1, int64_t stride = 1)
        : in_(in), out_(out), kernel_(kernel), stride_(stride)
    {
    }
    TORCH_ARG(int64_t, in);
    TORCH_ARG(int64_t, out);
    TORCH_ARG(int64_t, kernel);
    TORCH_ARG(int64_t, stride);
    TORCH_ARG(int64_t, groups) = 1;
    TORCH_ARG(bool, act) = true;
};

/// Ultralytics' Conv. After fuse() the BatchNorm is folded into the convolution, which then
/// carries a bias and `bn` is no longer a submodule (as in Ultralytics' fused models).
class ConvImpl : public torch::nn::Module
{
public:
    explicit ConvImpl(const ConvOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    /// Folds BN into the convolution (inference only; idempotent).
    void fuse();
    /// Turns this Conv into the fused layout without computing anything, so that fused
    /// weights (e.g. from a TorchScript export) can be loaded into it.
    void makeFusedLayout();
    bool fused() const { return m_fused; }

    ConvOptions options;
    torch::nn::Conv2d conv{nullptr};
    torch::nn::BatchNorm2d bn{nullptr};

private:
    bool m_fused = false;
};
TORCH_MODULE(Conv);

/// Standard bottleneck: two Convs (k x k), residual when shortcut and in == out.
class BottleneckImpl : public torch::nn::Module
{
public:
    BottleneckImpl(int64_t c1, int64_t c2, bool shortcut, int64_t groups = 1, double expansion = 0.5,
                   int64_t k1 = 3, int64_t k2 = 3);
    torch::Tensor forward(const torch::Tensor& x);

    Conv cv1{nullptr};
    Conv cv2{nullptr};

private:
    bool m_add;
};
TORCH_MODULE(Bottleneck);

/// CSP bottleneck with two convolutions (YOLOv8's C2f).
class C2fImpl : public torch::nn::Module
{
public:
    C2fImpl(int64_t c1, int64_t c2, int64_t n = 1, bool shortcut = false, int64_t groups = 1,
            double expansion = 0.5);
    torch::Tensor forward(const torch::Tensor& x);

    Conv cv1{nullptr};
    Conv cv2{nullptr};
    torch::nn::ModuleList m{nullptr};

private:
    int64_t m_hidden;
};
TORCH_MODULE(C2f);

/// Spatial pyramid pooling, fast: `n` chained max-pools of size k. Ultralytics 8.4's form
/// (YOLO26) drops the SiLU after cv1 (`cv1Act` false) and may add the input back
/// (`shortcut`, when c1 == c2); YOLOv8 and YOLO11 use cv1 with SiLU, 3 pools, no shortcut.
class SPPFImpl : public torch::nn::Module
{
public:
    SPPFImpl(int64_t c1, int64_t c2, int64_t k = 5, int64_t n = 3, bool shortcut = false, bool cv1Act = true);
    torch::Tensor forward(const torch::Tensor& x);

    Conv cv1{nullptr};
    Conv cv2{nullptr};

private:
    int64_t m_k;
    int64_t m_n;
    bool m_add;
};
TORCH_MODULE(SPPF);

/// CSP bottleneck with three convolutions (C3): cv3(cat(m(cv1(x)), cv2(x))). YOLO11's C3k is
/// this with `n` Bottleneck(c_, c_, k x k, e = 1) blocks.
class C3kImpl : public torch::nn::Module
{
public:
    C3kImpl(int64_t c1, int64_t c2, int64_t n = 2, bool shortcut = true, double expansion = 0.5, int64_t k = 3);
    torch::Tensor forward(const torch::Tensor& x);

    Conv cv1{nullptr};
    Conv cv2{nullptr};
    Conv cv3{nullptr};
    torch::nn::Sequential m{nullptr};
};
TORCH_MODULE(C3k);

/// Multi-head self-attention over the positions of a feature map (Ultralytics' Attention):
/// one 1x1 qkv conv, softmax(q^T k / sqrt(key_dim)), plus a depthwise 3x3 positional term on
/// v, then a 1x1 projection. key_dim = head_dim * attnRatio.
class AttentionImpl : public torch::nn::Module
{
public:
    AttentionImpl(int64_t dim, int64_t heads = 8, double attnRatio = 0.5);
    torch::Tensor forward(const torch::Tensor& x);

    Conv qkv{nullptr};
    Conv proj{nullptr};
    Conv pe{nullptr};

    int64_t heads() const { return m_heads; }
    int64_t keyDim() const { return m_keyDim; }
    int64_t headDim() const { return m_headDim; }

private:
    int64_t m_heads;
    int64_t m_headDim;
    int64_t m_keyDim;
    double m_scale;
};
TORCH_MODULE(Attention);

/// Position-sensitive attention block: x + attn(x), then x + ffn(x) (ffn: 1x1 to 2c with SiLU,
/// 1x1 back without).
class PSABlockImpl : public torch::nn::Module
{
public:
    PSABlockImpl(int64_t c, double attnRatio = 0.5, int64_t heads = 4, bool shortcut = true);
    torch::Tensor forward(const torch::Tensor& x);

    Attention attn{nullptr};
    torch::nn::Sequential ffn{nullptr};

private:
    bool m_add;
};
TORCH_MODULE(PSABlock);

/// YOLO11's C2PSA: cv1 splits into two halves, the second goes through `n` PSABlocks, cv2 joins.
class C2PSAImpl : public torch::nn::Module
{
public:
    C2PSAImpl(int64_t c1, int64_t c2, int64_t n = 1, double expansion = 0.5);
    torch::Tensor forward(const torch::Tensor& x);

    Conv cv1{nullptr};
    Conv cv2{nullptr};
    torch::nn::Sequential m{nullptr};

private:
    int64_t m_hidden;
};
TORCH_MODULE(C2PSA);

/// YOLO11/YOLO26's C3k2: a C2f whose blocks are Bottleneck(c, c, e = 0.5), C3k(c, c, 2) when
/// `c3k`, or (YOLO26) Bottleneck then PSABlock when `attn`.
class C3k2Impl : public torch::nn::Module
{
public:
    C3k2Impl(int64_t c1, int64_t c2, int64_t n = 1, bool c3k = false, double expansion = 0.5, bool attn = false,
             bool shortcut = true);
    torch::Tensor forward(const torch::Tensor& x);

    Conv cv1{nullptr};
    Conv cv2{nullptr};
    torch::nn::ModuleList m{nullptr};

private:
    int64_t m_hidden;
    std::vector<std::function<torch::Tensor(const torch::Tensor&)>> m_blocks;
};
TORCH_MODULE(C3k2);

/// Nearest-neighbour upsampling by an integer factor (nn.Upsample(None, s, "nearest")).
class UpsampleImpl : public torch::nn::Module
{
public:
    explicit UpsampleImpl(int64_t scale) : m_scale(scale) {}
    torch::Tensor forward(const torch::Tensor& x);
    int64_t scale() const { return m_scale; }

private:
    int64_t m_scale;
};
TORCH_MODULE(Upsample);

/// Applies fn to every Conv below `module` (recursively).
void forEachConv(torch::nn::Module& module, const std::function<void(ConvImpl&)>& fn);

} // namespace retort
