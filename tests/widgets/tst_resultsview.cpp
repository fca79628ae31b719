#include "grab.h"
#include "testdata.h"
#include "train/studytable.h"
#include "widgets/resultsview.h"

#include <qcustomplot.h>

#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QtTest>

#include <fstream>

using namespace retort;
using retort::widgets::ResultsView;

class TestResultsView : public QObject
{
    Q_OBJECT

private slots:
    void loadsStudyCsv();
    void reportsBadFile();
};

void TestResultsView::loadsStudyCsv()
{
    const std::string dir = test::tempDir("resultsview") + "/shapes-quick";
    std::filesystem::create_directories(dir);
    auto row = [&](const char* arm, const char* method, double m, double m50, double ret, double gain, int64_t params,
                   double gf, double ms) {
        StudyRow r;
        r.arm = arm;
        r.method = method;
        r.epochs = 8;
        r.map50_95 = m;
        r.map50 = m50;
        r.retention = ret;
        r.gain = gain;
        r.params = params;
        r.gflops = gf;
        r.msPerImage = ms;
        r.runDir = dir + "/" + arm;
        return r;
    };
    const std::vector<StudyRow> rows{
        row("teacher", "teacher", 0.612, 0.871, 1.0, 0, 11136374, 28.6, 9.8),
        row("baseline", "no distillation", 0.431, 0.702, 0.704, 0, 3011238, 8.2, 3.1),
        row("logit+loc", "logit (BCE, T=2) + loc (DFL KL)", 0.468, 0.739, 0.765, 0.037, 3011238, 8.2, 3.1),
        row("logit+loc+cwd", "logit + loc + feature (cwd)", 0.487, 0.752, 0.796, 0.056, 3011238, 8.2, 3.2)};
    writeStudyCsv(dir + "/study.csv", rows);
    for (const char* arm : {"baseline", "logit+loc"}) {
        std::filesystem::create_directories(dir + "/" + arm + "/weights");
        std::ofstream(dir + "/" + arm + "/weights/best.safetensors") << "w";
    }

    ResultsView view;
    view.resize(900, 560);
    QVERIFY(view.loadStudy(QString::fromStdString(dir + "/study.csv")));
    QTableWidget* t = view.table();
    QCOMPARE(t->rowCount(), 4);
    QCOMPARE(t->item(3, ResultsView::ArmColumn)->text(), QString("logit+loc+cwd"));
    QCOMPARE(t->item(3, ResultsView::MapColumn)->text(), QString("0.4870"));
    QCOMPARE(t->item(3, ResultsView::RetentionColumn)->text(), QString("79.6 %"));
    QCOMPARE(t->item(3, ResultsView::GainColumn)->text(), QString("+0.0560"));
    QVERIFY(t->item(3, ResultsView::ArmColumn)->font().bold()); // best arm
    QVERIFY(!t->item(1, ResultsView::ArmColumn)->font().bold());

    // Bars for the three student arms, the teacher as a line.
    auto* bars = qobject_cast<QCPBars*>(view.chart()->plottable(0));
    QVERIFY(bars);
    QCOMPARE(bars->dataCount(), 3);
    QCOMPARE(bars->data()->at(2)->value, 0.487);
    bool teacherLine = false;
    for (int i = 0; i < view.chart()->itemCount(); ++i)
        if (auto* line = qobject_cast<QCPItemStraightLine*>(view.chart()->item(i)))
            teacherLine = std::abs(line->point1->coords().y() - 0.612) < 1e-9;
    QVERIFY(teacherLine);
    // Bar labels carry four decimals and, except for the baseline, the gain over it.
    QStringList barLabels;
    for (int i = 0; i < view.chart()->itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(view.chart()->item(i)))
            barLabels << text->text();
    QVERIFY2(barLabels.contains(QStringLiteral("0.4870\n+0.0560")), qPrintable(barLabels.join(QLatin1Char('|'))));
    QVERIFY(barLabels.contains(QStringLiteral("0.4310")));
    // The table is no taller than its four rows: the chart gets the rest.
    QVERIFY2(t->maximumHeight() < 6 * t->verticalHeader()->defaultSectionSize() + 40,
             qPrintable(QString::number(t->maximumHeight())));

    QVERIFY(view.weightsOf(3).isEmpty()); // that arm has no checkpoint on disk
    QSignalSpy spy(&view, &ResultsView::exportRequested);
    t->selectRow(2);
    QPushButton* exportButton = nullptr;
    for (QPushButton* b : view.findChildren<QPushButton*>())
        exportButton = b;
    QVERIFY(exportButton && exportButton->isEnabled());
    exportButton->click();
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QString::fromStdString(dir + "/logit+loc/weights/best.safetensors"));
    test::grabIfAsked(view, "gui-a-resultsview");
}

void TestResultsView::reportsBadFile()
{
    const std::string path = test::tempDir("resultsview-bad") + "/study.csv";
    std::ofstream(path) << "not,a,study\n";
    ResultsView view;
    QVERIFY(!view.loadStudy(QString::fromStdString(path)));
    QCOMPARE(view.table()->rowCount(), 0);
}

QTEST_MAIN(TestResultsView)
#include "tst_resultsview.moc"
