#pragma once

#include "data/dataset.h"
#include "distill/distiller.h"
#include "model/detectionmodel.h"
#include "train/experimentconfig.h"
#include "train/trainercontrol.h"

#include <functional>
#include <memory>
#include <string>

namespace retort {

/// Fits a distiller's trainable feature parts (adapters, projectors, generators, GcBlocks) to
/// the teacher before the first student step: the student is frozen (eval mode, no gradient),
/// so the feature term starts from adapters that already map the student's features towards
/// the teacher's instead of from a random projection. Batches come from a loader of their own
/// (seed + 1), so the training run's data order is unchanged.
///
///   AdapterWarmup warm{*student, *teacher, *distiller, trainSet, cfg.train, device};
///   warm.run(cfg.distill.feature.adapterWarmupSteps, log, control);
struct AdapterWarmup
{
    DetectionModelImpl& student;
    DetectionModelImpl& teacher;
    DistillerImpl& distiller;
    std::shared_ptr<DetectionDataset> dataset;
    const TrainSettings& train;
    torch::Device device;

    /// Runs `steps` Adam steps (lr 1e-3) on the distiller's parameters; logs the feature loss
    /// at the start, every 50 steps and at the end. Returns early when `control` asks to stop.
    void run(int steps, const std::function<void(const std::string&)>& log, TrainerControl& control);
};

} // namespace retort
