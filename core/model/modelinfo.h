#pragma once

#include "model/detectionmodel.h"

#include <string>
#include <vector>

namespace retort {

/// One layer of the model summary (Ultralytics' `model.info()` table).
struct LayerInfo
{
    int index = 0;
    std::vector<int> from;
    int repeats = 1;
    std::string module;
    int64_t params = 0;
    int64_t outChannels = 0;
    double stride = 1;
};

/// Model summary. GFLOPs are analytic and follow Ultralytics' get_flops (thop): 2 x MACs of
/// every convolution (bias excluded) plus affine BatchNorm, SiLU/pooling/upsampling free.
struct ModelInfo
{
    int64_t params = 0;
    int64_t gradients = 0; ///< parameters that require grad
    double gflops = 0;     ///< at the requested image size
    int imgsz = 640;
    std::vector<double> strides;
    std::vector<LayerInfo> layers;
};

///   ModelInfo info = modelInfo(*model, 640);
ModelInfo modelInfo(DetectionModelImpl& model, int imgsz = 640);

/// GFLOPs for an imgsz x imgsz input (analytic, see ModelInfo). `deployed`: without the
/// one-to-many head of an end-to-end model, which Ultralytics' fuse() deletes for inference.
double modelGflops(DetectionModelImpl& model, int imgsz = 640, bool deployed = false);

/// Parameters of the inference model: all of them, less the one-to-many head of an end-to-end
/// model (what Ultralytics' fused YOLO26 keeps; Retort keeps that head for training and export).
int64_t deployedParameters(DetectionModelImpl& model);

int64_t countParameters(torch::nn::Module& module, bool trainableOnly = false);

} // namespace retort
