#pragma once

#include "viz/heatmap.h"

#include <opencv2/core.hpp>
#include <torch/torch.h>

namespace retort {

/// Which map an attention view shows for a feature tensor.
enum class AttentionKind {
    Spatial, ///< mean over channels of F^2 (Zagoruyko & Komodakis' attention transfer)
    Channel  ///< spatial softmax of one channel (what channel-wise distillation, CWD, matches)
};

struct AttentionOptions
{
    AttentionKind kind = AttentionKind::Spatial;
    /// Channel for AttentionKind::Channel; -1 picks the channel with the largest energy sum(F^2).
    int channel = -1;
    /// Softmax temperature for AttentionKind::Channel (CWD's tau).
    double tau = 1.0;
};

/// Spatial attention of a feature map (1, C, H, W) or (C, H, W): mean over channels of F^2,
/// min-max normalised to [0, 1]. Returns CV_32F, H x W. A constant map comes back all zero
/// (it carries no "where").
///
///   cv::Mat a = spatialAttention(taps.at(15));   // 80 x 80 for a 640 input
cv::Mat spatialAttention(const torch::Tensor& feature);

/// CWD-style channel map: softmax over the H*W positions of channel `channel` / tau (the
/// channel of largest energy sum(F^2) when `channel` < 0), min-max normalised to [0, 1] for
/// display. `chosen` receives the channel used. Throws InputError for a channel out of range.
///
///   int c = -1;
///   cv::Mat m = channelAttention(taps.at(21), -1, 1.0, &c);
cv::Mat channelAttention(const torch::Tensor& feature, int channel = -1, double tau = 1.0, int* chosen = nullptr);

/// spatialAttention() or channelAttention() as the options say.
cv::Mat attentionMap(const torch::Tensor& feature, const AttentionOptions& options, int* chosenChannel = nullptr);

} // namespace retort
