#include "grab.h"
#include "testdata.h"
#include "train/studytable.h"
#include "widgets/resultsview.h"

#include <qcustomplot.h>

#include <QHeaderView>
#include <QLabel>
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
    void perClassTable();
    void noPerClassPanelWithoutClasses();
    void reportsBadFile();
    void multiSeedRowsNameTheirSeed();
};

namespace {

std::vector<StudyRow> handMadeStudy(const std::string& dir)
{
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
    std::vector<StudyRow> rows{
        row("teacher", "teacher", 0.612, 0.871, 1.0, 0, 11136374, 28.6, 9.8),
        row("baseline", "no distillation", 0.431, 0.702, 0.704, 0, 3011238, 8.2, 3.1),
        row("logit+loc", "logit (BCE, T=2) + loc (DFL KL)", 0.468, 0.739, 0.765, 0.037, 3011238, 8.2, 3.1),
        row("logit+loc+cwd", "logit + loc + feature (cwd)", 0.487, 0.752, 0.796, 0.056, 3011238, 8.2, 3.2)};
    // Per class (circle, square, triangle, star) and arm (in row order); the best distilled arm is
    // logit+loc+cwd.
    const double aps[4][4] = {{0.70, 0.62, 0.55, 0.58}, {0.50, 0.45, 0.30, 0.47}, {0.52, 0.47, 0.36, 0.52},
                              {0.55, 0.44, 0.40, 0.55}};
    const char* names[4] = {"circle", "square", "triangle", "star"};
    for (size_t r = 0; r < rows.size(); ++r) {
        for (int c = 0; c < 4; ++c)
            rows[r].perClass.push_back({names[c], 100 + c, aps[c][r]});
        rows[r].apSmall = 0.1 + 0.01 * r;
        rows[r].apMedium = 0.4 + 0.01 * r;
        rows[r].apLarge = r == 0 ? -1 : 0.6;
        rows[r].recallSmall = 0.2 + 0.01 * r;
        rows[r].lastMap50_95 = r == 0 ? -1 : rows[r].map50_95 - 0.004;
        rows[r].bestEpoch = r == 0 ? -1 : 6 + int(r);
    }
    return rows;
}

} // namespace

void TestResultsView::loadsStudyCsv()
{
    const std::string dir = test::tempDir("resultsview") + "/shapes-quick";
    std::filesystem::create_directories(dir);
    const std::vector<StudyRow> rows = handMadeStudy(dir);
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
    QCOMPARE(t->item(3, ResultsView::ApSmallColumn)->text(), QString("0.1300"));
    QCOMPARE(t->item(3, ResultsView::ApMediumColumn)->text(), QString("0.4300"));
    QCOMPARE(t->item(3, ResultsView::ApLargeColumn)->text(), QString("0.6000"));
    QCOMPARE(t->item(3, ResultsView::RecallSmallColumn)->text(), QString("0.2300"));
    QCOMPARE(t->item(3, ResultsView::LastMapColumn)->text(), QString("0.4830"));
    QCOMPARE(t->item(3, ResultsView::BestEpochColumn)->text(), QString("9"));
    QCOMPARE(t->item(0, ResultsView::ApLargeColumn)->text(), QString("–"));
    QCOMPARE(t->item(0, ResultsView::LastMapColumn)->text(), QString("–"));
    QCOMPARE(t->item(0, ResultsView::BestEpochColumn)->text(), QString("–"));
    QCOMPARE(t->horizontalHeaderItem(ResultsView::ApSmallColumn)->text(), QString("AP_S"));
    QVERIFY(t->horizontalHeaderItem(ResultsView::ApSmallColumn)->toolTip().contains(QStringLiteral("32²")));
    QCOMPARE(view.classTable()->rowCount(), 4); // read back from study.csv
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

void TestResultsView::perClassTable()
{
    ResultsView view;
    view.resize(900, 560);
    view.setRows(handMadeStudy(test::tempDir("resultsview-classes")));
    view.show();
    QTableWidget* c = view.classTable();
    QVERIFY(c->isVisibleTo(&view));
    QCOMPARE(c->rowCount(), 4);
    QCOMPARE(c->horizontalHeaderItem(ResultsView::ClassBestColumn)->text(), QString("logit+loc+cwd"));
    auto column = [&](int col) {
        QStringList out;
        for (int r = 0; r < c->rowCount(); ++r)
            out << c->item(r, col)->text();
        return out.join(' ');
    };
    // Class order first; teacher | baseline | best arm | Δ (best minus baseline).
    QCOMPARE(column(ResultsView::ClassNameColumn), QString("circle square triangle star"));
    QCOMPARE(column(ResultsView::ClassInstancesColumn), QString("100 101 102 103"));
    QCOMPARE(column(ResultsView::ClassTeacherColumn), QString("0.7000 0.5000 0.5200 0.5500"));
    QCOMPARE(column(ResultsView::ClassBaselineColumn), QString("0.6200 0.4500 0.4700 0.4400"));
    QCOMPARE(column(ResultsView::ClassBestColumn), QString("0.5800 0.4700 0.5200 0.5500"));
    QCOMPARE(column(ResultsView::ClassDeltaColumn), QString("-0.0400 +0.0200 +0.0500 +0.1100"));
    QCOMPARE(c->item(0, ResultsView::ClassDeltaColumn)->foreground().color(), ResultsView::hurtColor());
    QCOMPARE(c->item(3, ResultsView::ClassDeltaColumn)->foreground().color(), ResultsView::helpedColor());
    const QString summary = view.classSummary()->text();
    QVERIFY2(summary.contains(QStringLiteral("Distillation helped most: star (+0.1100), triangle (+0.0500), "
                                             "square (+0.0200); hurt most: circle (-0.0400).")),
             qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("logit+loc+cwd")), qPrintable(summary));

    // Sorted by Δ on request, numerically; the rows move as a whole.
    c->sortByColumn(ResultsView::ClassDeltaColumn, Qt::DescendingOrder);
    QCOMPARE(column(ResultsView::ClassNameColumn), QString("star triangle square circle"));
    QCOMPARE(column(ResultsView::ClassDeltaColumn), QString("+0.1100 +0.0500 +0.0200 -0.0400"));
    c->sortByColumn(ResultsView::ClassDeltaColumn, Qt::AscendingOrder);
    QCOMPARE(column(ResultsView::ClassNameColumn), QString("circle square triangle star"));
    QCOMPARE(column(ResultsView::ClassTeacherColumn), QString("0.7000 0.5000 0.5200 0.5500"));
    // A new study keeps the chosen order.
    std::vector<StudyRow> rows = handMadeStudy(test::tempDir("resultsview-classes"));
    rows[3].perClass[0].ap50_95 = 0.9;
    view.setRows(rows);
    QCOMPARE(column(ResultsView::ClassNameColumn), QString("square triangle star circle"));
    test::grabIfAsked(view, "gui-a-resultsview-classes");
}

void TestResultsView::noPerClassPanelWithoutClasses()
{
    // A study.csv from before per-class APs: no panel, and "–" in the new columns.
    std::vector<StudyRow> rows = handMadeStudy(test::tempDir("resultsview-noclasses"));
    for (StudyRow& r : rows) {
        r.perClass.clear();
        r.apSmall = r.apMedium = r.apLarge = r.recallSmall = r.lastMap50_95 = -1;
        r.bestEpoch = -1;
    }
    ResultsView view;
    view.setRows(rows);
    view.show();
    QCOMPARE(view.classTable()->rowCount(), 0);
    QVERIFY(!view.classTable()->isVisibleTo(&view));
    QCOMPARE(view.table()->item(2, ResultsView::ApSmallColumn)->text(), QString("–"));
    // Only the baseline and the teacher: the classes, but no Δ and no helped/hurt line.
    rows = handMadeStudy(test::tempDir("resultsview-noclasses"));
    rows.resize(2);
    view.setRows(rows);
    QCOMPARE(view.classTable()->rowCount(), 4);
    QVERIFY(view.classTable()->isColumnHidden(ResultsView::ClassDeltaColumn));
    QVERIFY(view.classTable()->isColumnHidden(ResultsView::ClassBestColumn));
    QVERIFY(!view.classSummary()->isVisibleTo(&view));
}

void TestResultsView::reportsBadFile()
{
    const std::string path = test::tempDir("resultsview-bad") + "/study.csv";
    std::ofstream(path) << "not,a,study\n";
    ResultsView view;
    QVERIFY(!view.loadStudy(QString::fromStdString(path)));
    QCOMPARE(view.table()->rowCount(), 0);
}

void TestResultsView::multiSeedRowsNameTheirSeed()
{
    std::vector<StudyRow> rows = handMadeStudy(test::tempDir("resultsview-seeds"));
    ResultsView view;
    view.setRows(rows); // one seed: the arm's name alone
    QCOMPARE(view.table()->item(1, ResultsView::ArmColumn)->text(), QString("baseline"));
    std::vector<StudyRow> seeds{rows[0], rows[1], rows[2]};
    for (StudyRow r : {rows[1], rows[2]}) {
        r.seed = 1;
        seeds.push_back(r);
    }
    view.setRows(seeds);
    QCOMPARE(view.table()->item(0, ResultsView::ArmColumn)->text(), QString("teacher"));
    QCOMPARE(view.table()->item(1, ResultsView::ArmColumn)->text(), QString("baseline (seed 0)"));
    QCOMPARE(view.table()->item(4, ResultsView::ArmColumn)->text(), QString("logit+loc (seed 1)"));
}

QTEST_MAIN(TestResultsView)
#include "tst_resultsview.moc"
