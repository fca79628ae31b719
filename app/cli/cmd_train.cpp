#include "commands.h"
#include "consoleobserver.h"

#include "train/experimentconfig.h"
#include "train/studyrunner.h"
#include "train/trainer.h"
#include "util/error.h"

#include <algorithm>
#include <csignal>
#include <sstream>
#include <filesystem>

namespace fs = std::filesystem;

namespace retort::cli {
namespace {

TrainerControl* g_control = nullptr;

extern "C" void onInterrupt(int)
{
    // First Ctrl-C: stop cleanly after the current step and write a checkpoint.
    if (g_control)
        g_control->requestStop();
    std::signal(SIGINT, SIG_DFL);
}

std::vector<std::string> overrides(const Args& args)
{
    std::vector<std::string> out;
    for (const auto& p : args.positional()) {
        if (p.find('=') == std::string::npos)
            throw UsageError("unexpected argument '" + p + "' (overrides are key=value, e.g. train.epochs=5)");
        out.push_back(p);
    }
    return out;
}

} // namespace

int runTrain(int argc, char** argv)
{
    const Args args("train", argc, argv, {"config", "resume", "arm", "data", "model", "teacher", "threads", "device"});
    std::vector<std::string> ov = overrides(args);
    std::string config = args.get("config");
    bool resume = false;
    if (args.has("resume")) {
        // `--resume RUN_DIR`: the run's own args.yaml holds the resolved config and its arm.
        const std::string runDir = args.get("resume");
        config = (fs::path(runDir) / "args.yaml").string();
        if (!fs::exists(config))
            throw InputError(runDir + ": not a run directory (no args.yaml)");
        if (!fs::exists(fs::path(runDir) / "weights" / "last.state"))
            throw InputError(runDir + ": nothing to resume (no weights/last.state)");
        resume = true;
    }
    if (config.empty())
        throw UsageError("retort-cli train: give --config E.yaml (or --resume RUN_DIR)");
    if (args.has("threads"))
        ov.push_back("train.threads=" + args.get("threads"));
    if (args.has("device"))
        ov.push_back("train.device=" + args.get("device"));
    ExperimentConfig cfg = loadExperiment(config, ov);
    if (args.has("arm"))
        cfg = armConfig(cfg, args.get("arm"));
    else if (!resume && cfg.hasTeacher())
        cfg = armConfig(cfg, armFromWeights(cfg)); // with a teacher: every KD term whose weight > 0
    if (resume) {
        // args.yaml lives in <project>/<name>/<arm>: keep writing there.
        const fs::path runDir = fs::absolute(args.get("resume"));
        cfg.project = runDir.parent_path().parent_path().string();
        cfg.name = runDir.parent_path().filename().string();
        if (runDir.filename().string() != cfg.arm)
            cfg.runName = runDir.filename().string();
    }

    TrainerControl control;
    g_control = &control;
    std::signal(SIGINT, onInterrupt);
    ConsoleObserver observer;
    StudyRunner runner(cfg);
    runner.prepare(&observer, &control);
    Trainer trainer(cfg);
    trainer.setResume(resume);
    if (cfg.distills())
        trainer.setTeacher(runner.teacher());
    const RunSummary s = trainer.run(&observer, &control);
    g_control = nullptr;
    return s.stopped ? 130 : 0;
}

int runStudy(int argc, char** argv)
{
    const Args args("study", argc, argv, {"config", "threads", "device", "arms", "seeds"}, {"fresh"});
    std::vector<std::string> ov = overrides(args);
    if (args.has("threads"))
        ov.push_back("train.threads=" + args.get("threads"));
    if (args.has("device"))
        ov.push_back("train.device=" + args.get("device"));
    if (args.has("arms"))
        ov.push_back("arms=[" + args.get("arms") + "]");
    const ExperimentConfig cfg = loadExperiment(args.required("config"), ov);
    TrainerControl control;
    g_control = &control;
    std::signal(SIGINT, onInterrupt);
    ConsoleObserver observer;
    StudyRunner runner(cfg);
    runner.setReuseFinished(!args.has("fresh"));
    if (args.has("seeds")) {
        // `--seeds 0,1,2`: every arm once per seed, compared pairwise with the same seed's baseline.
        std::vector<uint64_t> seeds;
        std::stringstream list(args.get("seeds"));
        for (std::string item; std::getline(list, item, ',');) {
            size_t used = 0;
            unsigned long long v = 0;
            try {
                v = std::stoull(item, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (item.empty() || used != item.size() || item[0] == '-')
                throw UsageError("--seeds: expected a comma-separated list of non-negative integers (e.g. 0,1,2), got '" +
                                 args.get("seeds") + "'");
            if (std::find(seeds.begin(), seeds.end(), v) != seeds.end())
                throw UsageError("--seeds: seed " + item + " is listed twice");
            seeds.push_back(v);
        }
        runner.setSeeds(seeds);
    }
    const StudyResult result = runner.run(&observer, &control);
    g_control = nullptr;
    std::printf("\n%s\n", result.markdown.c_str());
    std::printf("study written to %s\n", result.csvPath.c_str());
    return result.stopped ? 130 : 0;
}

} // namespace retort::cli
