#pragma once

#include "data/labels.h"
#include "eval/validator.h"
#include "io/weights.h"
#include "train/experimentconfig.h"
#include "train/studytable.h"
#include "train/trainercontrol.h"
#include "train/trainerobserver.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace retort {

struct StudyResult
{
    std::vector<StudyRow> rows;   ///< teacher first, then the arms in order
    std::string csvPath;          ///< <project>/<name>/study.csv
    std::string mdPath;           ///< <project>/<name>/study.md
    std::string markdown;
    bool stopped = false;
};

/// Runs every arm of an experiment with the same seed, data order and epochs, and compares them:
/// generates the synthetic dataset when the experiment asks for one, trains the teacher first
/// when it has no weights, evaluates the teacher once, trains (or reuses, or resumes) each arm,
/// evaluates its best weights, and writes study.csv and study.md.
///
///   StudyRunner runner(loadExperiment("experiments/shapes-quick.yaml"));
///   StudyResult r = runner.run(&observer, &control);
class StudyRunner
{
public:
    explicit StudyRunner(ExperimentConfig config);

    /// Reuse arms whose run directory already holds a finished run (default true); unfinished
    /// ones resume from their last checkpoint.
    void setReuseFinished(bool reuse) { m_reuse = reuse; }
    /// Runs every arm once per seed (run directories <arm>-seed<k>) and writes the paired
    /// comparison over seeds; empty (default) = the experiment's own seed, directories <arm>.
    /// The teacher is prepared once, with the first seed.
    void setSeeds(std::vector<uint64_t> seeds) { m_seeds = std::move(seeds); }
    /// The teacher's weights the arms distil from (the fine-tuned or pre-trained ones once
    /// prepare() made them).
    const std::string& teacherWeights() const { return m_teacherWeights; }

    /// Makes the data and the teacher ready (synthesis, teacher pre-training, loading).
    void prepare(TrainerObserver* observer, TrainerControl* control);
    std::shared_ptr<LoadedModel> teacher() const { return m_teacher; }

    StudyResult run(TrainerObserver* observer, TrainerControl* control);

    /// Evaluates weights on the experiment's validation split: a filled StudyRow (mAPs,
    /// params, GFLOPs at the train imgsz, inference ms per image).
    StudyRow evaluate(const std::string& weights, const std::string& arm, const std::string& method);

private:
    /// Trains `cfg` unless a finished run exists; resumes an unfinished one.
    bool trainArm(const ExperimentConfig& cfg, TrainerObserver* observer, TrainerControl* control);
    /// Evaluates a finished run: its best weights (mAPs, sizes, classes, latency), the epoch
    /// they come from and the mAP50-95 of its last weights.
    StudyRow evaluateRun(const ExperimentConfig& arm);
    /// The validation split's index, scanned once per study.
    const DatasetIndex& valIndex();
    ValResult validate(DetectionModelImpl& model);
    StudyRow evaluateLoaded(LoadedModel& model, const std::string& arm, const std::string& method);

    ExperimentConfig m_config;
    bool m_reuse = true;
    bool m_prepared = false;
    std::shared_ptr<LoadedModel> m_teacher;
    std::string m_teacherWeights;
    int m_teacherEpochs = 0;
    std::vector<uint64_t> m_seeds;
    std::optional<uint64_t> m_teacherSeed;
    std::optional<DatasetIndex> m_valIndex;
};

/// True when `runDir` holds a run that completed all its epochs.
bool runFinished(const std::string& runDir, int epochs);

} // namespace retort
