#include "train/checkpoint.h"

#include "io/safetensors.h"
#include "io/weights.h"
#include "train/modelema.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/runlock.h"
#include "util/testhook.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
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

std::string pendingName(const std::string& path, long long generation)
{
    return path + ".gen" + std::to_string(generation);
}

/// Exact text for doubles: hexadecimal floats round-trip bit for bit.
std::string hexDouble(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", v);
    return buf;
}

std::string encodeSums(const LossMap& sums)
{
    std::string out;
    for (const auto& [k, v] : sums)
        out += (out.empty() ? "" : ";") + k + "=" + hexDouble(v);
    return out;
}

LossMap decodeSums(const std::string& text, const std::string& origin)
{
    LossMap out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ';');) {
        const auto eq = item.find('=');
        char* end = nullptr;
        const double v = eq == std::string::npos ? 0 : std::strtod(item.c_str() + eq + 1, &end);
        if (eq == std::string::npos || eq == 0 || !end || *end)
            throw InputError(origin + ": malformed epoch_sums entry '" + item + "'");
        out[item.substr(0, eq)] = v;
    }
    return out;
}

void addGrads(SafeTensors& st, torch::nn::Module& m, const std::string& prefix)
{
    for (const auto& p : m.named_parameters(true))
        if (p.value().grad().defined())
            st.tensors.emplace_back(prefix + p.key(), p.value().grad().detach().clone());
}

void restoreGrads(torch::nn::Module& m, const SafeTensors& st, const std::string& prefix)
{
    torch::NoGradGuard noGrad;
    for (auto& p : m.named_parameters(true)) {
        const auto g = st.get(prefix + p.key());
        if (g.defined() && g.sizes() == p.value().sizes())
            p.value().mutable_grad() = g.to(p.value().device()).clone();
    }
}

std::vector<std::string> splitList(const std::string& s)
{
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty())
            out.push_back(item);
    return out;
}

} // namespace

CheckpointPaths saveCheckpoint(const ExperimentConfig& config, DetectionModelImpl& model, ModelEMA& ema,
                               torch::optim::Optimizer& optimizer, torch::nn::Module* distiller,
                               const std::vector<std::string>& names, const TrainProgress& progress, bool best)
{
    const fs::path dir = fs::path(config.runDir()) / "weights";
    fs::create_directories(dir);
    const long long gen = progress.generation + 1;
    CheckpointPaths paths;
    paths.generation = gen;
    paths.weights = (dir / "last.safetensors").string();
    paths.best = (dir / "best.safetensors").string();
    paths.state = (dir / "last.state").string();
    const std::map<std::string, std::string> extra = {
        {"epoch", std::to_string(progress.epoch)},
        {"best_fitness", std::to_string(progress.bestFitness)},
        {"generation", std::to_string(gen)},
        {"experiment", config.name},
        {"arm", config.arm},
        {"config", experimentToYaml(config)},
    };
    auto emaModel = ema.model();
    std::vector<std::string> publish{"last.safetensors"};
    saveModel(pendingName(paths.weights, gen), *emaModel, names, config.train.imgsz, extra);
    testKillPoint("ckpt-weights");
    if (best) {
        saveModel(pendingName(paths.best, gen), *emaModel, names, config.train.imgsz, extra);
        publish.emplace_back("best.safetensors");
        testKillPoint("ckpt-best");
    }

    SafeTensors st;
    for (auto& [k, t] : moduleState(model))
        st.tensors.emplace_back("model/" + k, t);
    for (auto& [k, t] : moduleState(*emaModel))
        st.tensors.emplace_back("ema/" + k, t);
    if (distiller)
        for (auto& [k, t] : moduleState(*distiller))
            st.tensors.emplace_back("distiller/" + k, t);
    // A stop in the middle of an accumulation keeps its gradients instead of stepping early.
    addGrads(st, model, "grad/model/");
    if (distiller)
        addGrads(st, *distiller, "grad/distiller/");
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
        {"generation", std::to_string(gen)},
        {"publish", [&] {
             std::string list;
             for (const auto& f : publish)
                 list += (list.empty() ? "" : ",") + f;
             return list;
         }()},
        {"last_opt_step", std::to_string(progress.lastOptStep)},
        {"epoch_sums", encodeSums(progress.epochSums)},
        {"epoch_count", std::to_string(progress.epochCount)},
        {"config", experimentToYaml(config)},
    };
    writeSafetensors(paths.state, st); // the commit point
    testKillPoint("ckpt-commit");
    for (const auto& f : publish) {
        renameDurable(pendingName((dir / f).string(), gen), (dir / f).string());
        testKillPoint("ckpt-publish");
    }
    return paths;
}

std::vector<std::string> recoverCheckpoint(const std::string& runDir)
{
    std::vector<std::string> actions;
    const fs::path dir = fs::path(runDir) / "weights";
    for (const fs::path& d : {fs::path(runDir), dir})
        if (const int n = removeStaleTemporaries(d.string()); n > 0)
            actions.push_back("removed " + std::to_string(n) + " temporary file(s) of an interrupted write in " +
                              d.string());
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return actions;
    long long committed = -1;
    std::vector<std::string> publish;
    const fs::path state = dir / "last.state";
    if (fs::exists(state, ec)) {
        try {
            const SafeTensors st = readSafetensors(state.string());
            committed = std::stoll(st.meta("generation", "0"));
            publish = splitList(st.meta("publish", ""));
        } catch (const std::exception&) {
            committed = -1; // resuming reports the damaged state; nothing is published from it
        }
    }
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const auto pos = name.rfind(".gen");
        if (pos == std::string::npos || pos + 4 >= name.size() ||
            name.find_first_not_of("0123456789", pos + 4) != std::string::npos)
            continue;
        const std::string base = name.substr(0, pos);
        const long long gen = std::strtoll(name.c_str() + pos + 4, nullptr, 10);
        if (gen == committed && std::find(publish.begin(), publish.end(), base) != publish.end()) {
            renameDurable(it->path().string(), (dir / base).string());
            actions.push_back("published " + base + " of checkpoint generation " + std::to_string(gen) +
                              " (the last run stopped between commit and publish)");
        } else {
            std::error_code rm;
            fs::remove(it->path(), rm);
            actions.push_back("removed " + name + " (a checkpoint that was never committed)");
        }
    }
    return actions;
}

void removeCheckpoint(const std::string& runDir)
{
    const fs::path dir = fs::path(runDir) / "weights";
    std::error_code ec;
    for (const char* f : {"last.state", "last.safetensors", "best.safetensors"})
        fs::remove(dir / f, ec);
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
    restoreGrads(model, st, "grad/model/");
    if (distiller)
        restoreGrads(*distiller, st, "grad/distiller/");
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
        p.generation = std::stoll(st.meta("generation", "0"));
        p.lastOptStep = std::stoll(st.meta("last_opt_step", std::to_string(p.step - 1)));
        p.epochSums = decodeSums(st.meta("epoch_sums", ""), statePath);
        p.epochCount = std::stoi(st.meta("epoch_count", "0"));
    } catch (const std::exception&) {
        throw InputError(statePath + ": progress metadata is missing or malformed");
    }
    return p;
}

} // namespace retort
