// RunController drives a tiny real run on a worker thread: start, pause, resume, stop, and the
// checkpoint exists after stop; the UI thread only ever sees queued, coalesced signals.
#include "runcontroller.h"

#include "data/synthgenerator.h"
#include "train/experimentconfig.h"

#include "testdata.h"

#include <QSignalSpy>
#include <QtTest>

#include <filesystem>

using namespace retort;
using namespace retort::app;

class TestRunController : public QObject
{
    Q_OBJECT
private slots:
    void startPauseResumeStop();
};

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

QTEST_MAIN(TestRunController)
#include "tst_runcontroller.moc"
