#pragma once

#include "train/trainerobserver.h"

#include <chrono>
#include <string>
#include <vector>

namespace retort::cli {

/// Prints training progress the way Ultralytics does: a header per epoch, a live progress line
/// (batch i/n, every loss, instances, img/s, ETA) redrawn in place on a terminal, or one line
/// every ~10% when the output is a file or a CI log.
class ConsoleObserver : public TrainerObserver
{
public:
    ConsoleObserver();
    void onTrainStart(const RunInfo& info) override;
    void onStep(const StepMetrics& step) override;
    void onEpochEnd(const EpochMetrics& epoch) override;
    void onValEnd(const ValMetrics& val) override;
    void onCheckpoint(const CheckpointInfo& checkpoint) override;
    void onFinished(const RunSummary& summary) override;
    void onFailed(const std::string& message) override;
    void onLog(const std::string& line) override;

private:
    void printHeader();

    bool m_tty;
    RunInfo m_info;
    std::vector<std::string> m_columns;
    int m_lastDecile = -1;
    bool m_lineOpen = false;
};

/// "1h02m", "3m07s", "12s".
std::string formatDuration(double seconds);

} // namespace retort::cli
