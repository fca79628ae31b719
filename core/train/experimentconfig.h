#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace retort {

/// A teacher or student: weights (.safetensors / .torchscript) or a bare architecture.
struct ModelRef
{
    std::string weights;      ///< checkpoint path ("" = none)
    std::string arch;         ///< architecture YAML (e.g. yolov8n.yaml) when no weights
    int pretrainEpochs = 0;   ///< teacher only: train it from scratch first when it has no weights
    int finetuneEpochs = 0;   ///< teacher only: fine-tune its weights on the experiment's data first
    bool empty() const { return weights.empty() && arch.empty(); }
    std::string describe() const { return weights.empty() ? arch : weights; }
};

/// Procedural dataset generated when `data` does not exist yet (`retort-cli synth`).
struct SynthSettings
{
    bool enabled = false;
    int images = 600;
    int imgsz = 160;
    int classes = 4;
    unsigned seed = 0;
    double valFraction = 0.2;
};

/// Optimisation and augmentation settings; names and defaults are Ultralytics'.
struct TrainSettings
{
    int epochs = 30;
    int imgsz = 640;
    int batch = 16;
    std::string optimizer = "SGD";   ///< SGD | AdamW
    double lr0 = 0.01;
    double lrf = 0.01;
    double momentum = 0.937;
    double weightDecay = 0.0005;
    double warmupEpochs = 3.0;
    double warmupMomentum = 0.8;
    double warmupBiasLr = 0.1;
    bool cosLr = false;
    int nbs = 64;                     ///< nominal batch size (gradient accumulation)
    double maxGradNorm = 10.0;
    bool ema = true;
    double emaDecay = 0.9999;
    double emaTau = 2000;
    unsigned long long seed = 0;
    int workers = 2;
    int threads = 0;                  ///< torch intra-op threads, 0 = all cores
    std::string device = "cpu";
    int closeMosaic = 10;
    int patience = 100;
    bool pretrained = true;           ///< start from the weights (false: only their architecture)
    /// Which epoch's weights are "best": `fitness` (0.1 mAP50 + 0.9 mAP50-95, chosen over the
    /// epochs after the KD warm-up, the same window for every arm) or `last`.
    std::string best = "fitness";
    bool val = true;
    int valBatch = 8;
    // Loss gains.
    double box = 7.5, cls = 0.5, dfl = 1.5;
    // Augmentation.
    double hsvH = 0.015, hsvS = 0.7, hsvV = 0.4;
    double degrees = 0.0, translate = 0.1, scale = 0.5, shear = 0.0, perspective = 0.0;
    double flipud = 0.0, fliplr = 0.5, mosaic = 1.0;
    /// Subsets of the sorted image lists, "begin:end" (Python slice), e.g. "0:96".
    std::string trainSubset;
    std::string valSubset;
    std::string split = "val";        ///< which data YAML entry validates
};

/// Weight schedule of one KD term: linear warmup from 0, then optional decay.
struct ScheduleSettings
{
    double warmupEpochs = 0.0;
    std::string decay = "none";       ///< none | linear | cosine
    double finalFraction = 0.0;       ///< weight factor reached at the end when decaying
};

struct LogitKdSettings
{
    double weight = 1.0;
    double temperature = 4.0;
    double temperatureEnd = 0.0;      ///< > 0: anneal from `temperature` to this over the run
    std::string mode = "bce";         ///< bce | kl
    double confThreshold = 0.0;       ///< > 0: only anchors whose teacher max score exceeds it
    /// teacher: normalised by the teacher's score mass like the task cls loss (bce: Σ / Σ score;
    /// kl: score-weighted mean); anchors: plain mean over anchors (~N/objects times smaller)
    std::string norm = "teacher";
    ScheduleSettings schedule;
};

struct LocKdSettings
{
    double weight = 0.5;
    double temperature = 1.0;
    ScheduleSettings schedule;
};

struct FeatureKdSettings
{
    /// mse | at | cwd | mgd | pkd | score_l2 | fgd
    std::string type = "cwd";
    double weight = 2.0;
    /// Per-type weight from `distill.feature.<type>.weight`; used instead of `weight` when that
    /// type is the arm's (the types' losses differ in scale by orders of magnitude).
    std::map<std::string, double> typeWeights;
    double tau = 1.0;                 ///< cwd temperature
    double alpha = 2e-5;              ///< mgd loss scale
    double lambda = 0.65;             ///< mgd mask ratio
    int hidden = 0;                   ///< score_l2: projector hidden channels (0 = the teacher's channels)
    double fgdTemperature = 0.5;      ///< fgd: temperature of the spatial/channel attention softmax
    double fgdAlpha = 1e-3;           ///< fgd: foreground feature term
    double fgdBeta = 5e-4;            ///< fgd: background feature term
    double fgdGamma = 1e-3;           ///< fgd: attention-mask term
    double fgdLambda = 5e-6;          ///< fgd: global-context term
    /// Steps fitting the adapters/projectors/generators to the teacher (student frozen)
    /// before the first student step; 0 = none.
    int adapterWarmupSteps = 0;
    /// teacher -> student layer pairs; empty (the default): the layers feeding each model's
    /// Detect, level by level (15/18/21 for YOLOv8, 16/19/22 for YOLO11 and YOLO26).
    std::vector<std::pair<int, int>> layers;
    ScheduleSettings schedule;

    /// The weight of the active type: its own `typeWeights` entry, else `weight`.
    double activeWeight() const
    {
        const auto it = typeWeights.find(type);
        return it == typeWeights.end() ? weight : it->second;
    }
};

struct RelationKdSettings
{
    double weight = 0.0;
    std::string mode = "sample";      ///< sample (between images of a batch) | spatial (between positions)
    ScheduleSettings schedule;
};

struct DistillSettings
{
    LogitKdSettings logit;
    LocKdSettings loc;
    FeatureKdSettings feature;
    RelationKdSettings relation;
    bool logitOn = false, locOn = false, featureOn = false, relationOn = false; ///< which terms an arm uses
    /// Arm term `lad`: the task loss assigns ground truth to anchors by the teacher's predictions
    /// (label assignment distillation); no weight of its own.
    bool ladOn = false;
    /// Arm term `inherit`: the student starts from the teacher's weights by weight selection
    /// (evenly spaced channels, first blocks; distill/weightselection.h); no weight of its own.
    bool inheritOn = false;

    /// Whether any term reads the teacher's outputs during training (all but `inherit`).
    bool readsTeacher() const { return logitOn || locOn || featureOn || relationOn || ladOn; }
};

/// An experiment: data, teacher, student, training, distillation, and the arms of a study.
/// Loaded from YAML (see experiments/*.yaml); every key has a default, unknown keys are errors.
///
///   ExperimentConfig cfg = loadExperiment("experiments/coco128-v8s-to-v8n.yaml", {"train.epochs=5"});
///   ExperimentConfig arm = armConfig(cfg, "logit+loc+cwd");
struct ExperimentConfig
{
    std::string name = "experiment";
    std::string sourcePath;           ///< file it came from ("" for text)
    std::string data;
    SynthSettings synth;
    ModelRef teacher;
    ModelRef student;
    TrainSettings train;
    DistillSettings distill;
    std::vector<std::string> arms{"baseline"};
    std::string project = "runs";     ///< run directories go to <project>/<name>/<arm>
    std::string arm = "baseline";     ///< the arm this config runs (set by armConfig)
    std::string runName;              ///< run directory name when not the arm's (e.g. logit+loc-seed1)

    bool hasTeacher() const { return !teacher.empty(); }
    /// First epoch (0-based) that may be chosen as best: after the longest KD warm-up of the
    /// experiment's distill settings, whichever arm runs, so that every arm, the baseline
    /// included, is compared over the same epochs. 0 without a teacher.
    int bestFromEpoch() const;
    bool distills() const
    {
        return distill.readsTeacher() || distill.inheritOn;
    }
    std::string runDir() const;       ///< <project>/<name>/<run name, default the arm>
    std::string studyDir() const;     ///< <project>/<name>
};

/// Parses experiment YAML text. `origin` names it in errors; relative paths resolve against
/// `baseDir`; `${VAR}` expands from the environment (RETORT_SHARED_DATA defaults to
/// ../shared/data). `overrides` are `key=value` with dotted keys (`train.epochs=5`,
/// `distill.logit.weight=2`); bare training keys (`epochs=5`) mean `train.<key>`.
/// Unknown keys, wrong types and bad values throw InputError naming file:line, the key and
/// the accepted values.
ExperimentConfig parseExperiment(const std::string& yamlText, const std::string& origin, const std::string& baseDir,
                                 const std::vector<std::string>& overrides = {});

/// Reads an experiment file ("experiments/shapes-quick.yaml" also resolves to the embedded copy).
ExperimentConfig loadExperiment(const std::string& path, const std::vector<std::string>& overrides = {});

/// The resolved config as YAML with every default filled in (saved as args.yaml).
std::string experimentToYaml(const ExperimentConfig& config);

/// The config of one arm: "baseline" turns every KD term off; otherwise the '+'-joined terms
/// (logit, loc, feature, mse, at, cwd, mgd, pkd, score_l2, fgd, relation, lad, inherit) are on, a feature type naming the
/// feature method. Throws InputError for an unknown term.
ExperimentConfig armConfig(const ExperimentConfig& base, const std::string& arm);

/// The arm that enables every KD term whose weight is > 0 ("baseline" when none is), which is
/// what `retort-cli train` runs for an experiment with a teacher.
std::string armFromWeights(const ExperimentConfig& config);

/// Accepted arm terms, for messages and the GUI.
const std::vector<std::string>& armTerms();

/// Parses a Python-style slice "a:b" (either side may be empty, negatives count from the end)
/// against a list of `size`. Throws InputError naming `key`.
std::pair<size_t, size_t> parseSubset(const std::string& subset, size_t size, const std::string& key);

} // namespace retort
