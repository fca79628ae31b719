#pragma once

#include "train/trainerobserver.h"

#include <string>
#include <vector>

namespace retort {

/// Writes a run directory's text files: args.yaml, events.jsonl (one line per step, appended
/// and flushed) and results.csv (Ultralytics' columns plus train/kd_*; rewritten atomically
/// each epoch).
class RunLogger
{
public:
    /// `lossNames`: the LossMap keys of this run (box, cls, dfl, kd_…, total).
    RunLogger(std::string runDir, std::vector<std::string> lossNames);

    void writeArgs(const std::string& yaml) const;
    void appendStep(const StepMetrics& step);
    void addEpoch(const EpochMetrics& epoch, const ValMetrics* val);
    /// Resuming: keeps the first `epochs` rows of an existing results.csv and the events before
    /// `step` (the first step the resumed run takes), each step once, dropping what a killed run
    /// wrote after its last checkpoint. Returns one warning per damaged line dropped.
    std::vector<std::string> restore(int epochs, long long step);

    std::string resultsHeader() const;
    const std::string& runDir() const { return m_runDir; }

private:
    void writeResults() const;

    std::string m_runDir;
    std::vector<std::string> m_lossNames;
    std::vector<std::string> m_rows;
};

} // namespace retort
