#pragma once

#include "loss/taskalignedassigner.h"

#include <torch/torch.h>

#include <vector>

namespace retort {

/// Loss gains and assigner settings (Ultralytics' hyperparameter names and defaults).
struct DetectionLossHyp
{
    double box = 7.5;
    double cls = 0.5;
    double dfl = 1.5;   ///< gain of the DFL term, or with reg_max 1 of the L1 distance term
    int64_t topk = 10;
    double alpha = 0.5;
    double beta = 6.0;
    int64_t topk2 = 0;  ///< one-to-one assignment: anchors kept per gt after the top-k (0: off)
    bool smallGtRule = false; ///< Ultralytics 8.4's small-gt candidate rule (see TaskAlignedAssigner)
};

/// Ultralytics batch targets: batchIdx (M) image index, cls (M, 1), bboxes (M, 4) xywh
/// normalised to the network input.
struct DetectionTargets
{
    torch::Tensor batchIdx;
    torch::Tensor cls;
    torch::Tensor bboxes;
};

struct DetectionLossOutput
{
    torch::Tensor total;       ///< scalar with grad: (box + cls + dfl) * batch size — what is back-propagated
    torch::Tensor items;       ///< (3) detached: box, cls, dfl (L1 when reg_max is 1), already times their gains (Ultralytics' loss_items)
    AssignResult assigned;     ///< targetBboxes in input pixels (xyxy), before division by the stride
    torch::Tensor anchorPoints; ///< (N, 2) grid units (+0.5)
    torch::Tensor strideTensor; ///< (N, 1)
    torch::Tensor predScores;  ///< (B, N, nc) class logits, anchors in P3, P4, P5 order
    torch::Tensor predDistri;  ///< (B, N, 4 * reg_max) DFL logits
    double targetScoresSum = 0;
};

/// A head's per-level raw maps flattened over anchors (P3, P4, P5 order, row-major per level).
struct FlatHeadOutput
{
    torch::Tensor distri; ///< (B, N, 4 * reg_max) DFL logits
    torch::Tensor scores; ///< (B, N, nc) class logits
};

/// Flattens per-level maps (B, 4*reg_max + nc, H, W) the way the loss reads them; used by the
/// loss itself and by distillation to read a teacher's maps in the student's anchor order.
///
///   FlatHeadOutput t = flattenHeadMaps(teacherMaps, teacher->nc(), 16);
FlatHeadOutput flattenHeadMaps(const std::vector<torch::Tensor>& maps, int64_t nc, int64_t regMax);

/// YOLOv8's detection loss (v8DetectionLoss): task-aligned assignment, CIoU box loss and DFL
/// weighted by the target scores, BCE class loss, normalised by the sum of target scores. With
/// reg_max 1 (YOLO26) the DFL term is an L1 loss between predicted and target ltrb distances,
/// both times the stride and divided by the image width (l, r) or height (t, b).
///
///   DetectionLoss loss(model->nc(), model->strides());
///   DetectionLossOutput out = loss(model->forwardMaps(images), targets);
///   out.total.backward();
class DetectionLoss
{
public:
    DetectionLoss(int64_t nc, std::vector<double> strides, int64_t regMax = 16, DetectionLossHyp hyp = {});

    /// maps: per-level raw head maps (B, 4*reg_max + nc, H, W) as DetectionModel::forwardMaps returns.
    /// assignMaps, when given, are another head's maps of the same shapes (a teacher's): the
    /// assigner then matches the ground truth to anchors by *their* scores and boxes instead
    /// of the student's own (label assignment distillation, Nguyen et al., WACV 2022); the
    /// losses are still the student's.
    DetectionLossOutput operator()(const std::vector<torch::Tensor>& maps, const DetectionTargets& targets,
                                   const std::vector<torch::Tensor>* assignMaps = nullptr) const;

    const DetectionLossHyp& hyp() const { return m_hyp; }

private:
    int64_t m_nc;
    std::vector<double> m_strides;
    int64_t m_regMax;
    DetectionLossHyp m_hyp;
    TaskAlignedAssigner m_assigner;
};

/// YOLO26's end-to-end loss (Ultralytics' E2ELoss): the v8 loss on the one-to-many head
/// (top-k 10) and on the one-to-one head (top-k 7, then one anchor per gt), mixed as
/// w * o2m + (1 - w) * o2o with w decaying linearly from 0.8 at the first epoch to 0.1 at the
/// last. The returned items are the one-to-one branch's (as Ultralytics logs them); assigned,
/// predScores and predDistri are the one-to-many branch's (what distillation reads).
///
///   EndToEndLoss loss(nc, strides, 1);
///   loss.setEpoch(epoch, epochs);
///   auto out = loss(oneToManyMaps, oneToOneMaps, targets);
class EndToEndLoss
{
public:
    EndToEndLoss(int64_t nc, std::vector<double> strides, int64_t regMax = 1, DetectionLossHyp hyp = {});

    DetectionLossOutput operator()(const std::vector<torch::Tensor>& oneToMany, const std::vector<torch::Tensor>& oneToOne,
                                   const DetectionTargets& targets, const std::vector<torch::Tensor>* assignMaps = nullptr) const;

    /// Ultralytics' per-epoch update: w = max(1 - epoch / max(epochs - 1, 1), 0) * 0.7 + 0.1.
    void setEpoch(int epoch, int epochs);
    double oneToManyGain() const { return m_o2m; }

    /// The branch losses of the last call, for tests: (box, cls, dfl) items of each.
    const DetectionLoss& oneToManyLoss() const { return m_oneToMany; }
    const DetectionLoss& oneToOneLoss() const { return m_oneToOne; }

private:
    DetectionLoss m_oneToMany;
    DetectionLoss m_oneToOne;
    double m_o2m = 0.8;
};

} // namespace retort
