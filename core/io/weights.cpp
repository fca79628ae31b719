#include "io/weights.h"

#include "io/ptcheckpoint.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/json.h"

#include <torch/script.h>

#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace retort {
namespace {

// Distillation state (adapters, generators) that a checkpoint may carry next to the student.
const std::string kDistillPrefix = "distill.";

std::string shapeText(const torch::Tensor& t)
{
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

LoadedModel loadSafetensorsModel(const std::string& path, const LoadOptions& options)
{
    const SafeTensors st = readSafetensors(path);
    const std::string arch = st.meta("arch");
    if (arch.empty())
        throw InputError(path + ": no 'arch' in the metadata (not a Retort/Ultralytics detector weights file)");
    const std::string ncText = st.meta("nc");
    int64_t nc = 0;
    if (!ncText.empty()) {
        try {
            nc = std::stoll(ncText);
        } catch (const std::exception&) {
            throw InputError(path + ": metadata 'nc' must be an integer, got '" + ncText + "'");
        }
    }
    LoadedModel out;
    out.model = DetectionModel(parseArch(arch, path + " (metadata arch)", st.meta("scale"), nc));
    const bool fused = st.meta("fused") == "true";
    if (fused)
        out.model->makeFusedLayout();
    std::vector<std::pair<std::string, torch::Tensor>> student;
    for (const auto& kv : st.tensors) {
        if (kv.first.rfind(kDistillPrefix, 0) == 0)
            out.ignored.push_back(kv.first);
        else
            student.push_back(kv);
    }
    loadStateDict(*out.model, student, path);
    out.model->to(options.device);
    out.names = st.meta("names").empty() ? defaultNames(out.model->nc()) : parseNames(st.meta("names"), path);
    if (static_cast<int64_t>(out.names.size()) != out.model->nc())
        throw InputError(path + ": metadata has " + std::to_string(out.names.size()) + " names but nc is " +
                         std::to_string(out.model->nc()));
    out.source = path;
    out.format = "safetensors";
    out.metadata = st.metadata;
    if (!st.meta("imgsz").empty()) {
        try {
            out.imgsz = std::stoi(st.meta("imgsz"));
        } catch (const std::exception&) {
            throw InputError(path + ": metadata 'imgsz' must be an integer");
        }
    }
    return out;
}

LoadedModel loadTorchScriptModel(const std::string& path, const LoadOptions& options)
{
    torch::jit::ExtraFilesMap extra{{"config.txt", ""}};
    torch::jit::Module module;
    try {
        module = torch::jit::load(path, torch::kCPU, extra);
    } catch (const c10::Error& e) {
        throw InputError(path + ": not a readable TorchScript file (" + std::string(e.what_without_backtrace()).substr(0, 200) + ")");
    }
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& p : module.named_parameters(true))
        tensors.emplace_back(p.name, p.value);
    for (const auto& b : module.named_buffers(true))
        tensors.emplace_back(b.name, b.value);
    torch::Tensor first;
    for (const auto& [k, v] : tensors)
        if (k == "model.0.conv.weight")
            first = v;
    if (!first.defined())
        throw InputError(path + ": no 'model.0.conv.weight' (not an Ultralytics YOLOv8 detection export)");

    std::vector<std::string> names;
    if (!extra["config.txt"].empty()) {
        const YAML::Node cfg = parseJson(extra["config.txt"], path + " (config.txt)");
        if (cfg["names"])
            names = parseNames(YAML::Dump(cfg["names"]), path + " (config.txt names)");
    }
    int64_t nc = static_cast<int64_t>(names.size());
    if (nc == 0) {
        // No metadata: the class count is the out-channels of the last class conv.
        for (const auto& [k, v] : tensors)
            if (k == "model.22.cv3.0.2.weight")
                nc = v.size(0);
        names = defaultNames(nc);
    }
    // The export carries no architecture: the width of the stem selects the YOLOv8 scale.
    const int64_t stem = first.size(0);
    std::string scale;
    for (const char* s : {"n", "s", "m", "l", "x"}) {
        const ArchSpec spec = loadArch(std::string("yolov8") + s + ".yaml", nc);
        if (spec.layers[0].outChannels == stem)
            scale = s;
    }
    if (scale.empty())
        throw InputError(path + ": stem has " + std::to_string(stem) + " channels, which matches no YOLOv8 scale");
    LoadedModel out;
    out.model = DetectionModel(loadArch("yolov8" + scale + ".yaml", nc));
    out.model->makeFusedLayout();
    loadStateDict(*out.model, tensors, path);
    out.model->to(options.device);
    out.names = names;
    out.source = path;
    out.format = "torchscript";
    return out;
}

} // namespace

std::vector<std::string> defaultNames(int64_t nc)
{
    std::vector<std::string> names;
    for (int64_t i = 0; i < nc; ++i)
        names.push_back("class" + std::to_string(i));
    return names;
}

std::vector<std::string> parseNames(const std::string& text, const std::string& origin)
{
    YAML::Node node;
    try {
        node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw InputError(origin + ": names are not a list or map (" + e.msg + ")");
    }
    std::vector<std::string> names;
    if (node.IsSequence()) {
        for (const auto& n : node)
            names.push_back(n.as<std::string>());
    } else if (node.IsMap()) {
        std::map<int, std::string> byIndex;
        for (const auto& kv : node) {
            int idx = -1;
            try {
                idx = kv.first.as<int>();
            } catch (const YAML::Exception&) {
            }
            if (idx < 0)
                throw InputError(origin + ": names key '" + kv.first.as<std::string>() + "' is not a class index");
            byIndex[idx] = kv.second.as<std::string>();
        }
        int expect = 0;
        for (const auto& [idx, name] : byIndex) {
            if (idx != expect)
                throw InputError(origin + ": names skip class index " + std::to_string(expect));
            names.push_back(name);
            ++expect;
        }
    } else {
        throw InputError(origin + ": names must be a list or a map of index to name");
    }
    return names;
}

std::string namesJson(const std::vector<std::string>& names)
{
    JsonWriter w(false);
    w.beginArray();
    for (const auto& n : names)
        w.value(n);
    w.endArray();
    return w.str();
}

std::vector<std::pair<std::string, torch::Tensor>> stateDict(DetectionModelImpl& model)
{
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& p : model.named_parameters(true))
        out.emplace_back(p.key(), p.value());
    for (const auto& b : model.named_buffers(true))
        out.emplace_back(b.key(), b.value());
    return out;
}

void loadStateDict(DetectionModelImpl& model, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                   const std::string& origin)
{
    std::map<std::string, torch::Tensor> given(tensors.begin(), tensors.end());
    torch::NoGradGuard noGrad;
    for (auto& [name, target] : stateDict(model)) {
        const auto it = given.find(name);
        if (it == given.end()) {
            if (endsWith(name, "num_batches_tracked"))
                continue;
            throw InputError(origin + ": weight '" + name + "' is missing (model expects shape " + shapeText(target) +
                             "); the file is for another architecture");
        }
        if (it->second.sizes() != target.sizes())
            throw InputError(origin + ": weight '" + name + "' has shape " + shapeText(it->second) +
                             " but the model expects " + shapeText(target) +
                             " (another architecture, scale or class count)");
        target.copy_(it->second.to(target.dtype()));
        given.erase(it);
    }
    for (const auto& [name, t] : given)
        if (!endsWith(name, "num_batches_tracked"))
            throw InputError(origin + ": unexpected weight '" + name + "' " + shapeText(t) +
                             " (the file is for another architecture)");
}

std::map<std::string, std::string> weightsMetadata(const DetectionModelImpl& model, const std::vector<std::string>& names,
                                                   int imgsz, const std::map<std::string, std::string>& extra)
{
    const auto& spec = model.spec();
    std::map<std::string, std::string> meta = extra;
    std::string arch = spec.yaml;
    if (!spec.scale.empty() && arch.find("\nscale:") == std::string::npos)
        arch += "\n\nscale: " + spec.scale + "\n";
    meta["format"] = "retort-weights-v1";
    meta["arch"] = arch;
    meta["scale"] = spec.scale;
    meta["names"] = namesJson(names);
    meta["nc"] = std::to_string(spec.nc);
    std::string stride = "[";
    for (const double s : spec.strides())
        stride += (stride.size() > 1 ? ", " : "") + std::to_string(static_cast<int>(s));
    meta["stride"] = stride + "]";
    meta["imgsz"] = std::to_string(imgsz);
    meta["reg_max"] = std::to_string(spec.regMax);
    meta["task"] = "detect";
    meta["retort_version"] = RETORT_VERSION;
    if (model.fused())
        meta["fused"] = "true";
    return meta;
}

void saveModel(const std::string& path, DetectionModelImpl& model, const std::vector<std::string>& names, int imgsz,
               const std::map<std::string, std::string>& extra, std::optional<torch::ScalarType> dtype)
{
    SafeTensors st;
    for (auto& [name, t] : stateDict(model))
        if (!endsWith(name, "num_batches_tracked"))
            st.tensors.emplace_back(name, t);
    st.metadata = weightsMetadata(model, names, imgsz, extra);
    writeSafetensors(path, st, dtype);
}

namespace {

bool placeholderNames(const std::vector<std::string>& names)
{
    return names == defaultNames(static_cast<int64_t>(names.size()));
}

std::string shortList(const std::vector<std::string>& names)
{
    std::string out;
    for (size_t i = 0; i < names.size() && i < 4; ++i)
        out += (i ? ", " : "") + names[i];
    return names.size() > 4 ? out + ", …" : out;
}

} // namespace

TrainingStart loadForTraining(const std::string& path, const std::vector<std::string>& names, const torch::Device& device,
                              bool pretrained)
{
    const auto nc = static_cast<int64_t>(names.size());
    TrainingStart out;
    const std::string ext = fs::path(path).extension().string();
    if (ext == ".yaml" || ext == ".yml") {
        LoadOptions lo{device, nc, names};
        out.loaded = loadModel(path, lo);
        return out;
    }
    LoadedModel src = loadModel(path, LoadOptions{torch::kCPU, 0, {}});
    if (src.model->fused())
        throw InputError(path + ": a fused model (TorchScript or fused .pt) cannot be trained; use unfused weights");
    const ArchSpec& spec = src.model->spec();
    const bool sameClasses = src.model->nc() == nc && (src.names == names || placeholderNames(src.names));
    if (!pretrained) {
        out.loaded = src;
        out.loaded.model = DetectionModel(parseArch(spec.yaml, path + " (metadata arch)", spec.scale, nc));
        out.loaded.model->to(device);
        out.loaded.names = names;
        out.total = static_cast<int>(stateDict(*out.loaded.model).size());
        out.message = path + ": pretrained=false, training its architecture from scratch for " + std::to_string(nc) +
                      " classes";
        return out;
    }
    if (sameClasses) {
        out.loaded = src;
        out.loaded.model->to(device);
        out.loaded.names = names;
        out.total = out.transferred = static_cast<int>(stateDict(*src.model).size());
        out.message = path + ": transferred " + std::to_string(out.transferred) + "/" + std::to_string(out.total) +
                      " tensors from the weights";
        return out;
    }
    DetectionModel fresh(parseArch(spec.yaml, path + " (metadata arch)", spec.scale, nc));
    std::map<std::string, torch::Tensor> given;
    for (auto& [k, v] : stateDict(*src.model))
        given.emplace(k, v);
    std::vector<std::string> kept;
    {
        torch::NoGradGuard noGrad;
        for (auto& [name, target] : stateDict(*fresh)) {
            ++out.total;
            const auto it = given.find(name);
            if (it != given.end() && it->second.sizes() == target.sizes()) {
                target.copy_(it->second.to(target.dtype()));
                ++out.transferred;
            } else if (!endsWith(name, "num_batches_tracked")) {
                kept.push_back(name);
            }
        }
    }
    out.loaded = src;
    out.loaded.model = fresh;
    out.loaded.model->to(device);
    out.loaded.names = names;
    out.reheaded = true;
    std::string why = src.model->nc() != nc
                          ? std::to_string(src.model->nc()) + " -> " + std::to_string(nc) + " classes"
                          : "same class count, other names (" + shortList(src.names) + ")";
    out.message = path + ": re-headed for " + std::to_string(nc) + " classes (" + shortList(names) + "; " + why +
                  "): transferred " + std::to_string(out.transferred) + "/" + std::to_string(out.total) +
                  " tensors, " + std::to_string(kept.size()) + " new (the Detect class branch, initialised as Ultralytics does)";
    return out;
}

LoadedModel loadModel(const std::string& path, const LoadOptions& options)
{
    const std::string ext = fs::path(path).extension().string();
    if (ext == ".yaml" || ext == ".yml") {
        LoadedModel out;
        out.model = DetectionModel(loadArch(path, options.nc));
        out.model->to(options.device);
        out.names = options.names.empty() ? defaultNames(out.model->nc()) : options.names;
        if (static_cast<int64_t>(out.names.size()) != out.model->nc())
            throw InputError(path + ": " + std::to_string(out.names.size()) + " class names given for nc " +
                             std::to_string(out.model->nc()));
        out.source = path;
        out.format = "yaml";
        return out;
    }
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw InputError(path + ": no such file");
    if (ext == ".safetensors")
        return loadSafetensorsModel(path, options);
    if (ext == ".pt" || ext == ".pth") {
        // torch.jit.save archives are .pt files too; they carry code/ and constants.pkl.
        if (isTorchScriptArchive(readFile(path)))
            return loadTorchScriptModel(path, options);
        return loadPtModel(path, options);
    }
    if (ext == ".torchscript" || ext == ".jit")
        return loadTorchScriptModel(path, options);
    throw InputError(path + ": unknown model format '" + ext + "' (expected .safetensors, .pt, .torchscript or .yaml)");
}

} // namespace retort
