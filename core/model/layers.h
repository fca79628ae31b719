#pragma once

#include <torch/torch.h>

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

/// Spatial pyramid pooling, fast: three chained max-pools of size k.
class SPPFImpl : public torch::nn::Module
{
public:
    SPPFImpl(int64_t c1, int64_t c2, int64_t k = 5);
    torch::Tensor forward(const torch::Tensor& x);

    Conv cv1{nullptr};
    Conv cv2{nullptr};

private:
    int64_t m_k;
};
TORCH_MODULE(SPPF);

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
