#pragma once

#include <torch/torch.h>

#include <string>

namespace retort {

/// One teacher/student feature pair: which loss, the channel counts, and its constants.
struct FeatureDistillerOptions
{
    FeatureDistillerOptions(std::string type, int64_t studentChannels, int64_t teacherChannels)
        : type_(std::move(type)), studentChannels_(studentChannels), teacherChannels_(teacherChannels)
    {
    }
    TORCH_ARG(std::string, type);        ///< mse | at | cwd | mgd
    TORCH_ARG(int64_t, studentChannels);
    TORCH_ARG(int64_t, teacherChannels);
    TORCH_ARG(double, tau) = 1.0;        ///< cwd temperature
    TORCH_ARG(double, alpha) = 2e-5;     ///< mgd loss scale
    TORCH_ARG(double, lambda) = 0.65;    ///< mgd fraction of positions masked out
};

/// The trainable side of feature KD for one tapped pair: a 1x1 adapter (conv with bias,
/// Kaiming init) mapping the student's channels to the teacher's when they differ (not for
/// `at`, which compares channel means), and for `mgd` the generator
/// Conv3x3(C, C) -> ReLU -> Conv3x3(C, C) that reconstructs the teacher feature from the
/// masked, aligned student feature.
///
///   FeatureDistiller fd(FeatureDistillerOptions("cwd", 64, 128).tau(1.0));
///   torch::Tensor loss = fd(studentTap, teacherTap.detach());          // unweighted
///   torch::Tensor mgd = fdMgd(studentTap, teacherTap.detach(), gen);   // mgd draws its mask from gen
class FeatureDistillerImpl : public torch::nn::Module
{
public:
    /// Throws InputError (key distill.feature.type) for an unknown type.
    explicit FeatureDistillerImpl(const FeatureDistillerOptions& options);

    /// Unweighted loss of the pair; `teacher` must be detached. `generator` is required for mgd.
    torch::Tensor forward(const torch::Tensor& student, const torch::Tensor& teacher,
                          c10::optional<at::Generator> generator = c10::nullopt);
    /// The student feature in the teacher's channels (itself when no adapter is needed).
    torch::Tensor align(const torch::Tensor& student);
    bool hasAdapter() const { return !adapter.is_empty(); }

    FeatureDistillerOptions options;
    torch::nn::Conv2d adapter{nullptr};
    torch::nn::Sequential generator{nullptr};
};
TORCH_MODULE(FeatureDistiller);

} // namespace retort
