#pragma once

#include "data/letterbox.h"
#include "eval/detection.h"
#include "eval/nms.h"
#include "model/detectionmodel.h"

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace retort {

struct PredictOptions
{
    int imgszH = 640;
    int imgszW = 640;
    /// Letterbox to the minimal stride-padded rectangle (Ultralytics' predictor); false pads to
    /// the full imgszH x imgszW (what fixed-shape exports need).
    bool rect = true;
    NmsOptions nms;
};

/// Milliseconds spent per stage for the last call.
struct PredictTimings
{
    double preprocessMs = 0;
    double inferenceMs = 0;
    double postprocessMs = 0;
};

/// Image -> detections, as Ultralytics' predictor: letterbox to the minimal stride-padded
/// rectangle, BGR->RGB, /255, forward, NMS, boxes scaled back and clipped.
///
///   Predictor p(model, names, {});
///   ImageDetections d = p.predict(cv::imread("bus.jpg"), "bus.jpg");
class Predictor
{
public:
    Predictor(DetectionModel model, std::vector<std::string> names, PredictOptions options,
              torch::Device device = torch::kCPU);

    ImageDetections predict(const cv::Mat& bgr, const std::string& name = {});
    /// The network input for an image: (1, 3, H, W) float RGB in [0, 1].
    torch::Tensor preprocess(const cv::Mat& bgr, LetterboxInfo* info) const;
    /// Detections (n, 6) in input pixels -> original-image records.
    ImageDetections postprocess(const torch::Tensor& dets, const LetterboxInfo& info, const std::string& name) const;

    const PredictTimings& timings() const { return m_timings; }
    const PredictOptions& options() const { return m_options; }
    void setOptions(const PredictOptions& options) { m_options = options; }
    DetectionModel model() const { return m_model; }
    /// Feed the network NHWC (channels-last) tensors, which oneDNN convolutions prefer on CPU
    /// (on by default; pair with DetectionModel::toChannelsLast()).
    void setChannelsLast(bool on) { m_channelsLast = on; }

private:
    DetectionModel m_model;
    std::vector<std::string> m_names;
    PredictOptions m_options;
    torch::Device m_device;
    PredictTimings m_timings;
    bool m_channelsLast = true;
};

/// Converts an 8-bit BGR image to a (1, 3, H, W) float RGB tensor in [0, 1].
torch::Tensor imageToTensor(const cv::Mat& bgr);

/// Scales (n, >=4) xyxy boxes from letterboxed input pixels back to the original image and
/// clips them (Ultralytics' scale_boxes).
void scaleBoxesToOriginal(torch::Tensor& boxes, const LetterboxInfo& info);

} // namespace retort
