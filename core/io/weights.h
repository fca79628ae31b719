#pragma once

#include "io/safetensors.h"
#include "model/detectionmodel.h"

#include <map>
#include <string>
#include <vector>

namespace retort {

/// A detector ready to use: the model (on `device`), its class names and where it came from.
struct LoadedModel
{
    DetectionModel model{nullptr};
    std::vector<std::string> names;
    std::string source;      ///< the path or name it was loaded from
    std::string format;      ///< "safetensors", "torchscript", "pt" or "yaml"
    int imgsz = 640;         ///< training image size recorded in the file (default 640)
    std::map<std::string, std::string> metadata; ///< safetensors metadata or the `.pt` checkpoint's fields
    /// Tensors of a distillation checkpoint that are not the student's (keys `distill.*`:
    /// adapters, generators), skipped on load so that the bare student comes back.
    std::vector<std::string> ignored;
};

struct LoadOptions
{
    // A constructor rather than an aggregate, so that `{device}` and `{device, nc, names}` stay
    // complete initialisations as fields are added.
    LoadOptions(torch::Device on = torch::kCPU, int64_t classes = 0, std::vector<std::string> classNames = {},
                std::string architecture = {})
        : device(on), nc(classes), names(std::move(classNames)), arch(std::move(architecture))
    {
    }

    torch::Device device = torch::kCPU;
    int64_t nc = 0;                 ///< for a bare architecture: class count (0 = the YAML's)
    std::vector<std::string> names; ///< for a bare architecture: class names
    /// For a `.pt` holding a bare state_dict (no architecture of its own): the architecture
    /// (`yolov8n.yaml` or a YAML path).
    std::string arch;
};

/// Loads a detector from a `.safetensors` checkpoint (architecture in its metadata), an
/// Ultralytics `.pt` checkpoint (read by a safe pickle reader, see io/ptcheckpoint.h; a bare
/// state_dict needs `options.arch`), an Ultralytics `.torchscript` export (BN fused there, so
/// the model comes back fused), or an architecture `.yaml` (fresh initialisation;
/// `yolov8n.yaml` … resolve to the shipped one).
/// Every problem throws InputError naming the file and, for weights, the key and both shapes.
/// Safetensors keys under `distill.` are skipped and listed in `ignored`.
///
///   LoadedModel m = loadModel("yolov8n.safetensors");
///   m.model->eval();
LoadedModel loadModel(const std::string& path, const LoadOptions& options = {});

/// How a model was prepared for training on a data set (loadForTraining).
struct TrainingStart
{
    LoadedModel loaded;
    bool reheaded = false;        ///< the class head was re-initialised for the data's classes
    int transferred = 0;          ///< tensors copied from the weights
    int total = 0;                ///< tensors of the model being trained
    std::string message;          ///< one line saying what was done (empty for a bare architecture)
};

/// A model to train on a data set of `names` (nc = names.size()), as Ultralytics starts one:
/// an architecture YAML is freshly initialised for those classes; weights whose class count
/// differs (or whose class names differ, unless they are the placeholder `class0`, `class1`, …)
/// are re-headed: the architecture is rebuilt for the data's classes (Detect biases initialised
/// as Ultralytics does) and every tensor whose name and shape match is transferred, the rest
/// (the class convs) kept new. `pretrained` false keeps only the weights' architecture.
/// Fused (TorchScript) weights cannot be trained and throw InputError.
///
///   TrainingStart s = loadForTraining("yolov8n.safetensors", {"RBC", "WBC", "Platelets"}, torch::kCPU);
///   log(s.message);   // "yolov8n.safetensors: transferred 319/355 tensors; re-headed 80 -> 3 classes …"
TrainingStart loadForTraining(const std::string& path, const std::vector<std::string>& names, const torch::Device& device,
                              bool pretrained = true);

/// Copies `tensors` into `model` by Ultralytics name. Missing or surplus keys and shape
/// mismatches throw InputError naming `origin`, the key and both shapes.
/// (`num_batches_tracked`, which the official files omit, may be missing.)
void loadStateDict(DetectionModelImpl& model, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                   const std::string& origin);

/// The model's parameters and buffers under their Ultralytics names.
std::vector<std::pair<std::string, torch::Tensor>> stateDict(DetectionModelImpl& model);

/// Metadata Retort writes into every weights file: format, arch (with scale), names, nc,
/// stride, imgsz, reg_max, task. `extra` entries are added (epoch, best_fitness, config…).
std::map<std::string, std::string> weightsMetadata(const DetectionModelImpl& model, const std::vector<std::string>& names,
                                                   int imgsz, const std::map<std::string, std::string>& extra = {});

/// Saves the model (F32 unless `dtype` says otherwise) with weightsMetadata(), atomically.
void saveModel(const std::string& path, DetectionModelImpl& model, const std::vector<std::string>& names, int imgsz,
               const std::map<std::string, std::string>& extra = {},
               std::optional<torch::ScalarType> dtype = std::nullopt);

/// `class0`, `class1`, … (Ultralytics' default names for a bare architecture).
std::vector<std::string> defaultNames(int64_t nc);

/// Parses a names value: a JSON/YAML list or an {index: name} map.
std::vector<std::string> parseNames(const std::string& text, const std::string& origin);

/// JSON list text of names.
std::string namesJson(const std::vector<std::string>& names);

} // namespace retort
