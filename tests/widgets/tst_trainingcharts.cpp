#include "grab.h"
#include "runfixture.h"
#include "testdata.h"
#include "train/runreader.h"
#include "widgets/trainingcharts.h"

#include <qcustomplot.h>

#include <QtTest>

using namespace retort;
using retort::widgets::TrainingCharts;

class TestTrainingCharts : public QObject
{
    Q_OBJECT

private slots:
    void coalescesReplots();
    void seriesGrowWithComponents();
    void togglesSmoothingAxis();
    void loadsRunFromDisk();
    void resumedRunKeepsItsHistory();
};

namespace {
StepMetrics step(long long i, LossMap losses)
{
    StepMetrics s;
    s.step = i;
    s.epoch = static_cast<int>(i / 100);
    s.batch = static_cast<int>(i % 100);
    s.batchesPerEpoch = 100;
    s.lr = 0.01;
    s.losses = std::move(losses);
    return s;
}
} // namespace

void TestTrainingCharts::coalescesReplots()
{
    TrainingCharts charts;
    QCOMPARE(charts.replotCount(), 0);
    for (int i = 0; i < 1000; ++i)
        charts.addStep(step(i, {{"box", 2.0 - i * 1e-3}, {"cls", 1.5}, {"dfl", 1.2}, {"total", 4.7}}));
    // Nothing is drawn while the caller still holds the event loop.
    QCOMPARE(charts.replotCount(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(charts.replotCount() >= 1, 2000);
    QTest::qWait(3 * TrainingCharts::kReplotIntervalMs);
    QVERIFY2(charts.replotCount() <= 2, qPrintable(QString::number(charts.replotCount())));
    QCOMPARE(charts.lossPlot()->graphCount(), 4);
    QCOMPARE(charts.lossPlot()->graph(0)->dataCount(), 1000);
    QCOMPARE(charts.lrPlot()->graph(0)->dataCount(), 1000);

    // A steady stream (one point per ms for 0.5 s) replots at most about every interval.
    const int before = charts.replotCount();
    QElapsedTimer t;
    t.start();
    int i = 1000;
    while (t.elapsed() < 500) {
        charts.addStep(step(i++, {{"box", 1.0}}));
        QTest::qWait(1);
    }
    QTest::qWait(2 * TrainingCharts::kReplotIntervalMs);
    const int replots = charts.replotCount() - before;
    QVERIFY2(replots >= 2 && replots <= 500 / TrainingCharts::kReplotIntervalMs + 2,
             qPrintable(QString("%1 replots for %2 points").arg(replots).arg(i - 1000)));
}

void TestTrainingCharts::seriesGrowWithComponents()
{
    TrainingCharts charts;
    charts.addStep(step(0, {{"box", 1}, {"cls", 1}, {"dfl", 1}, {"total", 3}}));
    QCOMPARE(charts.lossSeries(), QStringList({"box", "cls", "dfl", "total"}));
    charts.addStep(step(1, {{"box", 1}, {"cls", 1}, {"dfl", 1}, {"kd_feat_15", 0.5}, {"kd_logit", 0.2}, {"total", 3.7}}));
    QCOMPARE(charts.lossSeries(), QStringList({"box", "cls", "dfl", "kd_logit", "kd_feat_15", "total"}));
    QCOMPARE(charts.lossSeries().back(), QString("total"));
    QCOMPARE(charts.lossPlot()->graphCount(), 6);
    charts.clear();
    QVERIFY(charts.lossSeries().isEmpty());
    QCOMPARE(charts.lossPlot()->graphCount(), 0);

    RunInfo info;
    info.lossNames = {"box", "cls", "dfl", "kd_logit", "kd_relation", "total"};
    info.teacherMap50_95 = 0.4;
    charts.startRun(info);
    QCOMPARE(charts.lossSeries(), QStringList({"box", "cls", "dfl", "kd_logit", "kd_relation", "total"}));
    QCOMPARE(charts.teacherMap(), 0.4);
}

void TestTrainingCharts::togglesSmoothingAxis()
{
    TrainingCharts charts;
    for (int i = 0; i < 200; ++i)
        charts.addStep(step(i, {{"box", i % 2 ? 2.0 : 0.0}, {"total", 1.0}}));
    charts.setSmoothing(0);
    QTRY_VERIFY(charts.replotCount() >= 1);
    QCPGraph* box = charts.lossPlot()->graph(0);
    QCOMPARE(box->name(), QString("box"));
    QCOMPARE(box->data()->at(1)->value, 2.0);
    const int n = charts.replotCount();
    charts.setSmoothing(0.9);
    QTRY_VERIFY(charts.replotCount() > n);
    // Smoothed, the alternating 0/2 settles near its mean.
    QVERIFY(std::abs(box->data()->at(199)->value - 1.0) < 0.2);

    charts.setSeriesVisible("box", false);
    QVERIFY(!box->visible());
    QVERIFY(!charts.isSeriesVisible("box"));
    charts.setSeriesVisible("box", true);
    QVERIFY(box->visible());

    charts.setXAxis(TrainingCharts::XAxis::Epoch);
    const int m = charts.replotCount();
    QTRY_VERIFY(charts.replotCount() > m);
    // Batch 99 of epoch 0 ends the first epoch.
    QCOMPARE(box->data()->at(99)->key, 1.0);
    charts.setLogScale(true);
    QCOMPARE(charts.lossPlot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
}

void TestTrainingCharts::loadsRunFromDisk()
{
    const std::string dir = test::tempDir("charts") + "/exp/logit+loc+cwd";
    test::writeRun(dir, "logit+loc+cwd", 12, 8,
                   {"box", "cls", "dfl", "kd_logit", "kd_loc", "kd_feat_15", "kd_feat_18", "kd_feat_21", "kd_feat", "total"},
                   true, 30);
    StudyRow teacher;
    teacher.arm = "teacher";
    teacher.map50_95 = 0.52;
    writeStudyCsv(dir + "/../study.csv", {teacher});

    TrainingCharts charts;
    charts.resize(1100, 750);
    charts.loadRun(readRun(dir));
    QTRY_VERIFY(charts.replotCount() >= 1);
    QCOMPARE(charts.lossSeries().size(), 10);
    QCOMPARE(charts.lossPlot()->graph(0)->dataCount(), 240);
    QCOMPARE(charts.valPlot()->graph(1)->dataCount(), 8); // mAP50-95
    QCOMPARE(charts.teacherMap(), 0.52);
    QVERIFY(charts.valPlot()->yAxis->range().upper > 0.52);
    test::grabIfAsked(charts, "gui-a-trainingcharts");

    // A real run directory, when the developer names one, for a look at true curves.
    const QString real = qEnvironmentVariable("RETORT_GRAB_RUN");
    if (!real.isEmpty()) {
        charts.loadRun(readRun(real.toStdString()));
        QTest::qWait(3 * TrainingCharts::kReplotIntervalMs);
        test::grabIfAsked(charts, "gui-a-trainingcharts-real");
    }
}

void TestTrainingCharts::resumedRunKeepsItsHistory()
{
    // Stopped after 3 of 5 epochs (30 batches each); the resumed run's chart starts with them.
    const std::string dir = test::tempDir("charts-resume") + "/exp/lad";
    const std::vector<std::string> names{"box", "cls", "dfl", "total"};
    test::writeRun(dir, "lad", 5, 3, names, true, 30);
    TrainingCharts charts;
    RunInfo info;
    info.arm = "lad";
    info.runDir = dir;
    info.epochs = 5;
    info.startEpoch = 3;
    for (const auto& n : names)
        info.lossNames.push_back(n);
    charts.startRun(info);
    charts.appendHistory(readRun(dir));
    QCOMPARE(charts.stepCount(), 90);
    QCOMPARE(charts.valCount(), 3);
    // The live run's first steps: one the file already held (step 89), then new ones.
    for (long long i = 89; i < 95; ++i)
        charts.addStep(step(i, {{"box", 1.0}, {"cls", 1.0}, {"dfl", 1.0}, {"total", 3.0}}));
    QCOMPARE(charts.stepCount(), 95);
    ValMetrics again;
    again.epoch = 2; // epoch 3's validation, already in results.csv
    charts.addVal(again);
    QCOMPARE(charts.valCount(), 3);
    again.epoch = 3;
    charts.addVal(again);
    QCOMPARE(charts.valCount(), 4);
    charts.startRun(info); // a new run starts from nothing
    QCOMPARE(charts.stepCount(), 0);
}

QTEST_MAIN(TestTrainingCharts)
#include "tst_trainingcharts.moc"
