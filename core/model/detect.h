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

/// YOLOv8 detection head: per level a box branch (cv2: 4*reg_max DFL logits) and a class
/// branch (cv3: nc logits).
class DetectImpl : public torch::nn::Module
{
public:
    DetectImpl(int64_t nc, const std::vector<int64_t>& channels, int64_t regMax = 16);

    /// Raw per-level maps (B, 4*reg_max + nc, H, W), as Ultralytics returns in train mode.
    std::vector<torch::Tensor> forward(const std::vector<torch::Tensor>& x);
    /// Maps -> (B, 4 + nc, N): xywh in input pixels, sigmoid class scores.
    torch::Tensor decode(const std::vector<torch::Tensor>& maps);

    /// Sets the per-level strides and initialises the last-layer biases as Ultralytics does.
    void setStrides(const std::vector<double>& strides, bool initBiases);
    const std::vector<double>& strides() const { return m_strides; }
    int64_t nc() const { return m_nc; }
    int64_t regMax() const { return m_regMax; }
    int64_t outputsPerAnchor() const { return m_nc + 4 * m_regMax; }

    torch::nn::ModuleList cv2{nullptr};
    torch::nn::ModuleList cv3{nullptr};
    DFL dfl{nullptr};

private:
    int64_t m_nc;
    int64_t m_regMax;
    std::vector<double> m_strides;
};
TORCH_MODULE(Detect);

} // namespace retort
