#pragma once

#include "model/detectionmodel.h"

#include <torch/torch.h>

#include <memory>
#include <vector>

namespace retort {

struct TrainSettings;

/// The optimizer with Ultralytics' three parameter groups: pg0 biases (no decay; warms up from
/// warmup_bias_lr), pg1 convolution weights (decay), pg2 BatchNorm weights (no decay).
struct OptimizerGroups
{
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    bool adamw = false;
    std::vector<torch::Tensor> params; ///< everything optimised, for gradient clipping

    size_t count() const { return optimizer->param_groups().size(); }
    void setLrMomentum(size_t group, double lr, double momentum);
    double lr(size_t group) const;
    /// Clips the gradient norm (when maxGradNorm > 0), steps, zeroes the gradients.
    void step(double maxGradNorm);
};

/// Builds SGD (Nesterov) or AdamW over the model and, when given, extra trainable modules
/// (distillation adapters and generators). Weight decay is scaled by batch*accumulate/nbs as
/// Ultralytics does.
OptimizerGroups buildOptimizer(DetectionModelImpl& model, torch::nn::Module* extra, const TrainSettings& settings);

} // namespace retort
