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

/// The default feature-KD layer pairs: the layers feeding each model's Detect, level by level
/// (15/18/21 for YOLOv8, 16/19/22 for YOLO11 and YOLO26). Throws InputError (key
/// distill.feature.layers) when the two heads read different numbers of levels.
std::vector<std::pair<int, int>> detectInputPairs(const DetectionModelImpl& teacher, const DetectionModelImpl& student);

/// Teacher/student pairing and every enabled KD term of an arm. Owns the trainable parts
/// (1x1 adapters, MGD generators, score_l2 projectors, FGD GcBlocks) so that they are
/// optimised with the student, saved in the training state, and never exported with the student.
///
///   Distiller d(cfg.distill, *teacher, *student, epochs, seed);
///   auto maps = student->forwardMaps(x, d->studentLayers(), &sTaps);
///   KdOutput kd = d->forward(maps, sTaps, tMaps, tTaps, taskLoss, epochProgress, &targets);
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

    /// `targets` (the batch's, as given to DetectionLoss) feed fgd's focal mask; without them
    /// fgd treats every position as background. The image size for it is the student's
    /// first head map times its stride.
    KdOutput forward(const std::vector<torch::Tensor>& studentMaps, const FeatureTaps& studentTaps,
                     const std::vector<torch::Tensor>& teacherMaps, const FeatureTaps& teacherTaps,
                     const DetectionLossOutput& task, double epochProgress, const DetectionTargets* targets = nullptr);

    /// The unweighted sum over pairs of the feature loss with the student taps detached, so
    /// that only the trainable parts (adapters, projectors, generators, GcBlocks) get
    /// gradients: fits them to a frozen student before its first step. Undefined when feature
    /// KD is off; without grad when no pair has trainable parts (see hasTrainableFeatureParts).
    ///
    ///   if (d->hasTrainableFeatureParts())
    ///       d->adapterFitLoss(sTaps, tTaps, tMaps, &targets, imgsz, imgsz).backward();
    torch::Tensor adapterFitLoss(const FeatureTaps& studentTaps, const FeatureTaps& teacherTaps,
                                 const std::vector<torch::Tensor>& teacherMaps, const DetectionTargets* targets,
                                 int64_t imageH, int64_t imageW);
    /// Whether any pair has an adapter, projector, generator or GcBlock.
    bool hasTrainableFeatureParts() const;
    /// Whether the task loss should assign labels by the teacher's head maps (arm term `lad`).
    bool assignsByTeacher() const { return m_settings.ladOn; }

private:
    /// One unweighted feature loss per pair, in m_pairs order (mgd advances its generator).
    std::vector<torch::Tensor> featureLosses(const FeatureTaps& studentTaps, const FeatureTaps& teacherTaps,
                                             const std::vector<torch::Tensor>& teacherMaps,
                                             const DetectionTargets* targets, int64_t imageH, int64_t imageW,
                                             bool detachStudent);

    DistillSettings m_settings;
    int m_epochs;
    int64_t m_nc;
    int64_t m_teacherNc;
    int64_t m_regMax;        ///< the student's box bins
    int64_t m_teacherRegMax; ///< the teacher's (loc KD by decoded boxes when they differ)
    std::vector<double> m_strides;                      // the student's head strides
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
