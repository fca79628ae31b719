#pragma once

#include "distill/gcblock.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace retort {

/// The feature KD types, in the order messages list them: mse, at, cwd, mgd, pkd, score_l2, fgd.
const std::vector<std::string>& featureKdTypes();

/// One teacher/student feature pair: which loss, the channel counts, and its constants.
struct FeatureDistillerOptions
{
    FeatureDistillerOptions(std::string type, int64_t studentChannels, int64_t teacherChannels)
        : type_(std::move(type)), studentChannels_(studentChannels), teacherChannels_(teacherChannels)
    {
    }
    TORCH_ARG(std::string, type);        ///< mse | at | cwd | mgd | pkd | score_l2 | fgd
    TORCH_ARG(int64_t, studentChannels);
    TORCH_ARG(int64_t, teacherChannels);
    TORCH_ARG(double, tau) = 1.0;        ///< cwd temperature
    TORCH_ARG(double, alpha) = 2e-5;     ///< mgd loss scale
    TORCH_ARG(double, lambda) = 0.65;    ///< mgd fraction of positions masked out
    TORCH_ARG(int64_t, hidden) = 0;      ///< score_l2 projector hidden channels (0 = the teacher's)
    TORCH_ARG(double, fgdTemperature) = 0.5; ///< fgd attention temperature
    TORCH_ARG(double, fgdAlpha) = 1e-3;  ///< fgd foreground feature term
    TORCH_ARG(double, fgdBeta) = 5e-4;   ///< fgd background feature term
    TORCH_ARG(double, fgdGamma) = 1e-3;  ///< fgd attention term
    TORCH_ARG(double, fgdLambda) = 5e-6; ///< fgd global term
};

/// Per-step inputs that some types need beside the two maps. Undefined tensors mean "none".
struct FeatureKdGuide
{
    torch::Tensor positionWeights; ///< score_l2: (B, H, W) >= 0; undefined = uniform (the MSE)
    torch::Tensor foreground;      ///< fgd: focal mask Mf (B, H, W); undefined = no boxes, all background
};

/// The trainable side of feature KD for one tapped pair:
/// - a 1x1 adapter (conv with bias, Kaiming init) mapping the student's channels to the
///   teacher's when they differ (mse, cwd, mgd, pkd, fgd; not `at`, which compares channel
///   means, nor `score_l2`, whose projector maps the channels);
/// - mgd: the generator Conv3x3(C, C) -> ReLU -> Conv3x3(C, C) reconstructing the teacher
///   feature from the masked, aligned student feature;
/// - score_l2: the projector Conv1x1(Cs, hidden) -> ReLU -> Conv1x1(hidden, Ct), always;
/// - fgd: two GcBlocks, one for the student side and one for the teacher side, as the
///   official FGD code (conv_mask_s / conv_mask_t, channel_add_conv_s / _t); both trainable.
///
///   FeatureDistiller fd(FeatureDistillerOptions("cwd", 64, 128).tau(1.0));
///   torch::Tensor loss = fd(studentTap, teacherTap);                         // unweighted
///   torch::Tensor mgd = fdMgd(studentTap, teacherTap, gen);                  // mgd draws its mask from gen
///   torch::Tensor fgd = fdFgd(studentTap, teacherTap, c10::nullopt, FeatureKdGuide{{}, mf}); // focal mask
class FeatureDistillerImpl : public torch::nn::Module
{
public:
    /// Throws InputError (key distill.feature.type) for an unknown type.
    explicit FeatureDistillerImpl(const FeatureDistillerOptions& options);

    /// Unweighted loss of the pair. `teacher` (and the guide) are detached here, so no
    /// gradient reaches them. `generator` is required for mgd.
    ///
    /// fgd: with s the aligned student, t the teacher, Mf = guide.foreground, Mb its
    /// background mask, S/A the spatial/channel attention (fgdAttention) and G the GcBlocks,
    ///   L = α·fg + β·bg + γ·att + λ·global, every part summed and divided by the batch size:
    ///   fg = Σ (s−t)²·Mf·S_t·A_t / B,  bg = Σ (s−t)²·Mb·S_t·A_t / B,
    ///   att = (Σ|A_s−A_t| + Σ|S_s−S_t|) / B,  global = Σ (G_s(s) − G_t(t))² / B.
    torch::Tensor forward(const torch::Tensor& student, const torch::Tensor& teacher,
                          c10::optional<at::Generator> generator = c10::nullopt, const FeatureKdGuide& guide = {});
    /// The student feature in the teacher's channels (itself when no adapter is needed; the
    /// projector's output for score_l2).
    torch::Tensor align(const torch::Tensor& student);
    bool hasAdapter() const { return !adapter.is_empty(); }
    /// Whether the pair has anything to train (adapter, generator, projector, GcBlocks).
    bool hasTrainableParts() const { return !parameters().empty(); }

    FeatureDistillerOptions options;
    torch::nn::Conv2d adapter{nullptr};
    torch::nn::Sequential generator{nullptr};
    torch::nn::Sequential projector{nullptr};
    GcBlock gcStudent{nullptr};
    GcBlock gcTeacher{nullptr};
};
TORCH_MODULE(FeatureDistiller);

} // namespace retort
