#include "commands.h"

#include "data/batchloader.h"
#include "data/dataconfig.h"
#include "util/atomicfile.h"
#include "util/json.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

namespace retort::cli {

int runBenchLoader(int argc, char** argv)
{
    const Args args("bench loader", argc, argv, {"data", "imgsz", "batch", "workers", "batches", "json", "seed", "threads"});
    applyThreads(args);
    const std::string data = args.required("data");
    const int imgsz = args.getInt("imgsz", 320);
    const int batch = args.getInt("batch", 16);
    const int workers = args.getInt("workers", 2);
    const int batches = args.getInt("batches", 50);
    if (imgsz < 32 || imgsz % 32)
        throw UsageError("retort-cli bench loader: --imgsz must be a positive multiple of 32, got " + std::to_string(imgsz));
    if (batch < 1 || workers < 0 || batches < 1)
        throw UsageError("retort-cli bench loader: --batch and --batches must be positive, --workers non-negative");

    const DataConfig cfg = loadDataConfig(data);
    DatasetIndex index = scanDataset(listImages(cfg.train, data + ": train"), cfg.nc(), data + ": train");
    std::printf("train: %s\n", index.summary().c_str());
    auto dataset = std::make_shared<DetectionDataset>(std::move(index), imgsz, AugmentOptions{}, true,
                                                      static_cast<uint64_t>(args.getInt("seed", 0)));
    BatchLoader loader(dataset, batch, true, static_cast<uint64_t>(args.getInt("seed", 0)), workers, 2 * std::max(1, workers));

    // The first batch includes the pipeline filling up; it is reported, not timed.
    using Clock = std::chrono::steady_clock;
    int epoch = 0;
    loader.startEpoch(epoch);
    auto fetch = [&] {
        auto b = loader.next();
        if (!b) {
            loader.startEpoch(++epoch);
            b = loader.next();
        }
        return *b;
    };
    auto t = Clock::now();
    fetch();
    const double firstMs = std::chrono::duration<double, std::milli>(Clock::now() - t).count();
    std::vector<double> ms;
    int64_t images = 0, targets = 0;
    const auto start = Clock::now();
    t = start;
    for (int i = 0; i < batches; ++i) {
        const TrainBatch b = fetch();
        const auto now = Clock::now();
        ms.push_back(std::chrono::duration<double, std::milli>(now - t).count());
        t = now;
        images += b.size();
        targets += b.cls.size(0);
    }
    const double seconds = std::chrono::duration<double>(t - start).count();
    loader.stop();
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    const double median = sorted.size() % 2 ? sorted[sorted.size() / 2]
                                            : (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]) / 2;
    const double ips = images / seconds;
    std::printf("bench loader: %d batches of %d at imgsz %d, %d workers, augment on (mosaic %.1f)\n", batches, batch,
                imgsz, workers, AugmentOptions{}.mosaic);
    std::printf("  %.1f images/s, median %.1f ms/batch, first batch %.1f ms, %.1f targets/image\n", ips, median,
                firstMs, static_cast<double>(targets) / std::max<int64_t>(1, images));

    if (args.has("json")) {
        JsonWriter w;
        w.beginObject().field("benchmark", "loader").field("data", data).field("imgsz", imgsz).field("batch", batch);
        w.field("workers", workers).field("batches", batches).field("images", images);
        w.field("images_per_s", ips).field("median_ms_per_batch", median).field("first_batch_ms", firstMs);
        w.array("ms_per_batch", ms).endObject();
        writeFileAtomic(args.get("json"), w.str() + "\n");
    }
    return 0;
}

} // namespace retort::cli
