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
#include "util/threads.h"

#include "testdata.h"

#include <QtTest>

#include <filesystem>

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

QTEST_APPLESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
