#pragma once

#include "viz/featureadapter.h"
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

/// How the student's channel map of a teacher/student pair relates to the teacher's.
enum class ChannelAlignment {
    SameIndex,  ///< equal channel counts: the same channel index of the student's feature
    Adapter,    ///< the same channel of the student's feature mapped by its trained 1x1 KD adapter
    NotAligned  ///< other channel counts and no adapter: the student's own top channel (unrelated)
};

/// Teacher and student channel maps of one aligned layer pair.
struct ChannelPairAttention
{
    cv::Mat teacher;
    cv::Mat student;
    int teacherChannel = -1;
    int studentChannel = -1; ///< in the teacher's channel space unless NotAligned
    ChannelAlignment alignment = ChannelAlignment::SameIndex;
};

/// CWD-style maps that compare like with like: the teacher's channel of largest energy, and the
/// same channel of the student's feature in the teacher's channel space, which is what CWD
/// matched in training: through `adapter` when one is given and fits both features, directly
/// when both have as many channels. Otherwise the student's own channel of largest energy,
/// marked NotAligned. Feature shapes as in channelAttention().
///
///   const auto a = adapters.find(15);
///   ChannelPairAttention m = alignedChannelAttention(tTaps.at(15), sTaps.at(15),
///                                                    a == adapters.end() ? nullptr : &a->second);
ChannelPairAttention alignedChannelAttention(const torch::Tensor& teacher, const torch::Tensor& student,
                                             const FeatureAdapter* adapter = nullptr, double tau = 1.0);

/// spatialAttention() or channelAttention() as the options say.
cv::Mat attentionMap(const torch::Tensor& feature, const AttentionOptions& options, int* chosenChannel = nullptr);

} // namespace retort
