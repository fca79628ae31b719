#pragma once

#include "model/detectionmodel.h"
#include "train/experimentconfig.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace retort {

class ModelEMA;

/// Where a run stands: the next epoch and batch to run, the global step, the best fitness.
struct TrainProgress
{
    int epoch = 0;
    int batch = 0;
    long long step = 0;
    double bestFitness = 0;
    double bestMap50 = 0;
    double bestMap50_95 = 0;
};

struct CheckpointPaths
{
    std::string weights; ///< weights/last.safetensors (EMA weights, loadable anywhere)
    std::string best;    ///< weights/best.safetensors
    std::string state;   ///< weights/last.state (everything needed to resume)
};

/// Writes weights/last.safetensors (the EMA model with its metadata: epoch, best_fitness, the
/// run's config), weights/best.safetensors when `best`, and weights/last.state: raw model,
/// EMA, optimizer, distiller (adapters, generators), RNG and progress. Every file atomically.
CheckpointPaths saveCheckpoint(const ExperimentConfig& config, DetectionModelImpl& model, ModelEMA& ema,
                               torch::optim::Optimizer& optimizer, torch::nn::Module* distiller,
                               const std::vector<std::string>& names, const TrainProgress& progress, bool best);

/// Restores what saveCheckpoint wrote. Throws InputError naming the file when it does not fit
/// the run (another architecture or distillation set-up).
TrainProgress loadCheckpoint(const std::string& statePath, DetectionModelImpl& model, ModelEMA& ema,
                             torch::optim::Optimizer& optimizer, torch::nn::Module* distiller);

} // namespace retort
