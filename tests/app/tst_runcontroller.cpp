// RunController drives a tiny real run on a worker thread: start, pause, resume, stop, and the
// checkpoint exists after stop; the UI thread only ever sees queued, coalesced signals. Pause is
// the trainer's state (a new epoch never overwrites it), a finished job's queued completion never
// touches a newer job, and a stopped teacher run resumes from its args.yaml as Runs → Resume does.
#include "runcontroller.h"

#include "data/synthgenerator.h"
#include "train/experimentconfig.h"

#include "testdata.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace retort;
using namespace retort::app;

class TestRunController : public QObject
{
    Q_OBJECT
private slots:
    void startPauseResumeStop();
    void pauseDuringValidationHolds();
    void finishedJobLeavesNewerJobAlone();
    void resumeStoppedTeacherRun();
};

namespace {

std::string synthData(const std::string& root, int images, double valFraction)
{
    SynthOptions so;
    so.outDir = root + "/shapes";
    so.images = images;
    so.imgsz = 96;
    so.classes = 2;
    so.valFraction = valFraction;
    return generateSynthDataset(so).yamlPath;
}

ExperimentConfig baselineConfig(const std::string& root, const std::string& name, const std::string& data, int epochs)
{
    const std::string yaml = "name: " + name + "\nproject: " + root + "\ndata: " + data +
                             "\nstudent: {arch: yolov8n.yaml}\n"
                             "train: {epochs: " + std::to_string(epochs) +
                             ", imgsz: 96, batch: 8, warmup_epochs: 0, seed: 0, workers: 1, threads: 1}\n";
    return armConfig(parseExperiment(yaml, name + ".yaml", root), "baseline");
}

int lineCount(const std::string& path)
{
    std::ifstream in(path);
    int n = 0;
    for (std::string line; std::getline(in, line);)
        n += !line.empty();
    return n;
}

} // namespace

void TestRunController::startPauseResumeStop()
{
    const std::string root = test::tempDir("runctl");
    SynthOptions so;
    so.outDir = root + "/shapes";
    so.images = 80;
    so.imgsz = 96;
    so.classes = 2;
    const std::string data = generateSynthDataset(so).yamlPath;
    const std::string yaml = "name: ctl\nproject: " + root + "\ndata: " + data +
                             "\nstudent: {arch: yolov8n.yaml}\n"
                             "train: {epochs: 20, imgsz: 96, batch: 8, warmup_epochs: 1, seed: 0, workers: 1}\n";
    const ExperimentConfig cfg = armConfig(parseExperiment(yaml, "ctl.yaml", root), "baseline");

    RunController rc;
    QSignalSpy started(&rc, &RunController::runStarted);
    QSignalSpy steps(&rc, &RunController::stepsReady);
    QSignalSpy states(&rc, &RunController::stateChanged);
    QSignalSpy checkpoints(&rc, &RunController::checkpointWritten);
    QSignalSpy finished(&rc, &RunController::jobFinished);
    rc.startRun(cfg, false);
    QVERIFY(rc.isRunning());
    QVERIFY(started.wait(60000));
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 1, 60000);

    // Pause: no more steps arrive while paused.
    rc.pause();
    QTRY_COMPARE_WITH_TIMEOUT(rc.state(), RunState::Paused, 30000);
    QTest::qWait(2500); // the step in flight finishes and its coalesced flush lands
    const int stepsAtPause = steps.count();
    QTest::qWait(1500);
    QCOMPARE(steps.count(), stepsAtPause);

    // Resume: steps flow again; batches arrive coalesced (each emission may carry several).
    rc.resume();
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() > stepsAtPause, 60000);
    int delivered = 0;
    for (const auto& args : steps)
        delivered += args.at(0).value<QVector<StepMetrics>>().size();
    QVERIFY(delivered >= steps.count());

    // Stop: the job ends as stopped and a resumable checkpoint is on disk.
    rc.stop();
    QVERIFY(finished.wait(120000) || finished.count() == 1);
    QVERIFY(!rc.isRunning());
    QVERIFY(checkpoints.count() >= 1);
    QVERIFY(std::filesystem::exists(cfg.runDir() + "/weights/last.state"));
    QVERIFY(std::filesystem::exists(cfg.runDir() + "/weights/last.safetensors"));
}

void TestRunController::pauseDuringValidationHolds()
{
    // One batch of training and a long validation per epoch: the pause lands during validation.
    // Before, the controller set Paused itself and the next epoch's Training overwrote it while
    // the trainer sat paused (the button then said Pause, and it took two clicks to resume).
    const std::string root = test::tempDir("runctl-valpause");
    const std::string data = synthData(root, 128, 0.9);
    const ExperimentConfig cfg = baselineConfig(root, "valpause", data, 3);

    RunController rc;
    QSignalSpy steps(&rc, &RunController::stepsReady);
    QSignalSpy finished(&rc, &RunController::jobFinished);
    bool pausedInValidation = false;
    connect(&rc, &RunController::stateChanged, &rc, [&](RunState s) {
        if (s == RunState::Validating && !pausedInValidation) {
            pausedInValidation = true;
            rc.pause();
        }
    });
    rc.startRun(cfg, false);
    QTRY_VERIFY_WITH_TIMEOUT(pausedInValidation, 120000);
    QTRY_COMPARE_WITH_TIMEOUT(rc.state(), RunState::Paused, 120000);
    const int stepsAtPause = steps.count();
    QTest::qWait(1500); // the trainer is waiting: no transition may follow
    QCOMPARE(rc.state(), RunState::Paused);
    QCOMPARE(steps.count(), stepsAtPause);
    QVERIFY(rc.isRunning());

    rc.resume(); // one click
    QTRY_COMPARE_WITH_TIMEOUT(rc.state(), RunState::Training, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() > stepsAtPause, 60000);
    rc.stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QVERIFY(finished.at(0).at(0).toBool());
}

void TestRunController::finishedJobLeavesNewerJobAlone()
{
    // Job A ends while the UI thread is busy (its completion still queued); job B starts. A's
    // completion used to stop B's flush timer and wait on B's thread, blocking the UI until B
    // was over.
    const std::string root = test::tempDir("runctl-jobs");
    const std::string data = synthData(root, 80, 0.2);
    const ExperimentConfig a = baselineConfig(root, "a", data, 1);
    const ExperimentConfig b = baselineConfig(root, "b", data, 3);

    RunController rc;
    QSignalSpy finished(&rc, &RunController::jobFinished);
    QSignalSpy steps(&rc, &RunController::stepsReady);
    rc.startRun(a, false);
    rc.stop();            // A stops before its first step
    rc.waitForFinished(); // blocks without handling events: A's completion stays queued
    QCOMPARE(finished.count(), 0);

    QElapsedTimer clock;
    clock.start();
    rc.startRun(b, false);
    QVERIFY(rc.isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000); // A's
    QVERIFY2(clock.elapsed() < 10000, "the UI thread was blocked on the newer job");
    QVERIFY2(rc.isRunning(), "A's completion waited for B to end");

    // B's steps keep flowing between epochs: its flush timer runs.
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 2, 120000);
    rc.stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 120000);
    QVERIFY(finished.at(1).at(0).toBool());
    QVERIFY(!rc.isRunning());
}

void TestRunController::resumeStoppedTeacherRun()
{
    // A study trains its teacher first; it is stopped there, and Runs → Resume reloads the
    // teacher run's args.yaml (as MainWindow::resumeRun does) and continues it. That args.yaml
    // has no teacher of its own but keeps the study's distilling arms; loading it used to fail
    // ("arm 'logit' distils, but the experiment has no 'teacher'").
    const std::string root = test::tempDir("runctl-teacher");
    const std::string data = synthData(root, 40, 0.2);
    const std::string yaml = "name: tf\nproject: " + root + "\ndata: " + data +
                             "\nteacher: {arch: yolov8n.yaml, pretrain_epochs: 2}\nstudent: {arch: yolov8n.yaml}\n"
                             "train: {epochs: 1, imgsz: 96, batch: 8, warmup_epochs: 0, seed: 0, workers: 1, threads: 1}\n"
                             "arms: [baseline, logit+loc]\n";
    const ExperimentConfig study = parseExperiment(yaml, "tf.yaml", root);

    RunController rc;
    QSignalSpy steps(&rc, &RunController::stepsReady);
    QSignalSpy finished(&rc, &RunController::jobFinished);
    rc.startStudy(study);
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 1, 120000);
    rc.stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    const std::string teacherRun = root + "/tf/teacher";
    QVERIFY(std::filesystem::exists(teacherRun + "/weights/last.state"));
    QVERIFY(lineCount(teacherRun + "/results.csv") < 3); // stopped before its last epoch

    ExperimentConfig resumed;
    try {
        resumed = loadExperiment(teacherRun + "/args.yaml");
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
    QCOMPARE(QString::fromStdString(resumed.arm), QStringLiteral("teacher"));
    QCOMPARE(QString::fromStdString(resumed.runDir()), QString::fromStdString(teacherRun));
    rc.startRun(resumed, true);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 180000);
    QVERIFY2(finished.at(1).at(0).toBool(), qPrintable(finished.at(1).at(1).toString()));
    QCOMPARE(lineCount(teacherRun + "/results.csv"), 3); // header + the teacher's 2 epochs
    QVERIFY(std::filesystem::exists(teacherRun + "/weights/best.safetensors"));
}

QTEST_MAIN(TestRunController)
#include "tst_runcontroller.moc"
