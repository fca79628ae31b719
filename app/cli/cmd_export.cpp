#include "commands.h"

#include "data/letterbox.h"
#include "eval/predictor.h"
#include "export/onnxexporter.h"
#include "io/weights.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/json.h"

#include <opencv2/imgcodecs.hpp>

#include <iostream>

namespace retort::cli {
namespace {

std::string rawBytes(const torch::Tensor& t)
{
    const auto c = t.to(torch::kCPU, torch::kFloat).contiguous();
    return std::string(static_cast<const char*>(c.data_ptr()), c.numel() * sizeof(float));
}

/// A check input from an image: letterboxed to the full export size; batch item k mirrored when
/// k is odd and dimmed by 10% per item, so that a batch mix-up shows.
torch::Tensor imageSample(const std::string& path, int batch, int h, int w)
{
    const cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
    if (bgr.empty())
        throw InputError(path + ": cannot read the check image");
    LetterboxOptions lb;
    lb.height = h;
    lb.width = w;
    lb.minimal = false;
    const auto x = imageToTensor(letterbox(bgr, lb, nullptr));
    std::vector<torch::Tensor> items;
    for (int k = 0; k < batch; ++k)
        items.push_back((k % 2 ? x.flip({3}) : x) * (1.0 - 0.1 * k));
    return torch::cat(items, 0);
}

/// libtorch's output on the check input in FP64 (rounded to FP32): random weights make FP32
/// itself differ from it by more than any fixed tolerance, so the checks measure that noise.
torch::Tensor exactOutput(const DetectionModelImpl& model, const ExportReport& r, const ExportOptions& o)
{
    torch::NoGradGuard noGrad;
    DetectionModel copy = cloneModel(model, torch::kCPU);
    copy->to(torch::kDouble);
    copy->eval();
    const auto x = r.sampleInput.to(torch::kDouble);
    const auto y = copy->endToEnd() && o.rawOutput ? copy->detectHead()->decode(copy->forwardMaps(x)) : copy->forward(x);
    return y.to(torch::kFloat);
}

void writeCheckDump(const std::string& dir, const ExportReport& r, const ExportOptions& o, const DetectionModelImpl& model)
{
    writeFileAtomic(dir + "/input.bin", rawBytes(r.sampleInput));
    writeFileAtomic(dir + "/expected.bin", rawBytes(r.expectedOutput));
    writeFileAtomic(dir + "/exact.bin", rawBytes(exactOutput(model, r, o)));
    JsonWriter w;
    w.beginObject();
    w.field("onnx", r.path).field("opset", o.opset).field("dynamic", o.dynamic).field("half", o.half);
    // end2end: output rows [x1, y1, x2, y2, score, class] (B, k, 6) instead of (B, 4+nc, N).
    w.field("end2end", r.metadata.count("end2end") && r.metadata.at("end2end") == "True");
    w.array("input_shape", r.sampleInput.sizes().vec()).array("output_shape", r.expectedOutput.sizes().vec());
    w.field("input", std::string("input.bin")).field("expected", std::string("expected.bin"));
    w.field("exact", std::string("exact.bin"));
    w.field("dtype", std::string("float32")).endObject();
    writeFileAtomic(dir + "/check.json", w.str() + "\n");
}

} // namespace

int runExport(int argc, char** argv)
{
    const Args args("export", argc, argv,
                    {"model", "arch", "format", "imgsz", "opset", "out", "batch", "check-dump", "check-image", "device", "threads"},
                    {"dynamic", "half", "raw"});
    applyThreads(args);
    const std::string path = args.required("model");
    const std::string format = args.get("format", "onnx");
    if (format != "onnx")
        throw UsageError("retort-cli export: --format '" + format + "' is not supported (only onnx)");

    ExportOptions o;
    LoadedModel m = loadModel(path, {deviceFromArgs(args), 0, {}, args.get("arch")});
    o.imgszH = o.imgszW = m.imgsz;
    const auto sizes = args.getAll("imgsz");
    if (sizes.size() > 2)
        throw UsageError("retort-cli export: --imgsz takes one value (square) or two (height width)");
    for (const auto& s : sizes)
        if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos)
            throw UsageError("retort-cli export: --imgsz expects positive integers, got '" + s + "'");
    if (!sizes.empty()) {
        o.imgszH = std::stoi(sizes[0]);
        o.imgszW = std::stoi(sizes.back());
    }
    o.opset = args.getInt("opset", 12);
    o.batch = args.getInt("batch", 1);
    o.dynamic = args.has("dynamic");
    o.half = args.has("half");
    o.rawOutput = args.has("raw");
    o.sourcePath = m.format == "yaml" ? std::string() : path;
    checkExportOptions(o, m.model->spec());
    if (args.has("check-image"))
        o.sampleInput = imageSample(args.get("check-image"), o.batch, o.imgszH, o.imgszW);
    if (!m.ignored.empty())
        std::cout << path << ": ignored " << m.ignored.size() << " distillation tensors (distill.*); exporting the student only\n";

    const std::string out = args.get("out", m.format == "yaml" ? std::string("model.onnx") : defaultOnnxPath(path));
    const ExportReport report = exportOnnx(*m.model, m.names, o, out);
    for (const auto& line : report.summary())
        std::cout << line << "\n";
    if (args.has("check-dump")) {
        writeCheckDump(args.get("check-dump"), report, o, *m.model);
        std::cout << "check data (input, libtorch output) in " << args.get("check-dump") << "\n";
    }
    return 0;
}

} // namespace retort::cli
