// The Trainer end to end on small synthetic runs: resume reaches the same weights as an
// uninterrupted run, a diverging run stops with a clear message and keeps its checkpoint, and a
// small model learns from scratch.
#include "data/synthgenerator.h"
#include "io/safetensors.h"
#include "io/weights.h"
#include "train/experimentconfig.h"
#include "train/trainer.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/runlock.h"
#include "util/threads.h"

#include "testdata.h"

#include <QtTest>

#include <filesystem>
#include <regex>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace retort;

namespace {

/// Requests a stop once `stopAfter` optimizer-visible steps have been reported.
class StopAfter : public TrainerObserver
{
public:
    StopAfter(TrainerControl& control, int stopAfter) : m_control(control), m_stopAfter(stopAfter) {}
    void onStep(const StepMetrics&) override
    {
        if (++m_steps == m_stopAfter)
            m_control.requestStop();
    }
    void onCheckpoint(const CheckpointInfo&) override { ++checkpoints; }
    int checkpoints = 0;

private:
    TrainerControl& m_control;
    int m_stopAfter;
    int m_steps = 0;
};

/// Requests a stop as soon as the trainer enters `state` (the validator then aborts at once).
class StopOnState : public TrainerObserver
{
public:
    StopOnState(TrainerControl& control, RunState state) : m_control(control), m_state(state) {}
    void onStateChanged(RunState s) override
    {
        if (s == m_state)
            m_control.requestStop();
    }

private:
    TrainerControl& m_control;
    RunState m_state;
};

/// Checks that the trainer holds the run directory's lock while it trains.
class LockProbe : public TrainerObserver
{
public:
    explicit LockProbe(std::string dir) : m_dir(std::move(dir)) {}
    void onStep(const StepMetrics&) override
    {
        if (probed)
            return;
        probed = true;
        try {
            RunLock second(m_dir);
        } catch (const InputError& e) {
            message = e.what();
        }
    }
    bool probed = false;
    std::string message;

private:
    std::string m_dir;
};

/// events.jsonl without its timing fields (images per second and ETA differ between runs).
std::string lossEvents(const std::string& path)
{
    static const std::regex timing(R"re(,"(img_s|eta_s)":[^,}]*)re");
    return std::regex_replace(readFile(path), timing, "");
}

/// Largest difference between two runs' last.state tensors; -1 when their key sets differ.
double stateDiff(const std::string& a, const std::string& b)
{
    const auto sa = readSafetensors(a), sb = readSafetensors(b);
    std::map<std::string, torch::Tensor> mb;
    for (auto& [k, v] : sb.tensors)
        mb[k] = v;
    if (sa.tensors.size() != sb.tensors.size())
        return -1;
    double worst = 0;
    for (const auto& [k, v] : sa.tensors) {
        // libtorch keys the optimizer archive by tensor addresses, so its bytes differ between
        // processes; its momentum buffers show in the weights of every later step instead.
        if (k == "optimizer")
            continue;
        if (!mb.count(k) || mb[k].sizes() != v.sizes()) {
            qInfo("last.state: %s missing or reshaped", k.c_str());
            return -1;
        }
        const double d = v.scalar_type() == torch::kUInt8 || v.scalar_type() == torch::kLong
                             ? (torch::equal(v, mb[k]) ? 0.0 : 1.0)
                             : (v.to(torch::kDouble) - mb[k].to(torch::kDouble)).abs().max().item<double>();
        if (d > 0)
            qInfo("last.state differs in %s by %g", k.c_str(), d);
        worst = std::max(worst, d);
    }
    return worst;
}

ExperimentConfig tinyConfig(const std::string& data, const std::string& project, int epochs, int imgsz)
{
    const std::string yaml = "name: tiny\nproject: " + project + "\ndata: " + data +
                             "\nstudent: {arch: yolov8n.yaml}\n"
                             "train: {epochs: " + std::to_string(epochs) + ", imgsz: " + std::to_string(imgsz) +
                             ", batch: 8, warmup_epochs: 1, close_mosaic: 1, seed: 3, workers: 2, val_batch: 16}\n";
    return armConfig(parseExperiment(yaml, "tiny.yaml", project), "baseline");
}

std::map<std::string, torch::Tensor> weightsOf(const std::string& path)
{
    std::map<std::string, torch::Tensor> out;
    for (auto& [k, v] : readSafetensors(path).tensors)
        out[k] = v;
    return out;
}

} // namespace

class TestTrainer : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void resumeMatchesUninterrupted();
    void divergingRunKeepsCheckpoint();
    void resultsCsvHasUltralyticsColumns();
    void distillResumeMatchesUninterrupted();
    void stopDuringValidationDiscardsIt();
    void midAccumulationStopIsBitExact();
    void trainerHoldsRunLock();
    void yolo26TrainsEndToEnd();

private:
    std::string m_data;
    std::string m_root;
    std::vector<std::string> m_names;
};

void TestTrainer::initTestCase()
{
    configureThreads(0);
    m_root = test::tempDir("trainer");
    SynthOptions so;
    so.outDir = m_root + "/shapes";
    so.images = 40;
    so.imgsz = 96;
    so.classes = 3;
    so.valFraction = 0.2;
    const SynthResult synth = generateSynthDataset(so);
    m_data = synth.yamlPath;
    m_names = synth.names;
}

void TestTrainer::resumeMatchesUninterrupted()
{
    // Uninterrupted: 2 epochs of 4 batches.
    Trainer whole(tinyConfig(m_data, m_root + "/whole", 2, 96));
    whole.run(nullptr, nullptr);

    // Stopped in the middle of epoch 1 (after 3 of 4 batches), then resumed to the end.
    const ExperimentConfig cfg = tinyConfig(m_data, m_root + "/split", 2, 96);
    TrainerControl control;
    StopAfter stopper(control, 3);
    const RunSummary stopped = Trainer(cfg).run(&stopper, &control);
    QVERIFY(stopped.stopped);
    QVERIFY2(stopper.checkpoints > 0, "stop wrote no checkpoint");
    const std::string runDir = cfg.runDir();
    QVERIFY(fs::exists(runDir + "/weights/last.state"));
    QVERIFY(fs::exists(runDir + "/weights/last.safetensors"));

    Trainer resumed(cfg);
    resumed.setResume(true);
    const RunSummary done = resumed.run(nullptr, nullptr);
    QVERIFY(!done.stopped);

    const auto a = weightsOf(tinyConfig(m_data, m_root + "/whole", 2, 96).runDir() + "/weights/last.safetensors");
    const auto b = weightsOf(runDir + "/weights/last.safetensors");
    QCOMPARE(a.size(), b.size());
    double maxDiff = 0;
    for (const auto& [k, v] : a) {
        QVERIFY2(b.count(k), k.c_str());
        maxDiff = std::max(maxDiff, (v.to(torch::kDouble) - b.at(k).to(torch::kDouble)).abs().max().item<double>());
    }
    qInfo("max |resumed - uninterrupted| over all weights: %.3g", maxDiff);
    QVERIFY2(maxDiff <= 1e-6, qPrintable(QString("resumed run differs by %1").arg(maxDiff)));
}

void TestTrainer::divergingRunKeepsCheckpoint()
{
    // One good epoch, then the same run resumed with a loss that overflows.
    ExperimentConfig cfg = tinyConfig(m_data, m_root + "/nan", 3, 96);
    TrainerControl control;
    StopAfter stopper(control, 5); // first step of epoch 2
    Trainer(cfg).run(&stopper, &control);
    const std::string last = cfg.runDir() + "/weights/last.safetensors";
    const std::string before = readFile(last);

    // A huge learning rate alone saturates (BN and sigmoids keep the loss finite), so the loss is
    // pushed past float32's range through its gain, as an exploding run would.
    cfg.train.box = 1e39;
    Trainer wild(cfg);
    wild.setResume(true);
    try {
        wild.run(nullptr, nullptr);
        QFAIL("a diverging run finished without an error");
    } catch (const TrainingError& e) {
        const QString msg = e.what();
        QVERIFY2(msg.contains("NaN") || msg.contains("infinite"), e.what());
        QVERIFY2(msg.contains("checkpoint"), e.what());
    }
    QVERIFY2(readFile(last) == before, "the last good checkpoint was overwritten");
    for (const auto& f : fs::recursive_directory_iterator(cfg.runDir()))
        QVERIFY2(f.path().extension() != ".tmp", f.path().c_str());
}

void TestTrainer::resultsCsvHasUltralyticsColumns()
{
    const std::string csv = readFile(tinyConfig(m_data, m_root + "/whole", 2, 96).runDir() + "/results.csv");
    const std::string header = csv.substr(0, csv.find('\n'));
    for (const char* col : {"epoch", "train/box_loss", "train/cls_loss", "train/dfl_loss", "metrics/precision(B)",
                            "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)", "lr/pg0", "lr/pg1", "lr/pg2"})
        QVERIFY2(header.find(col) != std::string::npos, col);
    QCOMPARE(static_cast<int>(std::count(csv.begin(), csv.end(), '\n')), 3); // header + 2 epochs
}

void TestTrainer::distillResumeMatchesUninterrupted()
{
    // A random-init wider teacher is enough: what matters is that optimizer, EMA, adapters, the
    // MGD generator and its mask RNG, and the KD schedules all come back from last.state.
    const std::string teacherPath = m_root + "/teacher.safetensors";
    {
        LoadedModel t = loadModel("yolov8s.yaml", {torch::kCPU, 3, m_names});
        saveModel(teacherPath, *t.model, m_names, 96);
    }
    auto config = [&](const std::string& project) {
        const std::string yaml =
            "name: kd\nproject: " + project + "\ndata: " + m_data + "\nteacher: {weights: " + teacherPath +
            "}\nstudent: {arch: yolov8n.yaml}\n"
            "train: {epochs: 2, imgsz: 96, batch: 8, warmup_epochs: 1, close_mosaic: 1, seed: 5, workers: 2}\n"
            "distill: {feature: {type: mgd, alpha: 0.5}, schedule: {warmup_epochs: 1, decay: linear}}\n";
        return armConfig(parseExperiment(yaml, "kd.yaml", project), "logit+loc+mgd");
    };
    const ExperimentConfig whole = config(m_root + "/kd-whole");
    Trainer(whole).run(nullptr, nullptr);

    const ExperimentConfig split = config(m_root + "/kd-split");
    TrainerControl control;
    StopAfter stopper(control, 6); // mid epoch 2
    QVERIFY(Trainer(split).run(&stopper, &control).stopped);
    const auto state = readSafetensors(split.runDir() + "/weights/last.state");
    bool adapters = false;
    for (const auto& [k, v] : state.tensors)
        adapters = adapters || k.rfind("distiller/", 0) == 0;
    QVERIFY2(adapters, "last.state holds no distiller tensors");
    Trainer resumed(split);
    resumed.setResume(true);
    QVERIFY(!resumed.run(nullptr, nullptr).stopped);

    const auto a = weightsOf(whole.runDir() + "/weights/last.safetensors");
    const auto b = weightsOf(split.runDir() + "/weights/last.safetensors");
    double maxDiff = 0;
    for (const auto& [k, v] : a)
        maxDiff = std::max(maxDiff, (v.to(torch::kDouble) - b.at(k).to(torch::kDouble)).abs().max().item<double>());
    qInfo("distillation: max |resumed - uninterrupted| = %.3g", maxDiff);
    QVERIFY2(maxDiff <= 1e-6, qPrintable(QString("resumed distillation run differs by %1").arg(maxDiff)));

    // Every KD component is logged per step and per epoch.
    const std::string csv = readFile(whole.runDir() + "/results.csv");
    const std::string header = csv.substr(0, csv.find('\n'));
    for (const char* col : {"train/kd_logit", "train/kd_loc", "train/kd_feat_15", "train/kd_feat_21", "train/kd_feat"})
        QVERIFY2(header.find(col) != std::string::npos, (std::string(col) + " missing from " + header).c_str());
    const std::string events = readFile(whole.runDir() + "/events.jsonl");
    QVERIFY(events.find("\"kd_loc\"") != std::string::npos);
    QVERIFY(events.find("\"kd_feat_18\"") != std::string::npos);
}

void TestTrainer::stopDuringValidationDiscardsIt()
{
    // The "whole" run of resumeMatchesUninterrupted is the reference (same config, other project).
    const std::string reference = tinyConfig(m_data, m_root + "/whole", 2, 96).runDir();
    QVERIFY(fs::exists(reference + "/results.csv"));
    const ExperimentConfig cfg = tinyConfig(m_data, m_root + "/valstop", 2, 96);
    TrainerControl control;
    StopOnState stopper(control, RunState::Validating);
    const RunSummary s = Trainer(cfg).run(&stopper, &control);
    QVERIFY(s.stopped);
    const std::string csvPath = cfg.runDir() + "/results.csv";
    const std::string csv = fs::exists(csvPath) ? readFile(csvPath) : std::string();
    QVERIFY2(std::count(csv.begin(), csv.end(), '\n') <= 1, ("a partial validation reached results.csv:\n" + csv).c_str());
    QVERIFY2(!fs::exists(cfg.runDir() + "/weights/best.safetensors"), "a partial validation was marked best");
    QVERIFY(s.bestMap50_95 == 0);

    Trainer resumed(cfg);
    resumed.setResume(true);
    QVERIFY(!resumed.run(nullptr, nullptr).stopped);
    QCOMPARE(QString::fromStdString(readFile(cfg.runDir() + "/results.csv")),
             QString::fromStdString(readFile(reference + "/results.csv")));
    QCOMPARE(stateDiff(cfg.runDir() + "/weights/last.state", reference + "/weights/last.state"), 0.0);
    QCOMPARE(QString::fromStdString(lossEvents(cfg.runDir() + "/events.jsonl")),
             QString::fromStdString(lossEvents(reference + "/events.jsonl")));
}

void TestTrainer::midAccumulationStopIsBitExact()
{
    // nbs 32 / batch 8 without warm-up: the optimizer steps every 4 batches, so a stop after 6
    // batches is in the middle of the second accumulation (and of epoch 2).
    auto config = [&](const std::string& project) {
        ExperimentConfig c = tinyConfig(m_data, project, 2, 96);
        c.train.warmupEpochs = 0;
        c.train.nbs = 32;
        return c;
    };
    const ExperimentConfig whole = config(m_root + "/acc-whole");
    Trainer(whole).run(nullptr, nullptr);
    for (const int stopAfter : {2, 6}) {
        const ExperimentConfig split = config(m_root + "/acc-split-" + std::to_string(stopAfter));
        TrainerControl control;
        StopAfter stopper(control, stopAfter);
        QVERIFY(Trainer(split).run(&stopper, &control).stopped);
        Trainer resumed(split);
        resumed.setResume(true);
        QVERIFY(!resumed.run(nullptr, nullptr).stopped);
        const double diff = stateDiff(whole.runDir() + "/weights/last.state", split.runDir() + "/weights/last.state");
        qInfo("stop after %d batches: max |resumed - uninterrupted| over last.state = %.3g", stopAfter, diff);
        QCOMPARE(diff, 0.0);
        // The resumed epoch's mean covers all its batches; each step is logged once.
        QCOMPARE(QString::fromStdString(readFile(split.runDir() + "/results.csv")),
                 QString::fromStdString(readFile(whole.runDir() + "/results.csv")));
        QCOMPARE(QString::fromStdString(lossEvents(split.runDir() + "/events.jsonl")),
                 QString::fromStdString(lossEvents(whole.runDir() + "/events.jsonl")));
    }
}

void TestTrainer::trainerHoldsRunLock()
{
    const ExperimentConfig cfg = tinyConfig(m_data, m_root + "/locked", 1, 96);
    LockProbe probe(cfg.runDir());
    Trainer(cfg).run(&probe, nullptr);
    QVERIFY(probe.probed);
    QVERIFY2(probe.message.find("pid " + std::to_string(::getpid())) != std::string::npos, probe.message.c_str());
    RunLock after(cfg.runDir()); // released when the run ends
}

void TestTrainer::yolo26TrainsEndToEnd()
{
    // A YOLO26 student through the whole Trainer: both heads trained by the end-to-end loss,
    // validation on the NMS-free output, checkpoints that load back as an end-to-end model;
    // `ema: false` leaves the saved model equal to the trained one.
    const std::string yaml = "name: tiny26\nproject: " + m_root + "\ndata: " + m_data +
                             "\nstudent: {arch: yolo26n.yaml}\n"
                             "train: {epochs: 2, imgsz: 96, batch: 8, warmup_epochs: 1, close_mosaic: 1, seed: 3, "
                             "workers: 2, val_batch: 16, ema: false}\n";
    const ExperimentConfig cfg = armConfig(parseExperiment(yaml, "tiny26.yaml", m_root), "baseline");
    const RunSummary done = Trainer(cfg).run(nullptr, nullptr);
    QVERIFY(!done.stopped);
    const std::string csv = readFile(cfg.runDir() + "/results.csv");
    QVERIFY2(csv.find("train/dfl_loss") != std::string::npos, csv.c_str());
    auto loaded = loadModel(cfg.runDir() + "/weights/last.safetensors");
    QVERIFY(loaded.model->endToEnd());
    QCOMPARE(loaded.model->nc(), int64_t(3));
    loaded.model->eval();
    torch::NoGradGuard g;
    QCOMPARE(loaded.model->forward(torch::rand({1, 3, 96, 96})).sizes().vec(), (std::vector<int64_t>{1, 12 * 12 + 6 * 6 + 3 * 3, 6})); // k = min(300, anchors)
    const auto state = readSafetensors(cfg.runDir() + "/weights/last.state");
    int compared = 0;
    for (const auto& [k, v] : state.tensors) {
        // Parameters only: BN statistics move with every forward, the average only at optimizer steps.
        if (k.rfind("model/", 0) != 0 || !v.is_floating_point() || k.find("running_") != std::string::npos)
            continue;
        const auto e = state.get("ema/" + k.substr(6));
        QVERIFY2(e.defined(), k.c_str());
        QVERIFY2(torch::equal(e, v), qPrintable(QString::fromStdString("ema differs from the model with ema: false: " + k)));
        ++compared;
    }
    QVERIFY(compared > 100);
}

QTEST_APPLESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
