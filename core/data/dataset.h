#pragma once

#include "data/augment.h"
#include "data/labels.h"
#include "data/trainbatch.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace retort {

/// One sample ready for collation.
struct TrainSample
{
    cv::Mat image;                     ///< HWC uint8 RGB, imgsz x imgsz
    std::vector<ObjectLabel> labels;   ///< normalised xywh in `image`
    std::string file;
    int origW = 0, origH = 0;          ///< the image file's size
};

/// Ultralytics' YOLODataset for detection training. With `augment`, the v8 training transforms:
/// Mosaic (probability `mosaic`, until the last `closeMosaic` epochs) + RandomPerspective,
/// otherwise LetterBox to imgsz x imgsz + RandomPerspective; then RandomHSV and the flips.
/// Without `augment`, load_image + LetterBox(imgsz, scaleup=False), as Ultralytics validates.
/// `get` is const and thread-safe; its result depends only on (seed, epoch, i).
///
///   DetectionDataset ds(scanDataset(listImages(cfg.train, "train"), cfg.nc(), "train"), 640, {}, true, 0);
///   TrainSample s = ds.get(0, /*epoch*/ 0);
class DetectionDataset
{
public:
    DetectionDataset(DatasetIndex index, int imgsz, AugmentOptions aug, bool augment, uint64_t seed);

    size_t size() const { return m_index.images.size(); }
    int imgsz() const { return m_imgsz; }
    const DatasetIndex& index() const { return m_index; }
    const AugmentOptions& augmentOptions() const { return m_aug; }
    bool augmenting() const { return m_augment; }

    TrainSample get(size_t i, int epoch) const;

    /// Ultralytics' load_image: BGR, long side resized to imgsz (INTER_LINEAR, sides ceil'ed),
    /// boxes in pixels of the resized image.
    LabeledImage loadImage(size_t i) const;

private:
    DatasetIndex m_index;
    int m_imgsz;
    AugmentOptions m_aug;
    bool m_augment;
    uint64_t m_seed;
};

/// Ultralytics' collate_fn: stacks images to (B,3,H,W) uint8 and concatenates the targets.
TrainBatch collate(const std::vector<TrainSample>& samples);

} // namespace retort
