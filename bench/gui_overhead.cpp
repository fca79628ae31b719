// Training throughput with the workbench attached vs headless: the same short run of one arm,
// several times in one process, alternating the two modes in ABBA order so that a slow drift of
// the machine (thermal, other load) does not favour either.
//
//   headless: StudyRunner::prepare + Trainer::run on the calling thread, exactly as
//             `retort-cli train --arm ARM` does (no window, no event loop);
//   gui:      a shown MainWindow on the current QPA platform (offscreen or Xvfb), the run started
//             through its RunController, so steps reach the live charts, the status bar and the
//             progress bar through the same signals as in the app.
//
// Throughput is measured by the trainer itself (each step's images / wall time from the end of
// the previous step, loader wait and observer callbacks included), over the epochs after the
// warm-up ones and without each epoch's last batch (which may be short): img/s = steps x batch /
// sum of step times. Validation is not part of it.
//
//   QT_QPA_PLATFORM=offscreen build/bench/retort-bench-gui-overhead \
//       [--config experiments/shapes-quick.yaml] [--arm baseline] [--epochs 3] [--warmup-epochs 1] \
//       [--repeats 2] [--work DIR] [--json FILE] [key=value overrides…]
//
// A non-distilling arm runs without the experiment's teacher (nothing to pretrain or load).
#include "mainwindow.h"
#include "metatypes.h"
#include "runcontroller.h"

#include "train/experimentconfig.h"
#include "train/studyrunner.h"
#include "train/trainer.h"
#include "train/trainerobserver.h"
#include "util/threads.h"
#include "widgets/trainingcharts.h"

#include <QApplication>
#include <QEventLoop>
#include <QTabWidget>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace retort;

namespace {

struct Options
{
    std::string config = "experiments/shapes-quick.yaml";
    std::string arm = "baseline";
    int epochs = 3;
    int warmupEpochs = 1;
    int repeats = 2;
    std::string work;
    std::string json;
    std::vector<std::string> overrides;
};

struct Trial
{
    std::string mode;
    int repeat = 0;
    int batch = 0;
    int measuredSteps = 0;
    double stepSeconds = 0;   ///< sum over the measured steps
    double imagesPerSecond = 0;
    double medianStepMs = 0;
    double wallSeconds = 0;   ///< the whole run, validation and set-up included
    int guiBatches = 0;       ///< stepsReady emissions (gui mode)
};

/// Collects what the throughput figure needs from the steps a run reports.
struct StepLog
{
    int batch = 0;
    std::vector<StepMetrics> steps;

    void summarise(const Options& o, Trial& t) const
    {
        std::vector<double> seconds;
        for (const StepMetrics& s : steps)
            if (s.epoch >= o.warmupEpochs && s.batch < s.batchesPerEpoch - 1 && s.imagesPerSecond > 0)
                seconds.push_back(batch / s.imagesPerSecond);
        t.batch = batch;
        t.measuredSteps = static_cast<int>(seconds.size());
        t.stepSeconds = std::accumulate(seconds.begin(), seconds.end(), 0.0);
        t.imagesPerSecond = t.stepSeconds > 0 ? t.measuredSteps * batch / t.stepSeconds : 0;
        if (!seconds.empty()) {
            std::nth_element(seconds.begin(), seconds.begin() + seconds.size() / 2, seconds.end());
            t.medianStepMs = 1000 * seconds[seconds.size() / 2];
        }
    }
};

class RecordingObserver : public TrainerObserver
{
public:
    explicit RecordingObserver(StepLog& log) : m_log(log) {}
    void onTrainStart(const RunInfo& info) override { m_log.batch = info.batch; }
    void onStep(const StepMetrics& s) override { m_log.steps.push_back(s); }
    void onFailed(const std::string& message) override { std::fprintf(stderr, "run failed: %s\n", message.c_str()); }

private:
    StepLog& m_log;
};

ExperimentConfig trialConfig(const Options& o, const std::string& project)
{
    ExperimentConfig cfg = armConfig(loadExperiment(o.config, o.overrides), o.arm);
    cfg.train.epochs = o.epochs;
    if (!cfg.distills())
        cfg.teacher = ModelRef{};
    if (cfg.synth.enabled) // one generated dataset for every trial, outside the timed runs
        cfg.data = (fs::path(o.work) / "datasets" / fs::path(cfg.data).parent_path().filename() /
                    fs::path(cfg.data).filename())
                       .string();
    fs::remove_all(project); // only the trial's own directory: every trial starts a fresh run
    cfg.project = project;
    return cfg;
}

Trial runHeadless(const Options& o, int repeat)
{
    Trial t;
    t.mode = "headless";
    t.repeat = repeat;
    const ExperimentConfig cfg = trialConfig(o, o.work + "/headless-" + std::to_string(repeat));
    StepLog log;
    RecordingObserver observer(log);
    TrainerControl control;
    const auto start = std::chrono::steady_clock::now();
    StudyRunner runner(cfg);
    runner.prepare(&observer, &control);
    Trainer trainer(cfg);
    trainer.setResume(false);
    if (cfg.distills())
        trainer.setTeacher(runner.teacher());
    trainer.run(&observer, &control);
    t.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    log.summarise(o, t);
    return t;
}

Trial runGui(const Options& o, int repeat)
{
    Trial t;
    t.mode = "gui";
    t.repeat = repeat;
    const ExperimentConfig cfg = trialConfig(o, o.work + "/gui-" + std::to_string(repeat));
    app::MainWindow window;
    window.resize(1500, 920);
    window.show();
    {
        QEventLoop settle; // let the window map and paint once before the run starts
        QTimer::singleShot(300, &settle, &QEventLoop::quit);
        settle.exec();
    }
    window.tabs()->setCurrentIndex(0); // the Training tab, where the live charts are
    app::RunController* rc = window.runController();
    StepLog log;
    bool ok = true;
    QObject::connect(rc, &app::RunController::runStarted, &window, [&log](const RunInfo& info) { log.batch = info.batch; });
    QObject::connect(rc, &app::RunController::stepsReady, &window, [&log, &t](const QVector<StepMetrics>& steps) {
        log.steps.insert(log.steps.end(), steps.begin(), steps.end());
        ++t.guiBatches;
    });
    QEventLoop loop;
    QObject::connect(rc, &app::RunController::jobFinished, &loop, [&loop, &ok](bool good, const QString& message) {
        ok = good;
        if (!good)
            std::fprintf(stderr, "run failed: %s\n", qPrintable(message));
        loop.quit();
    });
    const auto start = std::chrono::steady_clock::now();
    window.trainingCharts()->clear();
    rc->startRun(cfg, false);
    loop.exec();
    t.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!ok)
        t.measuredSteps = 0;
    log.summarise(o, t);
    return t;
}

bool parse(int argc, char** argv, Options& o)
{
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--config") o.config = value();
        else if (a == "--arm") o.arm = value();
        else if (a == "--epochs") o.epochs = std::stoi(value());
        else if (a == "--warmup-epochs") o.warmupEpochs = std::stoi(value());
        else if (a == "--repeats") o.repeats = std::stoi(value());
        else if (a == "--work") o.work = value();
        else if (a == "--json") o.json = value();
        else if (a.find('=') != std::string::npos && a.rfind("--", 0) != 0) o.overrides.push_back(a);
        else {
            std::fprintf(stderr,
                         "usage: retort-bench-gui-overhead [--config E.yaml] [--arm ARM] [--epochs N] [--warmup-epochs N]\n"
                         "       [--repeats N] [--work DIR] [--json FILE] [key=value…]\n");
            return false;
        }
    }
    if (o.epochs <= o.warmupEpochs)
        throw std::runtime_error("--epochs must exceed --warmup-epochs (nothing would be measured)");
    if (o.work.empty())
        o.work = (fs::temp_directory_path() / "retort-bench-gui-overhead").string();
    return true;
}

double mean(const std::vector<double>& v)
{
    return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    // Own settings file: the bench must not read or change the workbench's recent files/layout.
    QApplication::setOrganizationName(QStringLiteral("Retort"));
    QApplication::setApplicationName(QStringLiteral("retort-bench-gui-overhead"));
    app::registerMetaTypes();
    Options o;
    try {
        if (!parse(argc, argv, o))
            return 2;
        const int threads = configureThreads();
        fs::create_directories(o.work);
        std::printf("config %s, arm %s, %d epochs (%d warm-up), %d repeat(s) in ABBA order, %d torch threads, platform %s\n",
                    o.config.c_str(), o.arm.c_str(), o.epochs, o.warmupEpochs, o.repeats, threads,
                    qPrintable(QGuiApplication::platformName()));
        std::vector<Trial> trials;
        for (int r = 0; r < o.repeats; ++r) {
            const bool headlessFirst = r % 2 == 0;
            for (int k = 0; k < 2; ++k) {
                const bool headless = (k == 0) == headlessFirst;
                Trial t = headless ? runHeadless(o, r) : runGui(o, r);
                std::printf("repeat %d %-8s  %.2f img/s over %d steps (median step %.1f ms), run %.1f s%s\n", r,
                            t.mode.c_str(), t.imagesPerSecond, t.measuredSteps, t.medianStepMs, t.wallSeconds,
                            headless ? "" : qPrintable(QStringLiteral(", %1 chart updates").arg(t.guiBatches)));
                std::fflush(stdout);
                if (t.measuredSteps == 0)
                    throw std::runtime_error("no steps measured in the " + t.mode + " run");
                trials.push_back(t);
            }
        }
        std::vector<double> headless, gui;
        for (const Trial& t : trials)
            (t.mode == "gui" ? gui : headless).push_back(t.imagesPerSecond);
        const double ratio = mean(gui) / mean(headless);
        std::printf("headless %.2f img/s, gui %.2f img/s: gui/headless = %.4f (%+.2f %%)\n", mean(headless), mean(gui),
                    ratio, 100 * (ratio - 1));
        if (!o.json.empty()) {
            std::ofstream f(o.json);
            f << "{\n  \"config\": \"" << o.config << "\",\n  \"arm\": \"" << o.arm << "\",\n  \"epochs\": " << o.epochs
              << ",\n  \"warmup_epochs\": " << o.warmupEpochs << ",\n  \"threads\": " << threads
              << ",\n  \"platform\": \"" << qPrintable(QGuiApplication::platformName()) << "\",\n  \"trials\": [\n";
            for (size_t i = 0; i < trials.size(); ++i) {
                const Trial& t = trials[i];
                f << "    {\"mode\": \"" << t.mode << "\", \"repeat\": " << t.repeat << ", \"batch\": " << t.batch
                  << ", \"steps\": " << t.measuredSteps << ", \"img_per_s\": " << t.imagesPerSecond
                  << ", \"median_step_ms\": " << t.medianStepMs << ", \"run_s\": " << t.wallSeconds
                  << ", \"gui_updates\": " << t.guiBatches << "}" << (i + 1 < trials.size() ? "," : "") << "\n";
            }
            f << "  ],\n  \"headless_img_per_s\": " << mean(headless) << ",\n  \"gui_img_per_s\": " << mean(gui)
              << ",\n  \"gui_over_headless\": " << ratio << "\n}\n";
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
