#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace retort {

/// A collated training batch in exactly the layout of Ultralytics' YOLODataset.collate_fn, which
/// v8DetectionLoss consumes: every target of the batch in one flat list, `batchIdx` saying which
/// image it belongs to.
///
///   TrainBatch b = *loader.next();
///   auto x = b.images.to(torch::kFloat32).div_(255);   // (B,3,H,W) in [0,1]
struct TrainBatch
{
    torch::Tensor images;     ///< (B,3,H,W) uint8, RGB
    torch::Tensor batchIdx;   ///< (M) float32, image index of each target
    torch::Tensor cls;        ///< (M,1) float32 class ids
    torch::Tensor bboxes;     ///< (M,4) float32 xywh (centre, size), normalised to W and H
    std::vector<std::string> files;

    int64_t size() const { return images.defined() ? images.size(0) : 0; }
};

} // namespace retort
