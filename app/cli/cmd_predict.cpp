#include "commands.h"

#include "eval/predictor.h"
#include "io/weights.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/json.h"
#include "viz/render.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace retort::cli {

std::vector<std::string> imagesFromSource(const std::string& source)
{
    static const std::vector<std::string> kExt = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"};
    std::error_code ec;
    if (!fs::exists(source, ec))
        throw InputError(source + ": no such file or directory");
    std::vector<std::string> files;
    if (fs::is_directory(source, ec)) {
        for (const auto& e : fs::directory_iterator(source)) {
            std::string ext = e.path().extension().string();
            std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
            if (e.is_regular_file() && std::find(kExt.begin(), kExt.end(), ext) != kExt.end())
                files.push_back(e.path().string());
        }
        std::sort(files.begin(), files.end());
        if (files.empty())
            throw InputError(source + ": directory holds no images (.jpg, .png, .bmp, .tif, .webp)");
    } else {
        files.push_back(source);
    }
    return files;
}

cv::Mat readImage(const std::string& path)
{
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw InputError(path + ": not a readable file");
    cv::Mat img = cv::imread(path, cv::IMREAD_COLOR);
    if (img.empty())
        throw InputError(path + ": not an image OpenCV can decode (corrupt, truncated or another format)");
    return img;
}

std::string detectionsJson(const std::vector<ImageDetections>& all)
{
    JsonWriter w;
    w.beginArray();
    for (const auto& img : all) {
        w.beginObject().field("image", img.image).field("width", img.width).field("height", img.height);
        w.key("detections").beginArray();
        for (const auto& d : img.detections) {
            w.beginObject().field("class_id", d.classId).field("class_name", d.className).field("score", double(d.score));
            w.key("box_xyxy").beginArray().value(double(d.x1)).value(double(d.y1)).value(double(d.x2)).value(double(d.y2));
            w.endArray().endObject();
        }
        w.endArray().endObject();
    }
    w.endArray();
    return w.str() + "\n";
}

int runPredict(int argc, char** argv)
{
    const Args args("predict", argc, argv,
                    {"model", "arch", "source", "imgsz", "conf", "iou", "max-det", "json", "save", "device", "threads"},
                    {"agnostic", "no-fuse", "quiet"});
    applyThreads(args);
    const torch::Device device = deviceFromArgs(args);
    PredictOptions opts;
    const auto sizes = args.getAll("imgsz");
    if (!sizes.empty()) {
        try {
            opts.imgszH = std::stoi(sizes[0]);
            opts.imgszW = sizes.size() > 1 ? std::stoi(sizes[1]) : opts.imgszH;
        } catch (const std::exception&) {
            throw UsageError("retort-cli predict: --imgsz expects one or two integers");
        }
    }
    if (opts.imgszH <= 0 || opts.imgszW <= 0 || opts.imgszH % 32 || opts.imgszW % 32)
        throw UsageError("retort-cli predict: --imgsz must be a positive multiple of 32");
    opts.nms.conf = args.getDouble("conf", 0.25);
    opts.nms.iou = args.getDouble("iou", 0.7);
    opts.nms.maxDet = args.getInt("max-det", 300);
    opts.nms.agnostic = args.has("agnostic");
    if (opts.nms.conf < 0 || opts.nms.conf > 1 || opts.nms.iou < 0 || opts.nms.iou > 1)
        throw UsageError("retort-cli predict: --conf and --iou must lie in [0, 1]");

    const auto files = imagesFromSource(args.required("source"));
    LoadedModel loaded = loadModel(args.required("model"), {device, 0, {}, args.get("arch")});
    if (!args.has("no-fuse"))
        loaded.model->fuse();
    loaded.model->toChannelsLast();
    Predictor predictor(loaded.model, loaded.names, opts, device);

    const std::string saveDir = args.get("save");
    std::vector<ImageDetections> all;
    for (const auto& file : files) {
        const cv::Mat img = readImage(file);
        ImageDetections d = predictor.predict(img, fs::path(file).filename().string());
        const auto& t = predictor.timings();
        if (!args.has("quiet")) {
            std::map<std::string, int> counts;
            for (const auto& det : d.detections)
                counts[det.className]++;
            std::string summary;
            for (const auto& [name, n] : counts)
                summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + name;
            std::printf("%s: %dx%d %s, %.1fms pre, %.1fms inference, %.1fms NMS\n", file.c_str(), img.cols, img.rows,
                        summary.empty() ? "(no detections)" : summary.c_str(), t.preprocessMs, t.inferenceMs,
                        t.postprocessMs);
        }
        if (!saveDir.empty()) {
            const cv::Mat annotated = drawDetections(img, d);
            const std::string out = (fs::path(saveDir) / fs::path(file).filename()).string();
            fs::create_directories(saveDir);
            if (!cv::imwrite(out, annotated))
                throw Error(out + ": cannot write the annotated image");
        }
        all.push_back(std::move(d));
    }
    if (args.has("json"))
        writeFileAtomic(args.get("json"), detectionsJson(all));
    if (!saveDir.empty() && !args.has("quiet"))
        std::printf("annotated images saved to %s\n", saveDir.c_str());
    return 0;
}

} // namespace retort::cli
