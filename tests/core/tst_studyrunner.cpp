// StudyRunner end to end on a tiny real experiment: synthetic data generated on demand, a teacher
// pre-trained from scratch, a baseline and a distilled arm, the table (retention, gain, params,
// GFLOPs, latency) in study.csv and study.md; a second run reuses every finished run; a study
// stopped in an arm resumes that arm from its checkpoint.
#include "train/experimentconfig.h"
#include "train/studyrunner.h"
#include "train/studytable.h"
#include "train/trainercontrol.h"
#include "train/trainerobserver.h"

#include "testdata.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace retort;

namespace {

struct CountingObserver : TrainerObserver
{
    std::map<std::string, int> stepsPerArm;
    std::string arm;
    std::vector<std::string> logs;
    TrainerControl* stopAfterFirstStepOf = nullptr;
    std::string stopArm;

    void onTrainStart(const RunInfo& info) override { arm = info.arm; }
    void onStep(const StepMetrics&) override
    {
        ++stepsPerArm[arm];
        if (stopAfterFirstStepOf && arm == stopArm)
            stopAfterFirstStepOf->requestStop();
    }
    void onLog(const std::string& line) override { logs.push_back(line); }
    int totalSteps() const
    {
        int n = 0;
        for (const auto& [a, s] : stepsPerArm)
            n += s;
        return n;
    }
};

ExperimentConfig tinyExperiment(const std::string& root, const std::string& name)
{
    const std::string yaml = "name: " + name + "\nproject: " + root + "\ndata: " + root +
                             "/data/shapes/shapes.yaml\n"
                             "synth: {images: 40, imgsz: 64, classes: 2, seed: 3, val_fraction: 0.25}\n"
                             "teacher: {arch: yolov8s.yaml, pretrain_epochs: 1}\n"
                             "student: {arch: yolov8n.yaml}\n"
                             "train: {epochs: 2, imgsz: 64, batch: 8, workers: 1, seed: 0, val_batch: 8, close_mosaic: 0}\n"
                             "distill:\n  logit: {weight: 0.25, temperature: 2.0}\n"
                             "arms: [baseline, logit]\n";
    return parseExperiment(yaml, name + ".yaml", root);
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

class TestStudyRunner : public QObject
{
    Q_OBJECT
private slots:
    void runsEveryArmAndWritesTheTable();
    void stoppedStudyResumesTheArm();
    void markdownTable();
};

void TestStudyRunner::runsEveryArmAndWritesTheTable()
{
    const std::string root = test::tempDir("study");
    const ExperimentConfig cfg = tinyExperiment(root, "tiny");
    QVERIFY(!fs::exists(cfg.data));

    CountingObserver obs;
    StudyResult r = StudyRunner(cfg).run(&obs, nullptr);
    QVERIFY(!r.stopped);
    QVERIFY2(fs::exists(cfg.data), "the synthetic data set is generated when absent");
    QCOMPARE(obs.stepsPerArm["teacher"], 4); // 30 train images / batch 8 = 4 batches, 1 epoch
    QCOMPARE(obs.stepsPerArm["baseline"], 8);
    QCOMPARE(obs.stepsPerArm["logit"], 8);

    QCOMPARE(int(r.rows.size()), 3);
    const StudyRow& teacher = r.rows[0];
    const StudyRow& baseline = r.rows[1];
    const StudyRow& logit = r.rows[2];
    QCOMPARE(QString::fromStdString(teacher.arm), QStringLiteral("teacher"));
    QCOMPARE(QString::fromStdString(baseline.arm), QStringLiteral("baseline"));
    QCOMPARE(QString::fromStdString(baseline.method), QStringLiteral("no distillation"));
    QCOMPARE(QString::fromStdString(logit.arm), QStringLiteral("logit"));
    QCOMPARE(teacher.retention, 1.0);
    for (const StudyRow* row : {&baseline, &logit}) {
        if (teacher.map50_95 > 0)
            QVERIFY(qAbs(row->retention - row->map50_95 / teacher.map50_95) < 1e-12);
        else
            QCOMPARE(row->retention, -1.0);
        QVERIFY(qAbs(row->gain - (row->map50_95 - baseline.map50_95)) < 1e-12);
        QCOMPARE(row->epochs, 2);
        QVERIFY(fs::exists(fs::path(row->runDir) / "weights" / "best.safetensors"));
    }
    // Same student architecture in both arms; the yolov8s teacher is ~3.7x larger.
    QCOMPARE(baseline.params, logit.params);
    QCOMPARE(baseline.gflops, logit.gflops);
    QVERIFY(teacher.params > 3 * baseline.params);
    QVERIFY(teacher.gflops > 3 * baseline.gflops);
    for (const StudyRow& row : r.rows)
        QVERIFY2(row.msPerImage > 0 && row.msPerImage < 10000, qPrintable(QString::number(row.msPerImage)));

    // study.csv round-trips; study.md holds one line per arm.
    QVERIFY(fs::exists(r.csvPath));
    const std::vector<StudyRow> read = readStudyCsv(r.csvPath);
    QCOMPARE(int(read.size()), 3);
    for (size_t i = 0; i < read.size(); ++i) {
        QCOMPARE(read[i].arm, r.rows[i].arm);
        QVERIFY(qAbs(read[i].map50_95 - r.rows[i].map50_95) < 1e-4);
        QCOMPARE(read[i].params, r.rows[i].params);
    }
    const std::string md = readFile(r.mdPath);
    // (whichever student is best is in bold, so match from the method column on)
    QVERIFY2(md.find("baseline") != std::string::npos && md.find(" | no distillation | 2 | 0 | ") != std::string::npos,
             md.c_str());
    QVERIFY2(md.find(" | logit | 2 | 0 | ") != std::string::npos, md.c_str());
    QVERIFY(md.find("Retention = student mAP50-95 / teacher mAP50-95") != std::string::npos);

    // Again: every run is finished, so nothing trains, and the table is the same.
    CountingObserver again;
    const StudyResult r2 = StudyRunner(cfg).run(&again, nullptr);
    QCOMPARE(again.totalSteps(), 0);
    QCOMPARE(int(r2.rows.size()), 3);
    for (size_t i = 0; i < r2.rows.size(); ++i)
        QCOMPARE(r2.rows[i].map50_95, r.rows[i].map50_95);
    int reused = 0;
    for (const auto& line : again.logs)
        reused += line.find("reusing the finished run") != std::string::npos;
    QCOMPARE(reused, 3); // the teacher's pre-training and both arms
}

void TestStudyRunner::stoppedStudyResumesTheArm()
{
    const std::string root = test::tempDir("studystop");
    const ExperimentConfig cfg = tinyExperiment(root, "stopped");

    TrainerControl control;
    CountingObserver obs;
    obs.stopAfterFirstStepOf = &control;
    obs.stopArm = "baseline";
    const StudyResult stopped = StudyRunner(cfg).run(&obs, &control);
    QVERIFY(stopped.stopped);
    // The table written so far holds the finished rows only: the teacher's.
    QCOMPARE(int(stopped.rows.size()), 1);
    QCOMPARE(QString::fromStdString(stopped.rows[0].arm), QStringLiteral("teacher"));
    const fs::path baselineDir = fs::path(cfg.studyDir()) / "baseline";
    QVERIFY(fs::exists(baselineDir / "weights" / "last.state"));
    QCOMPARE(obs.stepsPerArm["logit"], 0);
    const int doneBeforeStop = obs.stepsPerArm["baseline"];
    QVERIFY(doneBeforeStop >= 1 && doneBeforeStop < 8);

    // Started again: the teacher is reused, the baseline continues from its checkpoint (only its
    // remaining steps run), then the logit arm trains, and the table is written.
    CountingObserver resumed;
    const StudyResult r = StudyRunner(cfg).run(&resumed, nullptr);
    QVERIFY(!r.stopped);
    QCOMPARE(resumed.stepsPerArm["teacher"], 0);
    QCOMPARE(resumed.stepsPerArm["baseline"], 8 - doneBeforeStop);
    QCOMPARE(resumed.stepsPerArm["logit"], 8);
    QCOMPARE(int(r.rows.size()), 3);
    QVERIFY(fs::exists(r.csvPath));
}

void TestStudyRunner::markdownTable()
{
    StudyRow teacher;
    teacher.arm = teacher.method = "teacher";
    teacher.map50_95 = 0.5;
    teacher.retention = 1;
    StudyRow baseline;
    baseline.arm = "baseline";
    baseline.method = "no distillation";
    baseline.epochs = 10;
    baseline.seed = 2;
    baseline.map50_95 = 0.4;
    baseline.retention = 0.8;
    StudyRow kd = baseline;
    kd.arm = kd.method = "logit";
    kd.map50_95 = 0.45;
    kd.retention = 0.9;
    kd.gain = 0.05;
    const std::string md = studyMarkdown({teacher, baseline, kd}, "t");
    // Given weights: the teacher was not trained in the study, so no epochs or seed are shown.
    QVERIFY2(md.find("| teacher | teacher | – | – | 0.5000 |") != std::string::npos, md.c_str());
    QVERIFY2(md.find("| baseline | no distillation | 10 | 2 | 0.4000 |") != std::string::npos, md.c_str());
    // The best student is bold, with its gain over the baseline.
    QVERIFY2(md.find("| **logit** | logit | 10 | 2 | **0.4500** |") != std::string::npos, md.c_str());
    QVERIFY2(md.find("90.0 % | +0.0500 |") != std::string::npos, md.c_str());
    teacher.epochs = 12;
    QVERIFY(studyMarkdown({teacher, baseline}, "t").find("| teacher | teacher | 12 | 0 |") != std::string::npos);
}

QTEST_APPLESS_MAIN(TestStudyRunner)
#include "tst_studyrunner.moc"
