#pragma once

#include "model/archspec.h"
#include "model/detect.h"

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace retort {

/// Layer outputs captured during a forward pass, by Ultralytics layer index.
using FeatureTaps = std::map<int, torch::Tensor>;

/// A YOLOv8-family detector built from an architecture spec. Parameter and buffer names are
/// Ultralytics' (`model.{i}.…`), so official state dicts load one to one.
///
///   auto model = DetectionModel(loadArch("yolov8n.yaml"));
///   model->eval();
///   torch::Tensor out = model->forward(images);            // (B, 4+nc, N)
///   FeatureTaps taps;
///   auto maps = model->forwardMaps(images, {15, 18, 21}, &taps); // raw head maps + neck features
class DetectionModelImpl : public torch::nn::Module
{
public:
    explicit DetectionModelImpl(const ArchSpec& spec);

    /// Eval output as Ultralytics returns it: (B, 4+nc, N) with xywh boxes in input pixels and
    /// sigmoid scores (for NMS), or for an end-to-end model (YOLO26) the (B, 300, 6) rows
    /// [x1, y1, x2, y2, score, class] of its one-to-one head (no NMS; see endToEnd()).
    /// Captures the outputs of `tapLayers` into *taps when given.
    torch::Tensor forward(const torch::Tensor& images, const std::vector<int>& tapLayers = {},
                          FeatureTaps* taps = nullptr);
    /// Raw head maps (B, 4*reg_max+nc, H/s, W/s) per level of the (one-to-many) head; captures
    /// the outputs of `tapLayers` into *taps when given, and for an end-to-end model the
    /// one-to-one head's maps (on detached features) into *oneToOne when given.
    std::vector<torch::Tensor> forwardMaps(const torch::Tensor& images, const std::vector<int>& tapLayers = {},
                                           FeatureTaps* taps = nullptr, std::vector<torch::Tensor>* oneToOne = nullptr);

    /// True for YOLO26-style models: forward() is (B, 300, 6), detections need no NMS.
    bool endToEnd() const { return m_spec.endToEnd; }
    /// Rows of the end-to-end output (Ultralytics' max_det default).
    static constexpr int64_t kEndToEndMaxDet = 300;

    /// Folds every BatchNorm into its convolution (inference only).
    void fuse();
    /// Switches to the fused layout without computing (to load fused weights).
    void makeFusedLayout();
    bool fused() const;
    /// Stores 4-d weights NHWC (channels-last); pair with channels-last inputs on CPU.
    void toChannelsLast();

    const ArchSpec& spec() const { return m_spec; }
    int64_t nc() const { return m_spec.nc; }
    std::vector<double> strides() const { return m_spec.strides(); }
    int numLayers() const { return static_cast<int>(m_spec.layers.size()); }
    Detect detectHead() const { return m_detect; }
    /// Output channels of layer `index` (throws InputError for an index out of range).
    int64_t layerChannels(int index) const;

    torch::nn::ModuleList model{nullptr};

private:
    /// Runs every layer before Detect; returns Detect's inputs.
    std::vector<torch::Tensor> runToHead(const torch::Tensor& images, const std::vector<int>& tapLayers,
                                          FeatureTaps* taps);

    ArchSpec m_spec;
    std::vector<std::function<torch::Tensor(const std::vector<torch::Tensor>&)>> m_run;
    std::vector<bool> m_keep; // output needed by a later layer
    Detect m_detect{nullptr};
};
TORCH_MODULE(DetectionModel);

/// Copies parameters and buffers from `source` into `target` by name (a deep copy of state,
/// e.g. for EMA). Both must share the architecture.
void copyState(DetectionModelImpl& target, const DetectionModelImpl& source);

/// A new model of the same architecture with the same state (fused or not).
DetectionModel cloneModel(const DetectionModelImpl& source, const torch::Device& device);

} // namespace retort
