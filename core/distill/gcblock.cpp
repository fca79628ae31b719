#include "distill/gcblock.h"

namespace retort {

GcBlockImpl::GcBlockImpl(const GcBlockOptions& opts) : options(opts)
{
    reset();
}

void GcBlockImpl::reset()
{
    const int64_t c = options.channels();
    const int64_t h = options.hidden();
    contextMask = register_module("context_mask", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, 1, 1)));
    auto last = torch::nn::Conv2d(torch::nn::Conv2dOptions(h, c, 1));
    channelAdd = register_module(
        "channel_add", torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(c, h, 1)),
                                             torch::nn::LayerNorm(torch::nn::LayerNormOptions({h, 1, 1})),
                                             torch::nn::ReLU(), last));
    torch::NoGradGuard noGrad;
    torch::nn::init::kaiming_normal_(contextMask->weight, 0.0, torch::kFanIn, torch::kReLU);
    contextMask->bias.zero_();
    last->weight.zero_();
    last->bias.zero_();
}

torch::Tensor GcBlockImpl::forward(const torch::Tensor& x)
{
    const int64_t b = x.size(0);
    const int64_t c = x.size(1);
    const auto weights = contextMask(x).view({b, -1, 1}).softmax(1);         // (B, HW, 1)
    const auto context = x.reshape({b, c, -1}).bmm(weights).view({b, c, 1, 1}); // (B, C, 1, 1)
    return x + channelAdd->forward(context);
}

} // namespace retort
