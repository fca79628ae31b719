#include "commands.h"

#include "eval/predictor.h"
#include "io/weights.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/json.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cstdio>

namespace retort::cli {
namespace {
double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}
} // namespace

int runBenchPredict(int argc, char** argv)
{
    const Args args("bench predict", argc, argv, {"model", "source", "imgsz", "runs", "warmup", "json", "device", "threads"},
                    {"no-fuse", "no-channels-last", "square"});
    applyThreads(args);
    const torch::Device device = deviceFromArgs(args);
    const int imgsz = args.getInt("imgsz", 640);
    const int runs = args.getInt("runs", 20);
    const int warmup = args.getInt("warmup", 3);
    if (imgsz <= 0 || imgsz % 32 || runs < 1 || warmup < 0)
        throw UsageError("retort-cli bench predict: --imgsz must be a multiple of 32 and --runs >= 1");
    const std::string source = args.required("source");
    const cv::Mat img = cv::imread(source);
    if (img.empty())
        throw InputError(source + ": not an image OpenCV can decode");
    LoadedModel m = loadModel(args.required("model"), {device});
    if (!args.has("no-fuse"))
        m.model->fuse();
    const bool channelsLast = !args.has("no-channels-last");
    if (channelsLast)
        m.model->toChannelsLast();
    PredictOptions opts;
    opts.imgszH = opts.imgszW = imgsz;
    opts.rect = !args.has("square");
    Predictor predictor(m.model, m.names, opts, device);
    predictor.setChannelsLast(channelsLast);
    std::vector<double> pre, inf, post;
    for (int i = 0; i < warmup + runs; ++i) {
        predictor.predict(img, source);
        if (i < warmup)
            continue;
        pre.push_back(predictor.timings().preprocessMs);
        inf.push_back(predictor.timings().inferenceMs);
        post.push_back(predictor.timings().postprocessMs);
    }
    const double p = median(pre), n = median(inf), q = median(post);
    std::printf("%s @ %d%s, %d threads%s%s: preprocess %.2f ms, inference %.2f ms, postprocess %.2f ms (median of %d)\n",
                m.source.c_str(), imgsz, args.has("square") ? " square" : "", torch::get_num_threads(), args.has("no-fuse") ? "" : ", fused",
                channelsLast ? ", channels-last" : "", p, n, q, runs);
    if (args.has("json")) {
        JsonWriter w;
        w.beginObject().field("model", m.source).field("imgsz", imgsz).field("threads", torch::get_num_threads());
        w.field("fused", !args.has("no-fuse")).field("channels_last", channelsLast).field("square", args.has("square")).field("runs", runs);
        w.field("preprocess_ms", p).field("inference_ms", n).field("postprocess_ms", q).endObject();
        writeFileAtomic(args.get("json"), w.str() + "\n");
    }
    return 0;
}

} // namespace retort::cli
