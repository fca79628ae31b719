#include "eval/validator.h"

#include "data/valdataset.h"
#include "eval/nms.h"
#include "loss/bboxiou.h"
#include "util/json.h"

#include <chrono>
#include <filesystem>

namespace retort {
namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

/// Labels of one image in original pixels, the way Ultralytics reconstructs them from the
/// letterboxed batch (through the resized size and the height gain).
torch::Tensor labelBoxes(const ValImage& v)
{
    const auto& labels = v.record->labels;
    auto out = torch::empty({static_cast<int64_t>(labels.size()), 4}, torch::kFloat);
    auto a = out.accessor<float, 2>();
    for (size_t i = 0; i < labels.size(); ++i) {
        const auto& l = labels[i];
        const double cx = l.cx * v.resizedW, cy = l.cy * v.resizedH, w = l.w * v.resizedW, h = l.h * v.resizedH;
        const double x1 = std::clamp((cx - w / 2) / v.gain, 0.0, double(v.record->width));
        const double y1 = std::clamp((cy - h / 2) / v.gain, 0.0, double(v.record->height));
        const double x2 = std::clamp((cx + w / 2) / v.gain, 0.0, double(v.record->width));
        const double y2 = std::clamp((cy + h / 2) / v.gain, 0.0, double(v.record->height));
        a[static_cast<int64_t>(i)][0] = static_cast<float>(x1);
        a[static_cast<int64_t>(i)][1] = static_cast<float>(y1);
        a[static_cast<int64_t>(i)][2] = static_cast<float>(x2);
        a[static_cast<int64_t>(i)][3] = static_cast<float>(y2);
    }
    return out;
}

struct SizeBucket
{
    const char* name;
    double lo, hi;
};
const SizeBucket kBuckets[] = {{"small", 0, 32.0 * 32}, {"medium", 32.0 * 32, 96.0 * 96}, {"large", 96.0 * 96, 1e18}};

torch::Tensor areas(const torch::Tensor& xyxy)
{
    return (xyxy.select(1, 2) - xyxy.select(1, 0)) * (xyxy.select(1, 3) - xyxy.select(1, 1));
}

} // namespace

Validator::Validator(ValOptions options) : m_options(options) {}

ValResult Validator::run(DetectionModelImpl& modelIn, const std::vector<ImageRecord>& images,
                         const std::function<void(int, int)>& progress, const std::atomic<bool>* abort)
{
    torch::NoGradGuard noGrad;
    const auto device = modelIn.parameters().front().device();
    DetectionModel fusedCopy{nullptr};
    DetectionModelImpl* model = &modelIn;
    const bool wasTraining = modelIn.is_training();
    if (m_options.fuse && !modelIn.fused()) {
        fusedCopy = cloneModel(modelIn, device);
        fusedCopy->eval();
        fusedCopy->fuse();
        model = fusedCopy.get();
    }
    model->eval();

    ValResult result;
    DetectionStats stats;
    std::map<std::string, DetectionStats> bySize;
    ValDataset ds(images, m_options.imgsz, m_options.batch);
    NmsOptions nms;
    nms.conf = m_options.conf;
    nms.iou = m_options.iou;
    nms.maxDet = m_options.maxDet;
    nms.multiLabel = true;
    const auto thresholds = iouThresholds();
    int done = 0;
    for (size_t b = 0; b < ds.batches(); ++b) {
        if (abort && abort->load())
            break;
        auto t0 = Clock::now();
        ValBatch batch = ds.batch(b);
        auto x = batch.images.to(device).to(torch::kFloat).div_(255.0);
        result.preprocessMs += msSince(t0);
        t0 = Clock::now();
        const auto out = model->forward(x);
        result.inferenceMs += msSince(t0);
        t0 = Clock::now();
        const auto dets = selectDetections(out, model->endToEnd(), nms);
        for (size_t i = 0; i < batch.items.size(); ++i) {
            const ValImage& v = batch.items[i];
            auto d = dets[i].clone();
            // Predictions back to original pixels (scale_boxes with ratio_pad), clipped.
            if (d.size(0)) {
                auto box = d.narrow(1, 0, 4);
                box.select(1, 0).sub_(v.padX).div_(v.gain).clamp_(0, v.record->width);
                box.select(1, 2).sub_(v.padX).div_(v.gain).clamp_(0, v.record->width);
                box.select(1, 1).sub_(v.padY).div_(v.gain).clamp_(0, v.record->height);
                box.select(1, 3).sub_(v.padY).div_(v.gain).clamp_(0, v.record->height);
            }
            const auto gt = labelBoxes(v);
            auto gtCls = torch::empty({gt.size(0)}, torch::kLong);
            for (int64_t k = 0; k < gt.size(0); ++k)
                gtCls[k] = v.record->labels[static_cast<size_t>(k)].cls;
            result.instances += gt.size(0);
            result.predictions += d.size(0);
            const auto predCls = d.select(1, 5).to(torch::kLong);
            auto tp = torch::zeros({d.size(0), 10}, torch::kBool);
            if (gt.size(0) && d.size(0))
                tp = matchPredictions(predCls, gtCls, boxIouMatrix(gt, d.narrow(1, 0, 4)));
            stats.tp.push_back(tp);
            stats.conf.push_back(d.select(1, 4));
            stats.predCls.push_back(predCls);
            stats.targetCls.push_back(gtCls);
            stats.targetImg.push_back(std::get<0>(at::_unique(gtCls)));
            // COCO size ranges: gts by their own area; predictions kept when matched to a gt in
            // range or, unmatched, when their own area is in range (pycocotools' ignore rule).
            const auto gtArea = areas(gt);
            const auto predArea = d.size(0) ? areas(d.narrow(1, 0, 4)) : torch::zeros({0});
            for (const auto& bucket : kBuckets) {
                const auto gtIn = (gtArea >= bucket.lo) & (gtArea < bucket.hi);
                const auto g = gt.index({gtIn});
                const auto gc = gtCls.index({gtIn});
                auto tpB = torch::zeros({d.size(0), 10}, torch::kBool);
                if (g.size(0) && d.size(0))
                    tpB = matchPredictions(predCls, gc, boxIouMatrix(g, d.narrow(1, 0, 4)));
                const auto keep = tpB.any(1) | ((predArea >= bucket.lo) & (predArea < bucket.hi));
                auto& s = bySize[bucket.name];
                s.tp.push_back(tpB.index({keep}));
                s.conf.push_back(d.select(1, 4).index({keep}));
                s.predCls.push_back(predCls.index({keep}));
                s.targetCls.push_back(gc);
                s.targetImg.push_back(std::get<0>(at::_unique(gc)));
            }
            if (m_options.collectPredictions) {
                const auto a = d.accessor<float, 2>();
                for (int64_t k = 0; k < d.size(0); ++k)
                    result.detections.push_back({v.record->image, static_cast<int>(a[k][5]), a[k][0], a[k][1],
                                                 a[k][2] - a[k][0], a[k][3] - a[k][1], a[k][4]});
            }
        }
        result.postprocessMs += msSince(t0);
        done += static_cast<int>(batch.items.size());
        if (progress)
            progress(done, static_cast<int>(ds.size()));
    }
    result.images = done;
    if (done) {
        result.preprocessMs /= done;
        result.inferenceMs /= done;
        result.postprocessMs /= done;
    }
    bool anyTp = false;
    for (const auto& t : stats.tp)
        anyTp = anyTp || (t.numel() && t.any().item<bool>());
    if (anyTp)
        result.metrics = computeMetrics(stats, m_names);
    else
        result.metrics = computeMetrics(DetectionStats{{}, {}, {}, stats.targetCls, stats.targetImg}, m_names);
    for (const auto& bucket : kBuckets) {
        const auto& s = bySize[bucket.name];
        SizeMetrics sm;
        for (const auto& t : s.targetCls)
            sm.instances += t.numel();
        if (sm.instances) {
            const DetectionMetrics dm = computeMetrics(s, m_names);
            sm.ap50_95 = dm.map50_95;
            sm.recall = dm.recall;
        }
        result.metrics.bySize[bucket.name] = sm;
    }
    modelIn.train(wasTraining);
    return result;
}

std::string cocoResultsJson(const std::vector<CocoDetection>& detections)
{
    JsonWriter w(false);
    w.beginArray();
    for (const auto& d : detections) {
        const std::string stem = std::filesystem::path(d.image).stem().string();
        w.beginObject().key("image_id");
        if (!stem.empty() && stem.find_first_not_of("0123456789") == std::string::npos)
            w.value(static_cast<int64_t>(std::stoll(stem)));
        else
            w.value(stem);
        w.field("category_id", d.categoryId);
        w.key("bbox").beginArray().value(d.x).value(d.y).value(d.w).value(d.h).endArray();
        w.field("score", d.score).endObject();
    }
    w.endArray();
    return w.str() + "\n";
}

} // namespace retort
