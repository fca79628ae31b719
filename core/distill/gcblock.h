#pragma once

#include <torch/torch.h>

#include <algorithm>

namespace retort {

struct GcBlockOptions
{
    explicit GcBlockOptions(int64_t channels) : channels_(channels), hidden_(std::max<int64_t>(channels / 2, 1)) {}
    TORCH_ARG(int64_t, channels);
    TORCH_ARG(int64_t, hidden);  ///< channel-add bottleneck, C/2 as in FGD
};

/// Global context block (Cao et al., GCNet) as FGD uses it for its global term:
///   context = Σ_j softmax_j(conv1x1_{C→1}(F)) · F_j                      (B, C, 1, 1)
///   out     = F + conv1x1_{h→C}(ReLU(LayerNorm(conv1x1_{C→h}(context))))
/// The context conv is Kaiming-normal (fan in), the last conv starts at zero, so a fresh
/// block is the identity (as FGD's reset_parameters).
///
///   GcBlock gc(GcBlockOptions(128));
///   torch::Tensor g = gc(feat); // same shape as feat
class GcBlockImpl : public torch::nn::Cloneable<GcBlockImpl>
{
public:
    explicit GcBlockImpl(const GcBlockOptions& options);

    void reset() override;
    torch::Tensor forward(const torch::Tensor& x);

    GcBlockOptions options;
    torch::nn::Conv2d contextMask{nullptr};
    torch::nn::Sequential channelAdd{nullptr};
};
TORCH_MODULE(GcBlock);

} // namespace retort
