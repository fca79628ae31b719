#pragma once

#include <torch/torch.h>

namespace retort {

/// Outputs of the task-aligned assigner, per image and anchor.
struct AssignResult
{
    torch::Tensor targetLabels; ///< (B, N) long
    torch::Tensor targetBboxes; ///< (B, N, 4) xyxy, in the units of the gt boxes given
    torch::Tensor targetScores; ///< (B, N, nc) alignment-weighted one-hot
    torch::Tensor fgMask;       ///< (B, N) bool
    torch::Tensor targetGtIdx;  ///< (B, N) long, index of the assigned gt within its image
};

/// YOLOv8's TaskAlignedAssigner (Feng et al., TOOD): for every gt the top-k anchors inside it by
/// score^alpha * CIoU^beta; an anchor claimed by several gts goes to the one it overlaps most.
///
///   TaskAlignedAssigner tal(80);
///   AssignResult r = tal(scores, boxes, anchors, gtLabels, gtBoxes, maskGt);
class TaskAlignedAssigner
{
public:
    explicit TaskAlignedAssigner(int64_t nc, int64_t topk = 10, double alpha = 0.5, double beta = 6.0, double eps = 1e-9);

    /// Ultralytics 8.4's one-to-one assignment (YOLO26): after the top-k and the conflict rule,
    /// each gt keeps only its `topk2` best anchors by alignment metric (0: off).
    void setTopk2(int64_t topk2) { m_topk2 = topk2; }
    /// Ultralytics 8.4's small-object rule (YOLO26): for the anchor-inside-gt test only, a gt
    /// side shorter than `below` pixels is widened to `size` pixels about its centre (the
    /// smallest stride and twice it). 0: off.
    void setSmallGtRule(double below, double size)
    {
        m_smallBelow = below;
        m_smallSize = size;
    }

    /// pdScores (B, N, nc) sigmoid scores; pdBboxes (B, N, 4) xyxy; ancPoints (N, 2);
    /// gtLabels (B, M, 1); gtBboxes (B, M, 4) xyxy; maskGt (B, M, 1). No gradient flows.
    AssignResult operator()(const torch::Tensor& pdScores, const torch::Tensor& pdBboxes, const torch::Tensor& ancPoints,
                            const torch::Tensor& gtLabels, const torch::Tensor& gtBboxes, const torch::Tensor& maskGt) const;

    /// (B*M?) anchors strictly inside each gt box: (B, M, N).
    static torch::Tensor candidatesInGts(const torch::Tensor& xyCenters, const torch::Tensor& gtBboxes, double eps = 1e-9);

private:
    int64_t m_topk2 = 0;
    double m_smallBelow = 0;
    double m_smallSize = 0;
    int64_t m_nc;
    int64_t m_topk;
    double m_alpha;
    double m_beta;
    double m_eps;
};

} // namespace retort
