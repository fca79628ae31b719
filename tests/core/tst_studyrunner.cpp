// StudyRunner end to end on a tiny real experiment: synthetic data generated on demand, a teacher
// pre-trained from scratch, a baseline and a distilled arm, the table (retention, gain, params,
// GFLOPs, latency) in study.csv and study.md; a second run reuses every finished run; a study
// stopped in an arm resumes that arm from its checkpoint.
#include "train/experimentconfig.h"
#include "train/studyrunner.h"
#include "train/studytable.h"
#include "train/trainercontrol.h"
#include "train/trainerobserver.h"
#include "util/error.h"

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
    void markdownPerClass();
    void perClassComparison_data();
    void perClassComparison();
    void csvRoundTrip();
    void readsOriginalCsv();
    void rejectsBadClassesField();
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
    // The validator's size buckets and per-class APs reach the row (two synthetic classes).
    for (const StudyRow& row : r.rows) {
        QCOMPARE(int(row.perClass.size()), 2);
        for (const double ap : {row.apSmall, row.apMedium, row.apLarge, row.recallSmall})
            QVERIFY(ap == -1 || (ap >= 0 && ap <= 1));
    }
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
        QCOMPARE(int(read[i].perClass.size()), int(r.rows[i].perClass.size()));
        QVERIFY(qAbs(read[i].apSmall - r.rows[i].apSmall) < 1e-4);
    }
    const std::string md = readFile(r.mdPath);
    // (whichever student is best is in bold, so match from the method column on)
    QVERIFY2(md.find("baseline") != std::string::npos && md.find(" | no distillation | 2 | 0 | ") != std::string::npos,
             md.c_str());
    QVERIFY2(md.find(" | logit | 2 | 0 | ") != std::string::npos, md.c_str());
    QVERIFY(md.find("Retention = student mAP50-95 / teacher mAP50-95") != std::string::npos);
    QVERIFY2(md.find("## Per-class AP50-95") != std::string::npos, md.c_str());

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

    // The size buckets, the last-epoch mAP and the best epoch; "–" where there is none.
    kd.apSmall = 0.1234;
    kd.apMedium = 0.4567;
    kd.apLarge = 0.789;
    kd.recallSmall = 0.25;
    kd.lastMap50_95 = 0.4321;
    kd.bestEpoch = 7;
    const std::string md2 = studyMarkdown({teacher, baseline, kd}, "t");
    QVERIFY2(md2.find("| retention | gain vs baseline | AP_S | AP_M | AP_L | R_S | last | best ep. | params |") !=
                 std::string::npos,
             md2.c_str());
    QVERIFY2(md2.find("90.0 % | +0.0500 | 0.1234 | 0.4567 | 0.7890 | 0.2500 | 0.4321 | 7 | 0.00 M |") !=
                 std::string::npos,
             md2.c_str());
    QVERIFY2(md2.find("80.0 % | – | – | – | – | – | – | – | 0.00 M |") != std::string::npos, md2.c_str());
    QVERIFY(md2.find("32²–96²") != std::string::npos);
    // No row has per-class APs (a study.csv of the original format): no per-class section.
    QVERIFY(md2.find("Per-class") == std::string::npos);
}

namespace {

StudyRow classRow(const std::string& arm, double map, const std::vector<std::pair<std::string, double>>& aps)
{
    StudyRow r;
    r.arm = r.method = arm;
    r.map50_95 = map;
    for (size_t i = 0; i < aps.size(); ++i)
        r.perClass.push_back({aps[i].first, int64_t(10 * (i + 1)), aps[i].second});
    return r;
}

} // namespace

void TestStudyRunner::markdownPerClass()
{
    // The baseline beats one distilled arm; "logit+loc" is the best distilled arm, not "logit".
    const std::vector<StudyRow> rows{
        classRow("teacher", 0.6, {{"person", 0.7}, {"car", 0.6}, {"dog", 0.5}, {"cat", 0.4}, {"bird", 0.3}}),
        classRow("baseline", 0.40, {{"person", 0.50}, {"car", 0.40}, {"dog", 0.30}, {"cat", 0.30}, {"bird", 0.20}}),
        classRow("logit", 0.35, {{"person", 0.90}, {"car", 0.90}, {"dog", 0.90}, {"cat", 0.90}, {"bird", 0.90}}),
        classRow("logit+loc", 0.45, {{"person", 0.55}, {"car", 0.38}, {"dog", 0.42}, {"cat", 0.30}, {"bird", 0.10}})};
    const std::string md = studyMarkdown(rows, "t");
    QVERIFY2(md.find("## Per-class AP50-95\n\n| class | instances | teacher | baseline | logit+loc | Δ |\n") !=
                 std::string::npos,
             md.c_str());
    QVERIFY2(md.find("| person | 10 | 0.7000 | 0.5000 | 0.5500 | +0.0500 |") != std::string::npos, md.c_str());
    QVERIFY2(md.find("| cat | 40 | 0.4000 | 0.3000 | 0.3000 | +0.0000 |") != std::string::npos, md.c_str());
    QVERIFY2(md.find("| bird | 50 | 0.3000 | 0.2000 | 0.1000 | -0.1000 |") != std::string::npos, md.c_str());
    // Classes in class order, after the main table.
    QVERIFY(md.find("| person |") < md.find("| car |") && md.find("| car |") < md.find("| bird |"));
    QVERIFY2(md.find("Distillation helped most: dog (+0.1200), person (+0.0500); hurt most: bird (-0.1000), "
                     "car (-0.0200).") != std::string::npos,
             md.c_str());

    // One class: the table, but no helped/hurt line.
    const std::string one = studyMarkdown({classRow("baseline", 0.4, {{"a", 0.4}}), classRow("kd", 0.5, {{"a", 0.5}})}, "t");
    QVERIFY2(one.find("| a | 10 | 0.4000 | 0.5000 | +0.1000 |") != std::string::npos, one.c_str());
    QVERIFY(one.find("helped most") == std::string::npos);
}

void TestStudyRunner::perClassComparison_data()
{
    QTest::addColumn<QVector<double>>("deltas");
    QTest::addColumn<QString>("helped");
    QTest::addColumn<QString>("hurt");
    QTest::newRow("three each way of eight") << QVector<double>{0.1, -0.2, 0.3, 0.05, -0.01, -0.3, 0.02, -0.1}
                                             << "c2 c0 c3" << "c5 c1 c7";
    QTest::newRow("all helped") << QVector<double>{0.01, 0.02} << "c1 c0" << "";
    QTest::newRow("no change") << QVector<double>{0, 0, 0} << "" << "";
    QTest::newRow("one class") << QVector<double>{0.5} << "" << "";
}

void TestStudyRunner::perClassComparison()
{
    QFETCH(QVector<double>, deltas);
    QFETCH(QString, helped);
    QFETCH(QString, hurt);
    std::vector<std::pair<std::string, double>> base, kd;
    for (int i = 0; i < deltas.size(); ++i) {
        base.push_back({"c" + std::to_string(i), 0.4});
        kd.push_back({"c" + std::to_string(i), 0.4 + deltas[i]});
    }
    const std::vector<StudyRow> rows{classRow("baseline", 0.4, base), classRow("kd", 0.41, kd)};
    const PerClassComparison c = comparePerClass(rows);
    QCOMPARE(c.teacher, -1);
    QCOMPARE(c.baseline, 0);
    QCOMPARE(c.best, 1);
    QCOMPARE(int(c.classes.size()), int(deltas.size()));
    auto names = [&](const std::vector<size_t>& which) {
        QStringList out;
        for (const size_t i : which)
            out << QString::fromStdString(c.classes[i].name);
        return out.join(' ');
    };
    QCOMPARE(names(c.helped), helped);
    QCOMPARE(names(c.hurt), hurt);

    // Several seeds: the best arm is compared with the baseline of its own seed.
    std::vector<StudyRow> seeds{classRow("baseline", 0.4, base), classRow("kd", 0.41, kd), classRow("baseline", 0.3, base),
                                classRow("kd", 0.45, kd)};
    seeds[2].seed = seeds[3].seed = 1;
    const PerClassComparison s = comparePerClass(seeds);
    QCOMPARE(s.best, 3);
    QCOMPARE(s.baseline, 2);
}

void TestStudyRunner::csvRoundTrip()
{
    const std::string path = test::tempDir("studycsv") + "/study.csv";
    StudyRow t = classRow("teacher", 0.61234, {{"a:b;c%d\ne", 0.5}, {"with, comma \"q\"", 0.25}});
    t.apSmall = 0.1;
    t.apMedium = 0.2;
    t.apLarge = 0.3;
    t.recallSmall = 0.4;
    StudyRow s = classRow("logit+loc", 0.4, {});
    s.method = "logit, loc";
    s.lastMap50_95 = 0.3875;
    s.bestEpoch = 11;
    s.runDir = "runs/x/logit+loc";
    writeStudyCsv(path, {t, s});
    const std::vector<StudyRow> back = readStudyCsv(path);
    QCOMPARE(int(back.size()), 2);
    QCOMPARE(back[0].apSmall, 0.1);
    QCOMPARE(back[0].apMedium, 0.2);
    QCOMPARE(back[0].apLarge, 0.3);
    QCOMPARE(back[0].recallSmall, 0.4);
    QCOMPARE(back[0].lastMap50_95, -1.0);
    QCOMPARE(back[0].bestEpoch, -1);
    QCOMPARE(int(back[0].perClass.size()), 2);
    QCOMPARE(back[0].perClass[0].name, std::string("a:b;c%d\ne"));
    QCOMPARE(back[0].perClass[0].instances, int64_t(10));
    QCOMPARE(back[0].perClass[0].ap50_95, 0.5);
    QCOMPARE(back[0].perClass[1].name, std::string("with, comma \"q\""));
    QCOMPARE(back[0].perClass[1].instances, int64_t(20));
    QCOMPARE(back[1].method, std::string("logit, loc"));
    QCOMPARE(back[1].apSmall, -1.0);
    QCOMPARE(back[1].lastMap50_95, 0.3875);
    QCOMPARE(back[1].bestEpoch, 11);
    QVERIFY(back[1].perClass.empty());
    QCOMPARE(back[1].runDir, s.runDir);
    // The original columns come first, in their order, for the tools that read them by position.
    QVERIFY(readFile(path).rfind("arm,method,epochs,seed,mAP50-95,mAP50,retention,gain,params,GFLOPs,ms_per_img,"
                                 "run_dir,",
                                 0) == 0);
}

void TestStudyRunner::readsOriginalCsv()
{
    const std::string path = test::tempDir("studycsv-old") + "/study.csv";
    std::ofstream(path) << "arm,method,epochs,seed,mAP50-95,mAP50,retention,gain,params,GFLOPs,ms_per_img,run_dir\n"
                           "teacher,teacher,0,0,0.61200,0.87100,1.0000,0.00000,11136374,28.60,9.80,runs/s/teacher\n"
                           "baseline,no distillation,8,0,0.43100,0.70200,0.7042,0.00000,3011238,8.20,3.10,runs/s/baseline\n";
    const std::vector<StudyRow> rows = readStudyCsv(path);
    QCOMPARE(int(rows.size()), 2);
    QCOMPARE(rows[1].arm, std::string("baseline"));
    QCOMPARE(rows[1].map50_95, 0.431);
    QCOMPARE(rows[1].params, int64_t(3011238));
    QCOMPARE(rows[1].runDir, std::string("runs/s/baseline"));
    QCOMPARE(rows[1].apSmall, -1.0);
    QCOMPARE(rows[1].recallSmall, -1.0);
    QCOMPARE(rows[1].lastMap50_95, -1.0);
    QCOMPARE(rows[1].bestEpoch, -1);
    QVERIFY(rows[1].perClass.empty());
    const std::string md = studyMarkdown(rows, "old");
    QVERIFY2(md.find("70.4 % | – | – | – | – | – | – | – |") != std::string::npos, md.c_str());
}

void TestStudyRunner::rejectsBadClassesField()
{
    const std::string dir = test::tempDir("studycsv-bad");
    writeStudyCsv(dir + "/study.csv", {classRow("baseline", 0.4, {{"a", 0.4}})});
    std::string text = readFile(dir + "/study.csv");
    text.replace(text.find("a:10:"), 5, "a:ten:");
    std::ofstream(dir + "/bad.csv") << text;
    QVERIFY_THROWS_EXCEPTION(InputError, readStudyCsv(dir + "/bad.csv"));
    std::ofstream(dir + "/col.csv") << "arm,method,epochs,seed,mAP50-95,mAP50,retention,gain,params,GFLOPs,ms_per_img,"
                                       "run_dir,colour\n";
    QVERIFY_THROWS_EXCEPTION(InputError, readStudyCsv(dir + "/col.csv"));
}

QTEST_APPLESS_MAIN(TestStudyRunner)
#include "tst_studyrunner.moc"
