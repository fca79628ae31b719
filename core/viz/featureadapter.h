#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace retort {

/// The trained 1x1 feature-KD adapter of one tapped layer pair: a conv with weight (Ct, Cs, 1, 1)
/// and bias (Ct) that maps the student's Cs channels onto the teacher's Ct, as
/// FeatureDistiller::align does during training.
struct FeatureAdapter
{
    int teacherLayer = -1;
    int studentLayer = -1;
    torch::Tensor weight;
    torch::Tensor bias;

    int64_t studentChannels() const { return weight.size(1); }
    int64_t teacherChannels() const { return weight.size(0); }
    /// The student feature, (1, Cs, H, W) or (Cs, H, W), in the teacher's channels (same rank).
    /// Throws InputError when the feature does not have Cs channels.
    torch::Tensor apply(const torch::Tensor& studentFeature) const;
};

/// The feature-KD adapters that belong to a student checkpoint, by student layer; empty when it
/// was not trained with feature KD through adapters (equal channel counts need none). Looks in
/// the file's own `distill.features.<i>.adapter.{weight,bias}` tensors, else in the run's
/// training state `last.state` next to it (`distiller/features.<i>.adapter.*`, written by every
/// Retort run of the same arm), and pairs index i with the i-th `distill.feature.layers` entry
/// of the config in that file's metadata. The state holds the last epoch's adapters, which a
/// best.safetensors of an earlier epoch was not trained with exactly. A file without them, of
/// another run, or unreadable gives no adapters (the caller shows unaligned maps), never an error.
///
///   auto adapters = loadFeatureAdapters("runs/coco128/logit+loc+cwd/weights/best.safetensors");
///   if (auto a = adapters.find(15); a != adapters.end())
///       aligned = a->second.apply(studentTaps.at(15));
std::map<int, FeatureAdapter> loadFeatureAdapters(const std::string& weightsPath);

} // namespace retort
