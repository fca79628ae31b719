#pragma once

#include "model/layers.h"

#include <torch/torch.h>

#include <vector>

namespace retort {

/// Distribution focal loss integral: expected value of a softmax over `bins` per box side.
/// Holds Ultralytics' fixed 1x1 conv (weights 0..bins-1) so checkpoints map one to one.
class DFLImpl : public torch::nn::Module
{
public:
    explicit DFLImpl(int64_t bins = 16);
    /// (B, 4*bins, A) logits -> (B, 4, A) distances in grid units.
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Conv2d conv{nullptr};

private:
    int64_t m_bins;
};
TORCH_MODULE(DFL);

/// (B, N, 4 * bins) box outputs -> (B, N, 4) ltrb distances in grid units: the expectation over
/// the DFL bins (0..bins-1), or the raw distances when bins is 1 (YOLO26).
torch::Tensor binDistances(const torch::Tensor& distri, int64_t bins);

/// Anchor centres (N, 2) in grid units (+0.5) and their strides (N, 1), level by level,
/// row-major within a level — the order of Ultralytics' make_anchors.
struct Anchors
{
    torch::Tensor points;
    torch::Tensor strides;
};
Anchors makeAnchors(const std::vector<std::pair<int64_t, int64_t>>& sizes, const std::vector<double>& strides,
                    const torch::TensorOptions& options, double offset = 0.5);

/// (.., 4, ..) ltrb distances -> xywh or xyxy boxes around anchor points, along `dim`.
torch::Tensor dist2bbox(const torch::Tensor& distance, const torch::Tensor& anchorPoints, bool xywh, int64_t dim);

/// Ultralytics' detection head: per level a box branch (cv2: 4*reg_max DFL logits, or 4 raw
/// ltrb distances when reg_max is 1) and a class branch (cv3: nc logits). The class branch is
/// YOLOv8's two 3x3 convs (`legacy`) or YOLO11's depthwise-separable pair. An end-to-end head
/// (YOLO26) has a second, one-to-one copy of both branches (`one2one_cv2/cv3`) that runs on
/// detached features and whose top-k scores replace NMS.
class DetectImpl : public torch::nn::Module
{
public:
    DetectImpl(int64_t nc, const std::vector<int64_t>& channels, int64_t regMax = 16, bool legacy = true,
               bool endToEnd = false);

    /// Raw per-level maps (B, 4*reg_max + nc, H, W) of the one-to-many head, as Ultralytics
    /// returns in train mode.
    std::vector<torch::Tensor> forward(const std::vector<torch::Tensor>& x);
    /// The one-to-one head's maps (end-to-end heads only), from detached features.
    std::vector<torch::Tensor> forwardOneToOne(const std::vector<torch::Tensor>& x);
    /// Maps -> (B, 4 + nc, N): boxes in input pixels (xywh, or xyxy when `xywh` is false),
    /// sigmoid class scores.
    torch::Tensor decode(const std::vector<torch::Tensor>& maps, bool xywh = true);
    /// Ultralytics' end-to-end postprocess: (B, 4 + nc, N) xyxy -> (B, k, 6) rows [x1, y1, x2,
    /// y2, score, class] with k = min(maxDet, N): the k anchors of highest best-class score, then
    /// the k highest (anchor, class) scores among them, sorted by score. `anchorIndex` receives
    /// each row's anchor (B, k) when given.
    static torch::Tensor topK(const torch::Tensor& decodedXyxy, int64_t maxDet, torch::Tensor* anchorIndex = nullptr);

    /// Sets the per-level strides and initialises the last-layer biases as Ultralytics does.
    void setStrides(const std::vector<double>& strides, bool initBiases);
    const std::vector<double>& strides() const { return m_strides; }
    int64_t nc() const { return m_nc; }
    int64_t regMax() const { return m_regMax; }
    bool endToEnd() const { return m_endToEnd; }
    bool legacy() const { return m_legacy; }
    int64_t outputsPerAnchor() const { return m_nc + 4 * m_regMax; }
    /// Every branch list of this head (cv2, cv3, then one2one_cv2, one2one_cv3 when end-to-end).
    std::vector<torch::nn::ModuleList> branches() const;

    torch::nn::ModuleList cv2{nullptr};
    torch::nn::ModuleList cv3{nullptr};
    torch::nn::ModuleList one2one_cv2{nullptr};
    torch::nn::ModuleList one2one_cv3{nullptr};
    DFL dfl{nullptr}; ///< null when reg_max is 1

private:
    std::vector<torch::Tensor> run(torch::nn::ModuleList box, torch::nn::ModuleList cls,
                                   const std::vector<torch::Tensor>& x);

    int64_t m_nc;
    int64_t m_regMax;
    bool m_legacy;
    bool m_endToEnd;
    std::vector<double> m_strides;
};
TORCH_MODULE(Detect);

} // namespace retort
