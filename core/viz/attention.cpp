#include "viz/attention.h"

#include "util/error.h"

#include <cmath>
#include <string>

namespace retort {
namespace {

torch::Tensor asChw(const torch::Tensor& feature)
{
    if (feature.dim() == 4 && feature.size(0) == 1)
        return feature[0];
    if (feature.dim() == 3)
        return feature;
    throw InputError("attention map: expected a feature map (1, C, H, W) or (C, H, W), got " +
                     std::to_string(feature.dim()) + " dimensions");
}

/// (H, W) float tensor -> min-max normalised CV_32F copy.
cv::Mat normalisedMat(const torch::Tensor& hw)
{
    auto t = hw.detach().to(torch::kCPU, torch::kFloat).contiguous();
    const float lo = t.min().item<float>();
    const float hi = t.max().item<float>();
    const int rows = static_cast<int>(t.size(0));
    const int cols = static_cast<int>(t.size(1));
    if (!(hi > lo) || !std::isfinite(hi - lo))
        return cv::Mat::zeros(rows, cols, CV_32F);
    t = (t - lo) / (hi - lo);
    return cv::Mat(rows, cols, CV_32F, t.data_ptr<float>()).clone();
}

} // namespace

cv::Mat spatialAttention(const torch::Tensor& feature)
{
    torch::NoGradGuard noGrad;
    const auto f = asChw(feature).to(torch::kFloat);
    return normalisedMat(f.pow(2).mean(0));
}

cv::Mat channelAttention(const torch::Tensor& feature, int channel, double tau, int* chosen)
{
    torch::NoGradGuard noGrad;
    const auto f = asChw(feature).to(torch::kFloat);
    const int64_t channels = f.size(0);
    if (channel >= channels)
        throw InputError("channel attention: channel " + std::to_string(channel) + " out of range (the map has " +
                         std::to_string(channels) + " channels)");
    if (!(tau > 0))
        throw InputError("channel attention: tau must be > 0, got " + std::to_string(tau));
    if (channel < 0)
        channel = static_cast<int>(f.pow(2).sum({1, 2}).argmax().item<int64_t>());
    if (chosen)
        *chosen = channel;
    const auto c = f[channel];
    const auto soft = torch::softmax(c.flatten() / tau, 0).view_as(c);
    return normalisedMat(soft);
}

ChannelPairAttention alignedChannelAttention(const torch::Tensor& teacher, const torch::Tensor& student,
                                             const FeatureAdapter* adapter, double tau)
{
    ChannelPairAttention out;
    out.teacher = channelAttention(teacher, -1, tau, &out.teacherChannel);
    const int64_t ct = asChw(teacher).size(0);
    const int64_t cs = asChw(student).size(0);
    if (adapter && adapter->weight.defined() && adapter->studentChannels() == cs && adapter->teacherChannels() == ct) {
        out.student = channelAttention(adapter->apply(student), out.teacherChannel, tau, &out.studentChannel);
        out.alignment = ChannelAlignment::Adapter;
    } else if (cs == ct) {
        out.student = channelAttention(student, out.teacherChannel, tau, &out.studentChannel);
        out.alignment = ChannelAlignment::SameIndex;
    } else {
        out.student = channelAttention(student, -1, tau, &out.studentChannel);
        out.alignment = ChannelAlignment::NotAligned;
    }
    return out;
}

cv::Mat attentionMap(const torch::Tensor& feature, const AttentionOptions& options, int* chosenChannel)
{
    if (options.kind == AttentionKind::Channel)
        return channelAttention(feature, options.channel, options.tau, chosenChannel);
    if (chosenChannel)
        *chosenChannel = -1;
    return spatialAttention(feature);
}

} // namespace retort
