#include "commands.h"

#include "io/weights.h"
#include "util/error.h"

#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;

namespace retort::cli {
namespace {

std::optional<torch::ScalarType> dtypeFromName(const std::string& name)
{
    if (name == "f32" || name == "F32")
        return torch::kFloat32;
    if (name == "f16" || name == "F16")
        return torch::kFloat16;
    if (name == "bf16" || name == "BF16")
        return torch::kBFloat16;
    return std::nullopt;
}

} // namespace

int runConvert(int argc, char** argv)
{
    const Args args("convert", argc, argv, {"model", "out", "arch", "dtype", "threads"});
    applyThreads(args);
    const std::string path = args.required("model");
    const std::string outPath = args.required("out");
    if (fs::path(outPath).extension() != ".safetensors")
        throw UsageError("retort-cli convert: --out must name a .safetensors file, got '" + outPath + "'");
    std::error_code ec;
    if (fs::exists(outPath, ec) && fs::equivalent(path, outPath, ec))
        throw UsageError("retort-cli convert: --out is the input file");
    LoadOptions lo;
    lo.arch = args.get("arch");
    LoadedModel m = loadModel(path, lo);
    if (m.format == "yaml")
        throw UsageError("retort-cli convert: --model must hold weights (a .pt, .safetensors or .torchscript file)");

    // Keep the file's precision unless told otherwise (the official .pt files hold F16).
    const std::string want = args.get("dtype", "keep");
    std::optional<torch::ScalarType> dtype = dtypeFromName(want);
    if (!dtype && want != "keep")
        throw UsageError("retort-cli convert: --dtype must be keep, f32, f16 or bf16, got '" + want + "'");
    if (!dtype)
        dtype = dtypeFromName(m.metadata.count("dtype") ? m.metadata.at("dtype") : "F32");
    if (!dtype)
        dtype = torch::kFloat32;

    std::map<std::string, std::string> extra = m.metadata;
    extra["dtype"] = *dtype == torch::kFloat16 ? "F16" : *dtype == torch::kBFloat16 ? "BF16" : "F32";
    saveModel(outPath, *m.model, m.names, m.imgsz, extra, dtype);

    size_t written = 0;
    for (const auto& [name, t] : stateDict(*m.model))
        written += name.find("num_batches_tracked") == std::string::npos;
    std::printf("%s -> %s: %zu tensors (%s), %lld classes, imgsz %d%s", path.c_str(), outPath.c_str(), written,
                extra["dtype"].c_str(), static_cast<long long>(m.model->nc()), m.imgsz,
                m.model->fused() ? ", fused" : "");
    if (m.metadata.count("version"))
        std::printf(", Ultralytics %s", m.metadata.at("version").c_str());
    if (m.metadata.count("epoch"))
        std::printf(", epoch %s", m.metadata.at("epoch").c_str());
    std::printf("\n");
    return 0;
}

} // namespace retort::cli
