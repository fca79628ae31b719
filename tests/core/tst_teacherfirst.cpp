// The teacher-first workflow: COCO weights re-headed for a data set's own classes (plain
// training and every model of a study), a teacher fine-tuned from yolov8s inside the study and
// reused on the next invocation, the best checkpoint chosen after the KD warm-up, and the
// multi-seed comparison.
#include "distill/weightselection.h"
#include "io/weights.h"
#include "train/experimentconfig.h"
#include "train/studyrunner.h"
#include "train/studyseeds.h"
#include "train/studytable.h"
#include "train/trainerobserver.h"
#include "util/error.h"

#include "testdata.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace retort;

namespace {

struct LogObserver : TrainerObserver
{
    std::vector<std::string> logs;
    std::map<std::string, int> steps;
    std::string arm;
    void onTrainStart(const RunInfo& info) override { arm = info.runDir; }
    void onStep(const StepMetrics&) override { ++steps[arm]; }
    void onLog(const std::string& line) override { logs.push_back(line); }
    bool logged(const std::string& part) const
    {
        for (const auto& l : logs)
            if (l.find(part) != std::string::npos)
                return true;
        return false;
    }
};

bool sameTensor(const torch::Tensor& a, const torch::Tensor& b)
{
    return a.sizes() == b.sizes() && a.to(torch::kFloat).equal(b.to(torch::kFloat));
}

std::map<std::string, torch::Tensor> byName(DetectionModelImpl& m)
{
    std::map<std::string, torch::Tensor> out;
    for (auto& [k, v] : stateDict(m))
        out.emplace(k, v);
    return out;
}

} // namespace

class TestTeacherFirst : public QObject
{
    Q_OBJECT
private slots:
    void reheadsCocoWeightsForOwnClasses();
    void keepsTheHeadWhenClassesMatch();
    void pretrainedFalseKeepsOnlyTheArchitecture();
    void teacherFineTunedInsideTheStudyAndReused();
    void seedsArePairedWithTheirBaseline();
    void inheritStartsTheStudentFromTheTeacher();
};

void TestTeacherFirst::reheadsCocoWeightsForOwnClasses()
{
    RETORT_REQUIRE_SHARED_DATA();
    const std::string path = test::sharedPath("weights/yolov8n.safetensors");
    const std::vector<std::string> names{"RBC", "WBC", "Platelets"};
    TrainingStart s = loadForTraining(path, names, torch::kCPU);
    QVERIFY(s.reheaded);
    QCOMPARE(s.loaded.model->nc(), int64_t(3));
    QCOMPARE(s.loaded.names, names);
    QVERIFY2(s.message.find("re-headed for 3 classes") != std::string::npos, s.message.c_str());
    QVERIFY2(s.message.find("80 -> 3 classes") != std::string::npos, s.message.c_str());

    LoadedModel coco = loadModel(path);
    auto src = byName(*coco.model);
    auto dst = byName(*s.loaded.model);
    // Everything but the Detect class branch is transferred exactly: backbone, neck, box branch, DFL.
    int transferred = 0, fresh = 0;
    for (auto& [k, v] : dst) {
        const bool classBranch = k.rfind("model.22.cv3.", 0) == 0;
        if (k.find("num_batches_tracked") != std::string::npos)
            continue;
        if (!classBranch) {
            QVERIFY2(src.count(k) && sameTensor(v, src.at(k)), k.c_str());
            ++transferred;
        } else if (src.count(k) && src.at(k).sizes() != v.sizes()) {
            ++fresh;
        }
    }
    QVERIFY(transferred > 250);
    QVERIFY(fresh >= 6); // cv3.{0,1,2}.2 weight and bias at least
    QCOMPARE(s.total - s.transferred, static_cast<int>(dst.size()) - s.transferred);
    QVERIFY(s.transferred < s.total);
    // The new class convs carry Ultralytics' bias prior: log(5 / nc / (640 / stride)^2).
    const double strides[3] = {8, 16, 32};
    for (int i = 0; i < 3; ++i) {
        const auto bias = dst.at("model.22.cv3." + std::to_string(i) + ".2.bias");
        QCOMPARE(bias.size(0), int64_t(3));
        const double expect = std::log(5.0 / 3 / std::pow(640.0 / strides[i], 2));
        QVERIFY(std::abs(bias[0].item<double>() - expect) < 1e-5);
        QVERIFY(bias.eq(bias[0]).all().item<bool>());
    }
}

void TestTeacherFirst::keepsTheHeadWhenClassesMatch()
{
    RETORT_REQUIRE_SHARED_DATA();
    const std::string path = test::sharedPath("weights/yolov8n.safetensors");
    LoadedModel coco = loadModel(path);
    TrainingStart s = loadForTraining(path, coco.names, torch::kCPU);
    QVERIFY(!s.reheaded);
    QCOMPARE(s.transferred, s.total);
    auto a = byName(*coco.model);
    for (auto& [k, v] : byName(*s.loaded.model))
        QVERIFY2(sameTensor(v, a.at(k)), k.c_str());
    // Same count but other class names: the head means other classes, so it is re-headed.
    std::vector<std::string> other(80);
    for (int i = 0; i < 80; ++i)
        other[static_cast<size_t>(i)] = "part" + std::to_string(i);
    QVERIFY(loadForTraining(path, other, torch::kCPU).reheaded);
}

void TestTeacherFirst::pretrainedFalseKeepsOnlyTheArchitecture()
{
    RETORT_REQUIRE_SHARED_DATA();
    const std::string path = test::sharedPath("weights/yolov8n.safetensors");
    TrainingStart s = loadForTraining(path, {"a", "b"}, torch::kCPU, false);
    QCOMPARE(s.transferred, 0);
    QCOMPARE(s.loaded.model->nc(), int64_t(2));
    LoadedModel coco = loadModel(path);
    QVERIFY(!sameTensor(byName(*s.loaded.model).at("model.0.conv.weight"), byName(*coco.model).at("model.0.conv.weight")));
    QCOMPARE(s.loaded.model->spec().scale, std::string("n"));
}

void TestTeacherFirst::teacherFineTunedInsideTheStudyAndReused()
{
    RETORT_REQUIRE_SHARED_DATA();
    const std::string root = test::tempDir("teacherfirst");
    // 2 synthetic classes; the teacher is the 80-class COCO yolov8s, re-headed and fine-tuned.
    const std::string yaml =
        "name: tf\nproject: " + root + "\ndata: " + root + "/data/shapes/shapes.yaml\n"
        "synth: {images: 24, imgsz: 64, classes: 2, seed: 5, val_fraction: 0.25}\n"
        "teacher: {weights: " + test::sharedPath("weights/yolov8s.safetensors") + ", finetune_epochs: 1}\n"
        "student: {weights: " + test::sharedPath("weights/yolov8n.safetensors") + "}\n"
        "train: {epochs: 2, imgsz: 64, batch: 8, workers: 1, seed: 0, val_batch: 8, close_mosaic: 0}\n"
        "distill:\n  logit: {weight: 0.25}\n  feature: {type: pkd, weight: 1.0, adapter_warmup_steps: 2}\n"
        "  schedule: {warmup_epochs: 1}\n"
        "arms: [logit+pkd]\n";
    const ExperimentConfig cfg = parseExperiment(yaml, "tf.yaml", root);
    QCOMPARE(cfg.bestFromEpoch(), 1);
    {
        LogObserver obs;
        StudyRunner runner(cfg);
        const StudyResult r = runner.run(&obs, nullptr);
        QVERIFY(!r.stopped);
        QVERIFY(obs.logged("teacher: fine-tuning"));
        QVERIFY(obs.logged("re-headed for 2 classes"));
        QVERIFY(obs.logged("80 -> 2 classes"));
        QVERIFY(obs.logged("adapter warm-up: step 2/2"));
        QVERIFY(fs::exists(root + "/tf/teacher/weights/best.safetensors"));
        QCOMPARE(runner.teacherWeights(), root + "/tf/teacher/weights/best.safetensors");
        QVERIFY(obs.steps[root + "/tf/teacher"] > 0);
        QVERIFY(obs.steps[root + "/tf/logit+pkd"] > 0);
        QCOMPARE(r.rows.size(), size_t(2));
        QCOMPARE(r.rows[0].arm, std::string("teacher"));
        QCOMPARE(r.rows[0].epochs, 1);
        // The teacher's row is the fine-tuned teacher, evaluated on the data's 2 classes.
        QVERIFY(r.rows[0].map50_95 >= 0);
        // Best is chosen after the 1-epoch KD warm-up: the second epoch.
        QCOMPARE(r.rows[1].bestEpoch, 2);
        QVERIFY(r.rows[1].lastMap50_95 >= 0);
        // The arm's saved config still names the teacher as the user gave it, so a resume
        // prepares (reuses) the same fine-tuned teacher.
        const ExperimentConfig saved = loadExperiment(root + "/tf/logit+pkd/args.yaml");
        QCOMPARE(saved.teacher.finetuneEpochs, 1);
        QCOMPARE(saved.distill.feature.type, std::string("pkd"));
    }
    {
        LogObserver obs;
        StudyRunner runner(cfg);
        const StudyResult r = runner.run(&obs, nullptr);
        QVERIFY(!r.stopped);
        QVERIFY(obs.logged("teacher: reusing the finished run"));
        QCOMPARE(obs.steps.size(), size_t(0)); // nothing trained again
        QCOMPARE(r.rows.size(), size_t(2));
    }
}

void TestTeacherFirst::seedsArePairedWithTheirBaseline()
{
    auto row = [](const std::string& arm, uint64_t seed, double best, double last) {
        StudyRow r;
        r.arm = arm;
        r.seed = seed;
        r.map50_95 = best;
        r.lastMap50_95 = last;
        return r;
    };
    StudyRow teacher = row("teacher", 0, 0.60, 0.60);
    const std::vector<StudyRow> rows{teacher,
                                     row("baseline", 0, 0.40, 0.38), row("kd", 0, 0.45, 0.44),
                                     row("baseline", 1, 0.50, 0.49), row("kd", 1, 0.53, 0.50),
                                     row("baseline", 2, 0.42, 0.40), row("kd", 2, 0.46, 0.45)};
    const auto s = summariseSeeds(rows);
    QCOMPARE(s.size(), size_t(2));
    QCOMPARE(s[1].arm, std::string("kd"));
    QCOMPARE(s[1].seeds, 3);
    // Paired gains at the best epoch: 0.05, 0.03, 0.04 -> mean 0.04, sd 0.01.
    QVERIFY(std::abs(s[1].gainBestMean - 0.04) < 1e-12);
    QVERIFY(std::abs(s[1].gainBestSd - 0.01) < 1e-12);
    // At the last epoch: 0.06, 0.01, 0.05 -> mean 0.04, sd sqrt(0.0007) = 0.0264575.
    QVERIFY(std::abs(s[1].gainLastMean - 0.04) < 1e-12);
    QVERIFY(std::abs(s[1].gainLastSd - 0.0264575131) < 1e-9);
    // Unpaired, the arms' spread (sd of 0.45, 0.53, 0.46 = 0.0435890) would hide the gain.
    QVERIFY(std::abs(s[1].bestSd - 0.0435889894) < 1e-9);
    QVERIFY(std::abs(s[1].retentionMean - (0.48 / 0.60)) < 1e-12);
    const std::string md = studySeedsMarkdown(rows, "t", 1, "fitness");
    QVERIFY2(md.find("| kd | 3 | 0.4800 ± 0.0436 | 0.4633 ± 0.0321 | **+0.0400 ± 0.0100** | +0.0400 ± 0.0265 |") !=
                 std::string::npos,
             md.c_str());
    QVERIFY(md.find("from epoch 2 on") != std::string::npos);
    QVERIFY(md.find("seed 2") != std::string::npos);
}

void TestTeacherFirst::inheritStartsTheStudentFromTheTeacher()
{
    // The study's teacher (trained from scratch for 1 epoch), then a yolov8n student with the
    // term `inherit` and one without, both at a learning rate too small to move a weight by
    // more than ~1e-5: the inherit arm's weights are the teacher's selected channels, the
    // baseline's its own random start.
    const std::string root = test::tempDir("inheritarm");
    const std::string yaml =
        "name: ih\nproject: " + root + "\ndata: " + root + "/data/shapes/shapes.yaml\n"
        "synth: {images: 24, imgsz: 64, classes: 2, seed: 3, val_fraction: 0.25}\n"
        "teacher: {arch: yolov8s.yaml, pretrain_epochs: 1}\n"
        "student: {arch: yolov8n.yaml}\n"
        "train: {epochs: 1, imgsz: 64, batch: 8, workers: 1, seed: 0, val_batch: 8, close_mosaic: 0,\n"
        "        optimizer: AdamW, lr0: 1.0e-6, warmup_epochs: 0, warmup_bias_lr: 0.0}\n"
        "arms: [baseline, inherit]\n";
    const ExperimentConfig cfg = parseExperiment(yaml, "ih.yaml", root);
    LogObserver obs;
    StudyRunner runner(cfg);
    const StudyResult r = runner.run(&obs, nullptr);
    QVERIFY(!r.stopped);
    QVERIFY(obs.logged("inherit: the student starts from the teacher by weight selection"));

    LoadedModel teacher = loadModel(runner.teacherWeights());
    auto distanceToSelection = [&](const std::string& arm) {
        LoadedModel trained = loadModel(root + "/ih/" + arm + "/weights/last.safetensors");
        LoadedModel selected = loadModel(root + "/ih/" + arm + "/weights/last.safetensors");
        const InheritReport rep = inheritWeights(*selected.model, *teacher.model);
        if (rep.tensors != rep.total)
            return -1.0;
        const auto want = byName(*selected.model);
        double worst = 0;
        for (const auto& [name, value] : byName(*trained.model))
            if (name.find("conv.weight") != std::string::npos)
                worst = std::max(worst, (value - want.at(name)).abs().max().item<double>());
        return worst;
    };
    const double inherited = distanceToSelection("inherit");
    const double baseline = distanceToSelection("baseline");
    QVERIFY2(inherited >= 0 && inherited < 1e-3, qPrintable(QString::number(inherited)));
    QVERIFY2(baseline > 0.05, qPrintable(QString::number(baseline)));
}

QTEST_GUILESS_MAIN(TestTeacherFirst)
#include "tst_teacherfirst.moc"
