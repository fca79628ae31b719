#include "commands.h"
#include "consoleobserver.h"

#include "train/experimentconfig.h"
#include "train/studyrunner.h"
#include "train/trainer.h"
#include "util/error.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace retort::cli {
namespace {

// The handler only writes the signal number into a pipe (write(2) is async-signal-safe; a
// mutex or a condition variable is not); a watcher thread turns it into a stop request.
int g_signalPipe[2] = {-1, -1};
std::atomic<int> g_lastSignal{0};

extern "C" void onStopSignal(int sig)
{
    const int saved = errno;
    const unsigned char b = static_cast<unsigned char>(sig);
    if (g_signalPipe[1] >= 0 && ::write(g_signalPipe[1], &b, 1) < 0) {
    }
    errno = saved;
}

void say(const char* text)
{
    if (::write(STDERR_FILENO, text, std::strlen(text)) < 0) {
    }
}

/// SIGINT and SIGTERM (what schedulers and containers send) request a graceful stop: finish the
/// step, write a checkpoint, exit 130 / 143. Further signals while it stops are reported and
/// ignored, so a second Ctrl-C never cuts a checkpoint in half (kill -9 still can, and the
/// checkpoint protocol survives that).
class StopSignals
{
public:
    explicit StopSignals(TrainerControl& control) : m_control(control)
    {
        if (::pipe2(g_signalPipe, O_CLOEXEC) != 0)
            throw retort::Error(std::string("cannot create the signal pipe: ") + std::strerror(errno));
        m_watcher = std::thread([this] { watch(); });
        struct sigaction sa = {};
        sa.sa_handler = onStopSignal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGINT, &sa, &m_oldInt);
        sigaction(SIGTERM, &sa, &m_oldTerm);
    }
    ~StopSignals()
    {
        sigaction(SIGINT, &m_oldInt, nullptr);
        sigaction(SIGTERM, &m_oldTerm, nullptr);
        const unsigned char quit = 0;
        if (::write(g_signalPipe[1], &quit, 1) < 0) {
        }
        m_watcher.join();
        ::close(g_signalPipe[0]);
        ::close(g_signalPipe[1]);
        g_signalPipe[0] = g_signalPipe[1] = -1;
    }
    /// 130 after SIGINT, 143 after SIGTERM (128 + the signal), as a shell reports them.
    static int exitStatus() { return 128 + (g_lastSignal.load() ? g_lastSignal.load() : SIGINT); }

private:
    void watch()
    {
        int count = 0;
        for (;;) {
            unsigned char b = 0;
            const ssize_t n = ::read(g_signalPipe[0], &b, 1);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0 || b == 0)
                return;
            if (++count == 1) {
                g_lastSignal.store(b);
                say(b == SIGTERM ? "\nSIGTERM: stopping after the current step and writing a checkpoint…\n"
                                 : "\nInterrupted: stopping after the current step and writing a checkpoint…\n");
                m_control.requestStop();
            } else {
                say("\nAlready stopping: the checkpoint is being written, please wait (this signal is ignored).\n");
            }
        }
    }

    TrainerControl& m_control;
    std::thread m_watcher;
    struct sigaction m_oldInt = {};
    struct sigaction m_oldTerm = {};
};

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
        // A run killed before its first checkpoint resumes from the beginning (the Trainer says so).
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
    const StopSignals signals(control);
    ConsoleObserver observer;
    StudyRunner runner(cfg);
    runner.prepare(&observer, &control);
    if (control.stopRequested())
        return StopSignals::exitStatus();
    Trainer trainer(cfg);
    trainer.setResume(resume);
    if (cfg.distills())
        trainer.setTeacher(runner.teacher());
    const RunSummary s = trainer.run(&observer, &control);
    return s.stopped ? StopSignals::exitStatus() : 0;
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
    const StopSignals signals(control);
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
    if (result.stopped) {
        // No table from a stopped study: it would mix finished and unfinished arms.
        std::printf("\nstudy stopped; the same command continues it (finished runs are reused, a stopped one resumes)\n");
        return StopSignals::exitStatus();
    }
    std::printf("\n%s\n", result.markdown.c_str());
    std::printf("study written to %s\n", result.csvPath.c_str());
    return 0;
}

} // namespace retort::cli
