#include "viz/featureadapter.h"

#include "io/safetensors.h"
#include "train/experimentconfig.h"
#include "util/error.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace retort {
namespace {

/// Adapters stored under `prefix` + "features.<i>.adapter.{weight,bias}", paired with the
/// layers of the config in `st`'s metadata. Empty when any part is missing or inconsistent.
std::map<int, FeatureAdapter> adaptersIn(const SafeTensors& st, const std::string& prefix, const std::string& origin)
{
    std::map<int, FeatureAdapter> out;
    const std::string config = st.meta("config");
    if (config.empty())
        return out;
    std::vector<std::pair<int, int>> layers;
    try {
        layers = parseExperiment(config, origin + " (metadata config)", fs::path(origin).parent_path().string())
                     .distill.feature.layers;
    } catch (const std::exception&) {
        return out; // a config this version cannot read: no pairing, so no adapters
    }
    for (size_t i = 0; i < layers.size(); ++i) {
        const std::string key = prefix + "features." + std::to_string(i) + ".adapter.";
        FeatureAdapter a;
        a.teacherLayer = layers[i].first;
        a.studentLayer = layers[i].second;
        a.weight = st.get(key + "weight");
        a.bias = st.get(key + "bias");
        if (!a.weight.defined())
            continue; // this pair needs no adapter (same channel counts)
        if (a.weight.dim() != 4 || a.weight.size(2) != 1 || a.weight.size(3) != 1 ||
            (a.bias.defined() && (a.bias.dim() != 1 || a.bias.size(0) != a.weight.size(0))))
            return {};
        a.weight = a.weight.to(torch::kFloat);
        if (a.bias.defined())
            a.bias = a.bias.to(torch::kFloat);
        out[a.studentLayer] = a;
    }
    return out;
}

} // namespace

torch::Tensor FeatureAdapter::apply(const torch::Tensor& studentFeature) const
{
    torch::NoGradGuard noGrad;
    const bool batched = studentFeature.dim() == 4;
    if (!(batched || studentFeature.dim() == 3) || studentFeature.size(batched ? 1 : 0) != studentChannels())
        throw InputError("feature adapter of layer " + std::to_string(studentLayer) + ": expected a feature with " +
                         std::to_string(studentChannels()) + " channels");
    const auto x = (batched ? studentFeature : studentFeature.unsqueeze(0)).to(torch::kFloat);
    const auto y = torch::conv2d(x, weight.to(x.device()), bias.defined() ? bias.to(x.device()) : torch::Tensor());
    return batched ? y : y[0];
}

std::map<int, FeatureAdapter> loadFeatureAdapters(const std::string& weightsPath)
{
    try {
        const SafeTensors weights = readSafetensors(weightsPath);
        auto own = adaptersIn(weights, "distill.", weightsPath);
        if (!own.empty())
            return own;
        const fs::path statePath = fs::path(weightsPath).parent_path() / "last.state";
        if (!fs::exists(statePath))
            return {};
        const SafeTensors state = readSafetensors(statePath.string());
        // Only the state of the same run: an unrelated last.state beside copied weights would pair wrongly.
        const std::string arm = weights.meta("arm");
        const std::string experiment = weights.meta("experiment");
        if (arm.empty() || experiment.empty())
            return {};
        const ExperimentConfig stateConfig =
            parseExperiment(state.meta("config"), statePath.string(), statePath.parent_path().string());
        if (stateConfig.arm != arm || stateConfig.name != experiment)
            return {};
        return adaptersIn(state, "distiller/", statePath.string());
    } catch (const std::exception&) {
        return {};
    }
}

} // namespace retort
