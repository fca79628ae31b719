#include "commands.h"

#include "data/dataconfig.h"
#include "data/labels.h"
#include "eval/validator.h"
#include "io/weights.h"
#include "train/experimentconfig.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/json.h"

#include <cstdio>

namespace retort::cli {

int runVal(int argc, char** argv)
{
    const Args args("val", argc, argv,
                    {"model", "arch", "data", "imgsz", "batch", "conf", "iou", "max-det", "split", "subset", "json", "save-coco",
                     "device", "threads"},
                    {"no-fuse", "quiet"});
    applyThreads(args);
    const torch::Device device = deviceFromArgs(args);
    ValOptions vo;
    vo.imgsz = args.getInt("imgsz", 640);
    vo.batch = args.getInt("batch", 8);
    vo.conf = args.getDouble("conf", 0.001);
    vo.iou = args.getDouble("iou", 0.7);
    vo.maxDet = args.getInt("max-det", 300);
    vo.fuse = !args.has("no-fuse");
    vo.collectPredictions = args.has("save-coco");
    if (vo.imgsz <= 0 || vo.imgsz % 32)
        throw UsageError("retort-cli val: --imgsz must be a positive multiple of 32, got " + std::to_string(vo.imgsz));
    if (vo.batch <= 0)
        throw UsageError("retort-cli val: --batch must be >= 1");

    const std::string dataPath = args.required("data");
    const DataConfig data = loadDataConfig(dataPath);
    const std::string split = args.get("split", "val");
    const auto& entries = split == "train" ? data.train : split == "test" ? data.test : data.val;
    if (split != "train" && split != "val" && split != "test")
        throw UsageError("retort-cli val: --split must be train, val or test");
    if (entries.empty())
        throw InputError(dataPath + ": no '" + split + "' entry");
    auto images = listImages(entries, dataPath + " (" + split + ")");
    const auto [b, e] = parseSubset(args.get("subset"), images.size(), "--subset");
    images = std::vector<std::string>(images.begin() + static_cast<long>(b), images.begin() + static_cast<long>(e));
    const DatasetIndex index = scanDataset(images, data.nc(), dataPath);
    for (const auto& issue : index.issues)
        std::fprintf(stderr, "warning: %s\n", issue.text().c_str());

    LoadedModel m = loadModel(args.required("model"), {device, 0, {}, args.get("arch")});
    if (m.model->nc() != data.nc())
        throw InputError(args.get("model") + ": the model has " + std::to_string(m.model->nc()) + " classes but " +
                         dataPath + " has " + std::to_string(data.nc()));
    Validator validator(vo);
    validator.setNames(data.names);
    const bool quiet = args.has("quiet");
    const ValResult r = validator.run(*m.model, index.images, [&](int done, int total) {
        if (!quiet)
            std::fprintf(stderr, "\rval: %d/%d images", done, total);
    });
    if (!quiet)
        std::fprintf(stderr, "\n");
    const auto& mt = r.metrics;
    std::printf("%22s%11s%11s%11s%11s%11s%11s\n", "Class", "Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)");
    std::printf("%22s%11d%11lld%11.3f%11.3f%11.3f%11.3f\n", "all", r.images, static_cast<long long>(r.instances),
                mt.precision, mt.recall, mt.map50, mt.map50_95);
    for (const auto& c : mt.perClass)
        std::printf("%22s%11d%11lld%11.3f%11.3f%11.3f%11.3f\n", c.name.c_str(), c.images,
                    static_cast<long long>(c.instances), c.precision, c.recall, c.ap50, c.ap50_95);
    for (const auto& [name, s] : mt.bySize)
        std::printf("%22s%11s%11lld%11s%11.3f%11s%11.3f\n", (name + " objects").c_str(), "",
                    static_cast<long long>(s.instances), "", s.recall, "", s.ap50_95);
    std::printf("Speed: %.1fms preprocess, %.1fms inference, %.1fms postprocess per image at shape (%d, 3, %d, %d)\n",
                r.preprocessMs, r.inferenceMs, r.postprocessMs, vo.batch, vo.imgsz, vo.imgsz);

    if (args.has("json")) {
        JsonWriter w;
        w.beginObject().field("model", m.source).field("data", dataPath).field("imgsz", vo.imgsz);
        w.field("precision", mt.precision).field("recall", mt.recall).field("mAP50", mt.map50);
        w.field("mAP50-95", mt.map50_95).field("fitness", mt.fitness).field("images", r.images);
        w.field("instances", static_cast<int64_t>(r.instances)).field("num_predictions", static_cast<int64_t>(r.predictions));
        w.key("per_class").beginObject();
        for (const auto& c : mt.perClass) {
            w.key(c.name).beginObject().field("images", c.images).field("instances", static_cast<int64_t>(c.instances));
            w.field("precision", c.precision).field("recall", c.recall).field("ap50", c.ap50).field("ap50-95", c.ap50_95);
            w.endObject();
        }
        w.endObject().key("by_size").beginObject();
        for (const auto& [name, s] : mt.bySize)
            w.key(name).beginObject().field("ap50-95", s.ap50_95).field("recall", s.recall)
                .field("instances", static_cast<int64_t>(s.instances)).endObject();
        w.endObject().key("speed_ms").beginObject().field("preprocess", r.preprocessMs);
        w.field("inference", r.inferenceMs).field("postprocess", r.postprocessMs).endObject().endObject();
        writeFileAtomic(args.get("json"), w.str() + "\n");
    }
    if (args.has("save-coco"))
        writeFileAtomic(args.get("save-coco"), cocoResultsJson(r.detections));
    return 0;
}

} // namespace retort::cli
