#pragma once

#include "train/trainerobserver.h"

#include <string>
#include <vector>

namespace retort {

/// A run directory read back from its files (events.jsonl, results.csv, args.yaml), in the
/// value types a live run sends, so that a viewer draws a finished run like a live one.
struct RunData
{
    std::string dir;
    std::string experiment;               ///< args.yaml `name`
    std::string arm;                      ///< args.yaml `arm`
    int epochs = 0;                       ///< planned epochs (args.yaml train.epochs)
    std::vector<std::string> lossNames;   ///< loss components seen, in first-seen order
    std::vector<StepMetrics> steps;       ///< events.jsonl, one per logged batch
    std::vector<EpochMetrics> epochMeans; ///< results.csv train/* columns and lr/pg0..2
    std::vector<ValMetrics> vals;         ///< results.csv rows that were validated
    double teacherMap50_95 = -1;          ///< from the study's study.csv teacher row, when present
};

/// Reads a finished or running run directory. A line cut short by a kill or a concurrent
/// writer is skipped; a missing file leaves its part empty.
///
///   RunData run = readRun("runs/shapes-quick/logit+loc");
///   for (const StepMetrics& s : run.steps) chart.addStep(s);
/// Throws InputError when `dir` is not a run directory (none of the three files exists).
RunData readRun(const std::string& dir);

enum class RunStatus { Finished, Stopped, Running, Incomplete };

/// "finished", "stopped", "running", "incomplete".
const char* runStatusName(RunStatus status);

/// One run directory as the runs panel lists it.
struct RunEntry
{
    std::string dir;
    std::string experiment;
    std::string arm;
    std::string method;       ///< the study's method column, else derived from the arm
    RunStatus status = RunStatus::Incomplete;
    bool resumable = false;   ///< not finished and weights/last.state exists
    int epochsDone = 0;       ///< results.csv rows
    int epochs = 0;           ///< planned
    double bestMap50_95 = -1; ///< best validated mAP50-95; < 0 when none
    double retention = -1;    ///< from study.csv; < 0 when unknown
};

/// An experiment directory: its runs (one per arm) and its study table when written.
struct StudyEntry
{
    std::string name;
    std::string dir;
    std::string studyCsv;     ///< "" until the study finished
    std::vector<RunEntry> runs;
};

struct RunListing
{
    std::vector<StudyEntry> studies;
};

/// Finds the runs under a workspace runs directory (`<runs>/<experiment>/<arm>/`), sorted by
/// name. A run is "running" when it is unfinished and a live trainer holds its lock
/// (runLockOwner), or, for a run without a lock file, when its files changed within
/// `runningWindowSeconds`; an unfinished run with a checkpoint is "stopped" (resumable).
/// A missing directory gives an empty listing.
///
///   for (const StudyEntry& s : scanRuns("runs").studies) …
RunListing scanRuns(const std::string& runsDir, double runningWindowSeconds = 120);

} // namespace retort
