#include "train/runreader.h"

#include "train/studytable.h"
#include "util/error.h"
#include "util/runlock.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace retort {
namespace {

// events.jsonl keys that are not loss components (see RunLogger::appendStep).
const std::set<std::string> kStepFields{"step", "epoch", "batch", "batches", "epochs", "lr", "img_s", "instances", "eta_s"};

void noteLoss(std::vector<std::string>& names, const std::string& name)
{
    if (std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(name);
}

/// Parses one flat JSON object of numbers as RunLogger writes it; false for a line cut short.
bool parseFlatObject(const std::string& line, std::vector<std::pair<std::string, double>>& out)
{
    out.clear();
    size_t i = 0;
    auto skipWs = [&] {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])))
            ++i;
    };
    skipWs();
    if (i >= line.size() || line[i] != '{')
        return false;
    ++i;
    for (;;) {
        skipWs();
        if (i < line.size() && line[i] == '}')
            return true;
        if (i >= line.size() || line[i] != '"')
            return false;
        const size_t close = line.find('"', i + 1);
        if (close == std::string::npos)
            return false;
        std::string key = line.substr(i + 1, close - i - 1);
        i = close + 1;
        skipWs();
        if (i >= line.size() || line[i] != ':')
            return false;
        ++i;
        skipWs();
        double v = NAN;
        if (line.compare(i, 4, "null") == 0) {
            i += 4;
        } else {
            const char* begin = line.c_str() + i;
            char* end = nullptr;
            v = std::strtod(begin, &end);
            if (end == begin)
                return false;
            i += static_cast<size_t>(end - begin);
        }
        out.emplace_back(std::move(key), v);
        skipWs();
        if (i < line.size() && line[i] == ',')
            ++i;
        else if (i >= line.size() || line[i] != '}')
            return false;
    }
}

void readEvents(const fs::path& file, RunData& run)
{
    std::ifstream in(file);
    std::string line;
    std::vector<std::pair<std::string, double>> fields;
    while (std::getline(in, line)) {
        if (line.empty() || !parseFlatObject(line, fields))
            continue;
        StepMetrics s;
        for (const auto& [k, v] : fields) {
            if (k == "step") s.step = static_cast<long long>(v);
            else if (k == "epoch") s.epoch = static_cast<int>(v);
            else if (k == "batch") s.batch = static_cast<int>(v);
            else if (k == "batches") s.batchesPerEpoch = static_cast<int>(v);
            else if (k == "epochs") s.epochs = static_cast<int>(v);
            else if (k == "lr") s.lr = v;
            else if (k == "img_s") s.imagesPerSecond = v;
            else if (k == "instances") s.instances = static_cast<int>(v);
            else if (k == "eta_s") s.etaSeconds = v;
            else {
                s.losses[k] = v;
                noteLoss(run.lossNames, k);
            }
        }
        run.steps.push_back(std::move(s));
    }
}

std::vector<std::string> splitComma(const std::string& line)
{
    std::vector<std::string> out;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ',');)
        out.push_back(f);
    if (!line.empty() && line.back() == ',')
        out.emplace_back();
    return out;
}

/// results.csv column → LossMap key ("train/box_loss" → "box", "train/kd_logit" → "kd_logit").
std::string lossKey(const std::string& column, const char* prefix)
{
    std::string k = column.substr(std::string(prefix).size());
    const std::string suffix = "_loss";
    if (k.size() > suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0)
        k.resize(k.size() - suffix.size());
    return k;
}

void readResults(const fs::path& file, RunData& run)
{
    std::ifstream in(file);
    std::string line;
    if (!std::getline(in, line))
        return;
    const auto header = splitComma(line);
    double bestFitness = -1;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        const auto f = splitComma(line);
        if (f.size() != header.size())
            continue; // a row being rewritten; RunLogger replaces the file atomically, so rare
        EpochMetrics e;
        ValMetrics v;
        bool validated = false;
        for (size_t c = 0; c < header.size(); ++c) {
            const std::string& h = header[c];
            if (f[c].empty())
                continue;
            const double x = std::atof(f[c].c_str());
            if (h == "epoch") {
                e.epoch = v.epoch = static_cast<int>(x) - 1;
            } else if (h.rfind("train/", 0) == 0) {
                const std::string k = lossKey(h, "train/");
                e.trainLosses[k] = x;
                noteLoss(run.lossNames, k);
            } else if (h.rfind("val/", 0) == 0) {
                v.valLosses[lossKey(h, "val/")] = x;
            } else if (h.rfind("lr/pg", 0) == 0) {
                const size_t g = static_cast<size_t>(std::atoi(h.c_str() + 5));
                if (e.lrs.size() <= g)
                    e.lrs.resize(g + 1);
                e.lrs[g] = x;
            } else if (h == "metrics/precision(B)") {
                v.precision = x;
            } else if (h == "metrics/recall(B)") {
                v.recall = x;
            } else if (h == "metrics/mAP50(B)") {
                v.map50 = x;
                validated = true;
            } else if (h == "metrics/mAP50-95(B)") {
                v.map50_95 = x;
            }
        }
        e.epochs = run.epochs;
        run.epochMeans.push_back(e);
        if (validated) {
            // Ultralytics' fitness: 0.1 mAP50 + 0.9 mAP50-95.
            v.fitness = 0.1 * v.map50 + 0.9 * v.map50_95;
            v.best = v.fitness > bestFitness;
            bestFitness = std::max(bestFitness, v.fitness);
            run.vals.push_back(v);
        }
    }
}

void readArgs(const fs::path& file, RunData& run)
{
    if (!fs::exists(file))
        return;
    try {
        const YAML::Node n = YAML::LoadFile(file.string());
        if (n["name"]) run.experiment = n["name"].as<std::string>();
        if (n["arm"]) run.arm = n["arm"].as<std::string>();
        if (n["train"] && n["train"]["epochs"]) run.epochs = n["train"]["epochs"].as<int>();
    } catch (const YAML::Exception& e) {
        throw InputError(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
}

std::vector<StudyRow> studyRowsOf(const fs::path& studyDir)
{
    const fs::path csv = studyDir / "study.csv";
    if (!fs::exists(csv))
        return {};
    try {
        return readStudyCsv(csv.string());
    } catch (const InputError&) {
        return {}; // a study table of another tool or version: the runs still list
    }
}

const StudyRow* rowOfArm(const std::vector<StudyRow>& rows, const std::string& arm)
{
    for (const auto& r : rows)
        if (r.arm == arm)
            return &r;
    return nullptr;
}

bool isRunDir(const fs::path& dir)
{
    return fs::exists(dir / "args.yaml") || fs::exists(dir / "results.csv") || fs::exists(dir / "events.jsonl");
}

double secondsSinceWrite(const fs::path& file)
{
    std::error_code ec;
    const auto t = fs::last_write_time(file, ec);
    if (ec)
        return 1e30;
    return std::chrono::duration<double>(fs::file_time_type::clock::now() - t).count();
}

} // namespace

const char* runStatusName(RunStatus status)
{
    switch (status) {
    case RunStatus::Finished: return "finished";
    case RunStatus::Stopped: return "stopped";
    case RunStatus::Running: return "running";
    case RunStatus::Incomplete: return "incomplete";
    }
    return "incomplete";
}

RunData readRun(const std::string& dirPath)
{
    const fs::path dir(dirPath);
    if (!isRunDir(dir))
        throw InputError(dirPath + ": not a run directory (no args.yaml, results.csv or events.jsonl)");
    RunData run;
    run.dir = dirPath;
    readArgs(dir / "args.yaml", run);
    readEvents(dir / "events.jsonl", run);
    readResults(dir / "results.csv", run);
    if (run.arm.empty())
        run.arm = dir.filename().string();
    if (const StudyRow* t = rowOfArm(studyRowsOf(dir.parent_path()), "teacher"))
        run.teacherMap50_95 = t->map50_95;
    // "total" last, as the trainer reports it, whichever file named it first.
    const auto total = std::find(run.lossNames.begin(), run.lossNames.end(), "total");
    if (total != run.lossNames.end()) {
        run.lossNames.erase(total);
        run.lossNames.push_back("total");
    }
    return run;
}

RunListing scanRuns(const std::string& runsDir, double runningWindowSeconds)
{
    RunListing listing;
    std::error_code ec;
    if (!fs::is_directory(runsDir, ec))
        return listing;
    std::vector<fs::path> studyDirs;
    for (const auto& e : fs::directory_iterator(runsDir, ec))
        if (e.is_directory())
            studyDirs.push_back(e.path());
    std::sort(studyDirs.begin(), studyDirs.end());
    for (const auto& sd : studyDirs) {
        StudyEntry study;
        study.name = sd.filename().string();
        study.dir = sd.string();
        if (fs::exists(sd / "study.csv"))
            study.studyCsv = (sd / "study.csv").string();
        const auto rows = studyRowsOf(sd);
        std::vector<fs::path> runDirs;
        for (const auto& e : fs::directory_iterator(sd, ec))
            if (e.is_directory() && isRunDir(e.path()))
                runDirs.push_back(e.path());
        std::sort(runDirs.begin(), runDirs.end());
        for (const auto& rd : runDirs) {
            RunEntry r;
            r.dir = rd.string();
            RunData data;
            try {
                readArgs(rd / "args.yaml", data);
            } catch (const InputError&) {
                // An unreadable args.yaml leaves the planned epochs unknown; the run still lists.
            }
            readResults(rd / "results.csv", data);
            r.experiment = data.experiment.empty() ? study.name : data.experiment;
            r.arm = data.arm.empty() ? rd.filename().string() : data.arm;
            r.epochs = data.epochs;
            r.epochsDone = static_cast<int>(data.epochMeans.size());
            for (const auto& v : data.vals)
                r.bestMap50_95 = std::max(r.bestMap50_95, v.map50_95);
            if (const StudyRow* row = rowOfArm(rows, r.arm)) {
                r.method = row->method;
                r.retention = row->retention;
            } else {
                r.method = r.arm == "baseline" ? "no distillation" : r.arm;
            }
            const bool finished = r.epochs > 0 && r.epochsDone >= r.epochs;
            const bool checkpoint = fs::exists(rd / "weights" / "last.state");
            // A trainer holds the run's lock while it owns the run; runs without a lock file
            // (another tool's) count as running while their files were written recently.
            const long owner = runLockOwner(rd.string());
            const bool live = owner >= 0 ? owner > 0
                                         : std::min({secondsSinceWrite(rd / "events.jsonl"), secondsSinceWrite(rd / "results.csv"),
                                                     secondsSinceWrite(rd / "args.yaml")}) < runningWindowSeconds;
            if (finished)
                r.status = RunStatus::Finished;
            else if (live)
                r.status = RunStatus::Running;
            else if (checkpoint)
                r.status = RunStatus::Stopped;
            else
                r.status = RunStatus::Incomplete;
            r.resumable = !finished && checkpoint;
            study.runs.push_back(std::move(r));
        }
        if (!study.runs.empty() || !study.studyCsv.empty())
            listing.studies.push_back(std::move(study));
    }
    return listing;
}

} // namespace retort
