#pragma once

#include "model/detectionmodel.h"
#include "train/experimentconfig.h"
#include "train/trainerobserver.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace retort {

class ModelEMA;

/// Where a run stands: the next epoch and batch to run, the global step, the best fitness.
/// `batch == batchesPerEpoch` means the epoch's training is done and its validation is not:
/// a stop during validation discards the partial metrics and resumes there.
struct TrainProgress
{
    int epoch = 0;
    int batch = 0;
    long long step = 0;
    double bestFitness = 0;
    double bestMap50 = 0;
    double bestMap50_95 = 0;
    long long generation = 0;   ///< checkpoints committed so far (last.state's number)
    long long lastOptStep = -1; ///< global step of the last optimizer step (accumulation spans it)
    LossMap epochSums;          ///< this epoch's loss sums over its first `batch` batches
    int epochCount = 0;
};

struct CheckpointPaths
{
    long long generation = 0; ///< the generation now committed
    std::string weights; ///< weights/last.safetensors (EMA weights, loadable anywhere)
    std::string best;    ///< weights/best.safetensors
    std::string state;   ///< weights/last.state (everything needed to resume)
};

/// Writes one checkpoint generation (progress.generation + 1): weights/last.safetensors (the EMA
/// model with its metadata: epoch, best_fitness, generation, the run's config),
/// weights/best.safetensors when `best`, and weights/last.state: raw model, EMA, optimizer,
/// pending gradients of a partial accumulation, distiller (adapters, generators), RNG and
/// progress. The weights are written under `<name>.gen<N>` and fsynced, then last.state is
/// renamed into place (the commit point: it names generation N and the files it publishes),
/// then the weights are renamed over the old ones. A crash anywhere leaves either the old
/// generation or a committed new one whose weights recoverCheckpoint() publishes.
CheckpointPaths saveCheckpoint(const ExperimentConfig& config, DetectionModelImpl& model, ModelEMA& ema,
                               torch::optim::Optimizer& optimizer, torch::nn::Module* distiller,
                               const std::vector<std::string>& names, const TrainProgress& progress, bool best);

/// Brings a run directory to a consistent checkpoint after a crash: publishes the weights of the
/// committed generation that a kill left under their pending names, removes pending files of
/// uncommitted generations and `*.tmp.<pid>` files of dead processes. Call with the run locked.
/// Returns one line per action taken (for the log).
std::vector<std::string> recoverCheckpoint(const std::string& runDir);

/// Removes a previous run's checkpoint files (a fresh start in an existing run directory).
void removeCheckpoint(const std::string& runDir);

/// Restores what saveCheckpoint wrote. Throws InputError naming the file when it does not fit
/// the run (another architecture or distillation set-up).
TrainProgress loadCheckpoint(const std::string& statePath, DetectionModelImpl& model, ModelEMA& ema,
                             torch::optim::Optimizer& optimizer, torch::nn::Module* distiller);

} // namespace retort
