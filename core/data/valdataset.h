#pragma once

#include "data/labels.h"

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace retort {

/// One image of a validation batch and how it maps back to the original.
struct ValImage
{
    const ImageRecord* record = nullptr;
    double gain = 1.0;          ///< resized height / original height (Ultralytics' ratio_pad[0][0])
    double padX = 0, padY = 0;  ///< letterbox padding (left, top)
    int resizedW = 0, resizedH = 0;
};

struct ValBatch
{
    torch::Tensor images;       ///< (B, 3, H, W) uint8 RGB, one shape per batch
    std::vector<ValImage> items;
};

/// Ultralytics' validation batching: images sorted by aspect ratio, one letterbox shape per
/// batch, ceil(shape * imgsz / stride + 0.5) * stride; each image resized so that its long side
/// is imgsz (ceil of the scaled sides, INTER_LINEAR), then centred with grey padding.
///
///   ValDataset ds(index.images, 640, 8);
///   for (size_t b = 0; b < ds.batches(); ++b) { ValBatch batch = ds.batch(b); … }
class ValDataset
{
public:
    ValDataset(const std::vector<ImageRecord>& images, int imgsz, int batchSize, int stride = 32, double pad = 0.5);

    size_t batches() const { return m_shapes.size(); }
    size_t size() const { return m_order.size(); }
    ValBatch batch(size_t index) const;
    std::pair<int, int> batchShape(size_t index) const { return m_shapes[index]; } ///< (h, w)

private:
    const std::vector<ImageRecord>& m_images;
    int m_imgsz;
    int m_batch;
    std::vector<size_t> m_order;
    std::vector<std::pair<int, int>> m_shapes;
};

} // namespace retort
