#pragma once

#include "train/runstate.h"

#include <map>
#include <string>
#include <vector>

namespace retort {

/// Loss components by name: "box", "cls", "dfl" (task, already times their gains),
/// "kd_logit", "kd_loc", "kd_feat_<layer>" (one per aligned student layer), "kd_feat"
/// (their sum), "kd_relation", and "total".
using LossMap = std::map<std::string, double>;

/// What a run is, sent once before the first step.
struct RunInfo
{
    std::string experiment;   ///< experiment name
    std::string arm;          ///< "baseline", "logit+loc+cwd", … (one run of a study)
    std::string runDir;
    int epochs = 0;
    int startEpoch = 0;       ///< > 0 when resumed
    int batchesPerEpoch = 0;
    int imgsz = 0;
    int batch = 0;
    std::vector<std::string> lossNames; ///< the LossMap keys this run reports
    std::vector<int> featureLayers;     ///< aligned student layers with feature KD
    double teacherMap50_95 = -1;        ///< teacher's val mAP50-95 when known
    std::string device;
};

/// One optimisation step (a batch).
struct StepMetrics
{
    int epoch = 0;            ///< 0-based
    int epochs = 0;
    int batch = 0;            ///< 0-based index within the epoch
    int batchesPerEpoch = 0;
    long long step = 0;       ///< global batch counter
    LossMap losses;           ///< this batch's values
    double lr = 0;            ///< lr of parameter group 0
    int instances = 0;        ///< labelled objects in the batch
    double imagesPerSecond = 0;
    double etaSeconds = 0;    ///< remaining time of the whole run
};

struct EpochMetrics
{
    int epoch = 0;
    int epochs = 0;
    LossMap trainLosses;      ///< epoch means
    std::vector<double> lrs;  ///< lr/pg0..2
    double seconds = 0;
};

struct ValMetrics
{
    int epoch = 0;
    double precision = 0, recall = 0, map50 = 0, map50_95 = 0, fitness = 0;
    LossMap valLosses;        ///< val/box_loss, val/cls_loss, val/dfl_loss when computed
    bool best = false;        ///< best fitness so far
};

struct CheckpointInfo
{
    int epoch = 0;
    std::string path;         ///< weights file written (last or best)
    bool best = false;
};

struct RunSummary
{
    std::string runDir;
    int epochsDone = 0;
    bool stopped = false;     ///< stopped by request (resumable)
    double bestFitness = 0;
    double bestMap50 = 0;
    double bestMap50_95 = 0;
    std::string bestWeights;
    std::string lastWeights;
};

/// Callbacks a Trainer makes, named after Ultralytics' callback events. Called on the
/// training thread; implementations must be quick and thread-safe with respect to their own
/// consumers (the GUI's RunController re-emits them as queued Qt signals).
class TrainerObserver
{
public:
    virtual ~TrainerObserver() = default;
    virtual void onTrainStart(const RunInfo&) {}
    virtual void onStateChanged(RunState) {}
    virtual void onStep(const StepMetrics&) {}
    virtual void onEpochEnd(const EpochMetrics&) {}
    virtual void onValEnd(const ValMetrics&) {}
    virtual void onCheckpoint(const CheckpointInfo&) {}
    virtual void onFinished(const RunSummary&) {}
    virtual void onFailed(const std::string& /*message*/) {}
    /// Human-readable progress lines (what the CLI prints).
    virtual void onLog(const std::string& /*line*/) {}
};

} // namespace retort
