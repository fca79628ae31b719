#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace retort {

struct LoadedModel;
struct LoadOptions;

/// What a PyTorch `.pt` file holds for Retort, read without Python and without executing
/// anything from it: an Ultralytics checkpoint (`ema` when present and not None, else `model`,
/// walked through `_modules` / `_parameters` / `_buffers` to Ultralytics state-dict names) or a
/// bare state dict (`{name: tensor}`, possibly under `model`).
struct PtCheckpoint
{
    /// State-dict names to tensors in the file's dtype (views of the file's storages), in
    /// `state_dict()` order; non-persistent buffers are left out.
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    std::string object;       ///< which entry the weights came from: "ema", "model" or "state_dict"
    std::string modelClass;   ///< "ultralytics.nn.tasks.DetectionModel"; empty for a bare state dict
    std::string arch;         ///< the model's `yaml` dict as architecture YAML text (empty when bare)
    std::string scale;        ///< the yaml's `scale`, else guessed from `yaml_file` (yolov8n.yaml -> n)
    std::vector<std::string> names; ///< the model's `names` (empty when bare)
    int64_t nc = 0;
    std::vector<double> stride;
    int imgsz = 640;          ///< `train_args.imgsz`, else 640
    bool fused = false;       ///< Conv+BN already fused (conv biases, no BN tensors)
    /// epoch, best_fitness, date, version (Ultralytics'), license, docs, train_args (JSON),
    /// arch_ckpt (the yaml dict as JSON), pt_object, pt_class, source (JSON): what the file says.
    std::map<std::string, std::string> metadata;

    bool bare() const { return modelClass.empty(); }
};

/// Parses the bytes of a `.pt` file. `origin` (usually the path) starts every message.
/// Throws InputError for anything it cannot read: not a zip (the pre-1.6 pickle format is
/// named as such), truncated or corrupt records, hostile pickles, a value outside the allow-list
/// where a tensor is expected, an unsupported storage dtype, a tensor outside its storage, a
/// model that is not an Ultralytics DetectionModel. No size the file declares is trusted:
/// storages are read only as far as their records really hold, tensors are bounds-checked
/// views of them, and the pickle machine's memory is proportional to the pickle's length.
///
///   PtCheckpoint ck = parsePtCheckpoint(readFile("best.pt"), "best.pt");
///   for (auto& [name, t] : ck.tensors) …   // "model.0.conv.weight", F16
PtCheckpoint parsePtCheckpoint(std::string_view bytes, const std::string& origin);

/// Reads and parses a `.pt` file.
PtCheckpoint readPtCheckpoint(const std::string& path);

/// True when the bytes are a TorchScript archive (torch.jit.save) rather than a torch.save checkpoint.
bool isTorchScriptArchive(std::string_view bytes);

/// Builds the detector of a `.pt` checkpoint: architecture from its `yaml` (or `options.arch`
/// for a bare state dict, which it requires), weights converted to F32, fused checkpoints in the
/// fused layout. `metadata` gets the checkpoint's fields (see PtCheckpoint::metadata).
///
///   LoadedModel m = loadPtModel("yolov8n.pt", {});
LoadedModel loadPtModel(const std::string& path, const LoadOptions& options);

/// The same from the bytes of a `.pt` file; `origin` names it in messages.
LoadedModel loadPtModel(std::string_view bytes, const std::string& origin, const LoadOptions& options);

} // namespace retort
