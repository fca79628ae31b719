#pragma once

#include "distill/kdschedule.h"
#include "loss/detectionloss.h"
#include "model/detectionmodel.h"
#include "train/experimentconfig.h"
#include "train/trainerobserver.h"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace retort {

/// The KD terms of one step: `total` (weighted sum, per-image scale like the task loss items,
/// with grad) and each weighted component for logging: kd_logit, kd_loc, kd_feat_<student
/// layer>, kd_feat (their sum), kd_relation.
struct KdOutput
{
    torch::Tensor total;
    LossMap components;
};

/// Teacher/student pairing and every enabled KD term of an arm. Owns the trainable parts
/// (1x1 adapters, MGD generators) so that they are optimised with the student, saved in the
/// training state, and never exported with the student.
///
///   Distiller d(cfg.distill, *teacher, *student, epochs, seed);
///   auto maps = student->forwardMaps(x, d->studentLayers(), &sTaps);
///   KdOutput kd = d->forward(maps, sTaps, tMaps, tTaps, taskLoss, epochProgress);
class DistillerImpl : public torch::nn::Module
{
public:
    DistillerImpl(const DistillSettings& settings, DetectionModelImpl& teacher, DetectionModelImpl& student, int epochs,
                  uint64_t seed);

    std::vector<int> teacherLayers() const;
    std::vector<int> studentLayers() const;
    /// The component names this distiller reports (LossMap keys).
    std::vector<std::string> lossNames() const;
    /// Human-readable pairing: layers, shapes, adapters, terms and weights.
    std::vector<std::string> describe() const;

    KdOutput forward(const std::vector<torch::Tensor>& studentMaps, const FeatureTaps& studentTaps,
                     const std::vector<torch::Tensor>& teacherMaps, const FeatureTaps& teacherTaps,
                     const DetectionLossOutput& task, double epochProgress);

private:
    DistillSettings m_settings;
    int m_epochs;
    int64_t m_nc;
    int64_t m_regMax;
    std::vector<std::pair<int, int>> m_pairs;           // teacher layer -> student layer
    std::vector<std::pair<int64_t, int64_t>> m_channels; // teacher, student channels per pair
    torch::nn::ModuleList m_features{nullptr};           // one FeatureDistiller per pair
    torch::Generator m_generator;
    std::vector<std::string> m_describe;
    std::map<std::string, KdSchedule> m_schedules;        // by term: logit, loc, feature, relation
    size_t m_smallestPair = 0;                            // spatial relation runs on the smallest map
    torch::Tensor m_rngState;                             // mgd: generator state as a buffer, so checkpoints carry it
};
TORCH_MODULE(Distiller);

} // namespace retort
