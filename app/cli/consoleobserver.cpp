#include "consoleobserver.h"

#include <cstdio>

#include <unistd.h>

namespace retort::cli {

std::string formatDuration(double s)
{
    char buf[32];
    const long t = static_cast<long>(s + 0.5);
    if (t >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
    else if (t >= 60)
        std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    else
        std::snprintf(buf, sizeof buf, "%lds", t);
    return buf;
}

ConsoleObserver::ConsoleObserver() : m_tty(::isatty(STDOUT_FILENO) != 0) {}

void ConsoleObserver::onTrainStart(const RunInfo& info)
{
    m_info = info;
    m_columns.clear();
    for (const auto& n : info.lossNames)
        if (n != "total" && n.rfind("kd_feat_", 0) != 0)
            m_columns.push_back(n);
    std::printf("\n%s / %s: %d epochs, %d batches of %d at %d px on %s -> %s\n", info.experiment.c_str(),
                info.arm.c_str(), info.epochs, info.batchesPerEpoch, info.batch, info.imgsz, info.device.c_str(),
                info.runDir.c_str());
    std::fflush(stdout);
}

void ConsoleObserver::printHeader()
{
    std::printf("\n%11s", "Epoch");
    for (const auto& c : m_columns)
        std::printf("%11s", (c.size() > 10 ? c.substr(0, 10) : c).c_str());
    std::printf("%11s%11s\n", "Instances", "Size");
}

void ConsoleObserver::onStep(const StepMetrics& s)
{
    if (s.batch == 0 || m_lastDecile < 0)
        printHeader();
    const int decile = (s.batch + 1) * 10 / std::max(s.batchesPerEpoch, 1);
    const bool last = s.batch + 1 == s.batchesPerEpoch;
    if (!m_tty && decile == m_lastDecile && !last)
        return;
    m_lastDecile = last ? -1 : decile;
    char epoch[32];
    std::snprintf(epoch, sizeof epoch, "%d/%d", s.epoch + 1, s.epochs);
    std::printf(m_tty ? "\r%11s" : "%11s", epoch);
    for (const auto& c : m_columns) {
        const auto it = s.losses.find(c);
        std::printf("%11.4g", it == s.losses.end() ? 0.0 : it->second);
    }
    const int pct = (s.batch + 1) * 100 / std::max(s.batchesPerEpoch, 1);
    std::printf("%11d%11d: %3d%% %d/%d %.1f img/s ETA %s", s.instances, m_info.imgsz, pct, s.batch + 1,
                s.batchesPerEpoch, s.imagesPerSecond, formatDuration(s.etaSeconds).c_str());
    if (!m_tty || last)
        std::printf("\n");
    m_lineOpen = m_tty && !last;
    std::fflush(stdout);
}

void ConsoleObserver::onEpochEnd(const EpochMetrics& e)
{
    if (m_lineOpen)
        std::printf("\n");
    m_lineOpen = false;
    std::fflush(stdout);
}

void ConsoleObserver::onValEnd(const ValMetrics& v)
{
    std::printf("%22s %11s %11s %11s %11s\n%22s %11.3f %11.3f %11.3f %11.3f%s\n", "val", "P", "R", "mAP50", "mAP50-95",
                "all", v.precision, v.recall, v.map50, v.map50_95, v.best ? "  (best)" : "");
    std::fflush(stdout);
}

void ConsoleObserver::onCheckpoint(const CheckpointInfo& c)
{
    if (c.best)
        return;
}

void ConsoleObserver::onFinished(const RunSummary& s)
{
    if (m_lineOpen)
        std::printf("\n");
    if (s.stopped)
        std::printf("stopped after %d epochs; resume with: retort-cli train --resume %s\n", s.epochsDone, s.runDir.c_str());
    else
        std::printf("%d epochs done. best mAP50-95 %.4f, mAP50 %.4f; weights in %s/weights\n", s.epochsDone,
                    s.bestMap50_95, s.bestMap50, s.runDir.c_str());
    std::fflush(stdout);
}

void ConsoleObserver::onFailed(const std::string& message)
{
    if (m_lineOpen)
        std::printf("\n");
    std::fflush(stdout);
}

void ConsoleObserver::onLog(const std::string& line)
{
    if (m_lineOpen)
        std::printf("\n");
    m_lineOpen = false;
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

} // namespace retort::cli
