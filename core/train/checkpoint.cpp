#include "train/checkpoint.h"

#include "io/safetensors.h"
#include "io/weights.h"
#include "train/modelema.h"
#include "util/atomicfile.h"
#include "util/error.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace retort {
namespace {

torch::Tensor bytesTensor(const std::string& bytes)
{
    auto t = torch::empty({static_cast<int64_t>(bytes.size())}, torch::kUInt8);
    std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
    return t;
}

std::string tensorBytes(const torch::Tensor& t)
{
    const auto c = t.contiguous();
    return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()));
}

std::vector<std::pair<std::string, torch::Tensor>> moduleState(torch::nn::Module& m)
{
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& p : m.named_parameters(true))
        out.emplace_back(p.key(), p.value());
    for (const auto& b : m.named_buffers(true))
        out.emplace_back(b.key(), b.value());
    return out;
}

void restoreModule(torch::nn::Module& m, const SafeTensors& st, const std::string& prefix, const std::string& origin)
{
    torch::NoGradGuard noGrad;
    for (auto& [name, t] : moduleState(m)) {
        const auto src = st.get(prefix + name);
        if (!src.defined()) {
            if (name.find("num_batches_tracked") != std::string::npos)
                continue;
            throw InputError(origin + ": '" + prefix + name + "' is missing (the checkpoint is for another set-up)");
        }
        if (src.sizes() != t.sizes())
            throw InputError(origin + ": '" + prefix + name + "' has another shape than the run expects");
        t.copy_(src);
    }
}

} // namespace

CheckpointPaths saveCheckpoint(const ExperimentConfig& config, DetectionModelImpl& model, ModelEMA& ema,
                               torch::optim::Optimizer& optimizer, torch::nn::Module* distiller,
                               const std::vector<std::string>& names, const TrainProgress& progress, bool best)
{
    const fs::path dir = fs::path(config.runDir()) / "weights";
    fs::create_directories(dir);
    CheckpointPaths paths{(dir / "last.safetensors").string(), (dir / "best.safetensors").string(),
                          (dir / "last.state").string()};
    const std::map<std::string, std::string> extra = {
        {"epoch", std::to_string(progress.epoch)},
        {"best_fitness", std::to_string(progress.bestFitness)},
        {"experiment", config.name},
        {"arm", config.arm},
        {"config", experimentToYaml(config)},
    };
    auto emaModel = ema.model();
    saveModel(paths.weights, *emaModel, names, config.train.imgsz, extra);
    if (best)
        saveModel(paths.best, *emaModel, names, config.train.imgsz, extra);

    SafeTensors st;
    for (auto& [k, t] : moduleState(model))
        st.tensors.emplace_back("model/" + k, t);
    for (auto& [k, t] : moduleState(*emaModel))
        st.tensors.emplace_back("ema/" + k, t);
    if (distiller)
        for (auto& [k, t] : moduleState(*distiller))
            st.tensors.emplace_back("distiller/" + k, t);
    {
        torch::serialize::OutputArchive archive;
        optimizer.save(archive);
        std::ostringstream out;
        archive.save_to(out);
        st.tensors.emplace_back("optimizer", bytesTensor(out.str()));
    }
    st.tensors.emplace_back("rng/cpu", at::detail::getDefaultCPUGenerator().get_state());
    st.metadata = {
        {"format", "retort-state-v1"},
        {"epoch", std::to_string(progress.epoch)},
        {"batch", std::to_string(progress.batch)},
        {"step", std::to_string(progress.step)},
        {"best_fitness", std::to_string(progress.bestFitness)},
        {"best_map50", std::to_string(progress.bestMap50)},
        {"best_map50_95", std::to_string(progress.bestMap50_95)},
        {"ema_updates", std::to_string(ema.updates())},
        {"config", experimentToYaml(config)},
    };
    writeSafetensors(paths.state, st);
    return paths;
}

TrainProgress loadCheckpoint(const std::string& statePath, DetectionModelImpl& model, ModelEMA& ema,
                             torch::optim::Optimizer& optimizer, torch::nn::Module* distiller)
{
    const SafeTensors st = readSafetensors(statePath);
    if (st.meta("format") != "retort-state-v1")
        throw InputError(statePath + ": not a Retort training state (format '" + st.meta("format") + "')");
    restoreModule(model, st, "model/", statePath);
    auto emaModel = ema.model();
    restoreModule(*emaModel, st, "ema/", statePath);
    if (distiller)
        restoreModule(*distiller, st, "distiller/", statePath);
    {
        std::istringstream in(tensorBytes(st.at("optimizer", statePath)));
        torch::serialize::InputArchive archive;
        archive.load_from(in);
        optimizer.load(archive);
    }
    at::Generator cpuGen = at::detail::getDefaultCPUGenerator();
    cpuGen.set_state(st.at("rng/cpu", statePath));
    TrainProgress p;
    try {
        p.epoch = std::stoi(st.meta("epoch"));
        p.batch = std::stoi(st.meta("batch"));
        p.step = std::stoll(st.meta("step"));
        p.bestFitness = std::stod(st.meta("best_fitness"));
        p.bestMap50 = std::stod(st.meta("best_map50", "0"));
        p.bestMap50_95 = std::stod(st.meta("best_map50_95", "0"));
        ema.setUpdates(std::stoll(st.meta("ema_updates")));
    } catch (const std::exception&) {
        throw InputError(statePath + ": progress metadata is missing or malformed");
    }
    return p;
}

} // namespace retort
