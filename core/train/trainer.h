#pragma once

#include "io/weights.h"
#include "train/experimentconfig.h"
#include "train/trainercontrol.h"
#include "train/trainerobserver.h"

#include <memory>
#include <optional>

namespace retort {

/// One training run (one arm of an experiment): plain detection training, or distillation when
/// the arm enables KD terms and the experiment has a teacher. Runs synchronously in the calling
/// thread and reports through a TrainerObserver; a TrainerControl pauses, resumes or stops it
/// between steps (stop writes a checkpoint). Writes the run directory of DESIGN.md.
///
///   Trainer trainer(armConfig(cfg, "logit+loc+cwd"));
///   RunSummary s = trainer.run(&observer, &control);
class Trainer
{
public:
    explicit Trainer(ExperimentConfig config);
    ~Trainer();

    /// Continue from <runDir>/weights/last.state when it exists.
    void setResume(bool resume) { m_resume = resume; }
    /// Reuse an already loaded teacher (the study runner loads it once).
    void setTeacher(std::shared_ptr<LoadedModel> teacher) { m_teacher = std::move(teacher); }
    /// Teacher mAP50-95 to report alongside (RunInfo::teacherMap50_95).
    void setTeacherMap(double map50_95) { m_teacherMap = map50_95; }

    RunSummary run(TrainerObserver* observer, TrainerControl* control);

    const ExperimentConfig& config() const { return m_config; }

private:
    ExperimentConfig m_config;
    bool m_resume = false;
    std::shared_ptr<LoadedModel> m_teacher;
    double m_teacherMap = -1;
};

} // namespace retort
