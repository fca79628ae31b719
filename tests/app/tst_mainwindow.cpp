// The workbench window offscreen: first start loads the embedded default experiment (one click
// from a real study), the tabs and shortcuts exist, and dropping an image opens it in Compare.
#include "mainwindow.h"

#include "widgets/compareview.h"
#include "widgets/resultsview.h"
#include "widgets/runspanel.h"

#include "runfixture.h"

#include "testdata.h"

#include <QAction>
#include <QMimeData>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTreeWidget>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>

using namespace retort;

class TestMainWindow : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void firstStartLoadsDefaultExperiment();
    void dropImageOpensCompare();
    void openStudyShowsResultsAndRuns();
};

void TestMainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // settings go to a throwaway location
    QCoreApplication::setOrganizationName(QStringLiteral("RetortTest"));
    QSettings().clear();
    QDir::setCurrent(QString::fromStdString(test::tempDir("mainwindow")));
}

void TestMainWindow::firstStartLoadsDefaultExperiment()
{
    app::MainWindow w;
    w.show();
    QVERIFY(w.windowTitle().contains("shapes-quick"));
    QCOMPARE(w.tabs()->count(), 4);
    QAction* study = nullptr;
    for (QAction* a : w.findChildren<QAction*>())
        if (a->shortcut() == QKeySequence(Qt::Key_F5))
            study = a;
    QVERIFY2(study, "no action on F5");
    QTRY_VERIFY(study->isEnabled()); // the default experiment is valid
}

void TestMainWindow::dropImageOpensCompare()
{
    const QString image = QString::fromStdString(test::tempDir("drop") + "/dropped.png");
    cv::Mat m(64, 96, CV_8UC3, cv::Scalar(40, 120, 200));
    QVERIFY(cv::imwrite(image.toStdString(), m));
    app::MainWindow w;
    w.show();
    auto* mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(image)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &drop);
    QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.compareView()));
    QCOMPARE(w.compareView()->images().size(), 1);
    delete mime;
}

void TestMainWindow::openStudyShowsResultsAndRuns()
{
    // What `retort --study runs/s/study.csv` does: the Results tab with its rows, and its runs listed.
    const std::string runs = test::tempDir("openstudy") + "/runs";
    test::writeRun(runs + "/s/baseline", "baseline", 2, 2, {"box", "cls", "dfl", "total"}, true, 4);
    StudyRow base;
    base.arm = "baseline";
    base.method = "no distillation";
    base.map50_95 = 0.2;
    base.runDir = runs + "/s/baseline";
    writeStudyCsv(runs + "/s/study.csv", {base});
    app::MainWindow w;
    w.show();
    QVERIFY(!w.openStudy(QString::fromStdString(runs + "/s/missing.csv")));
    QVERIFY(w.openStudy(QString::fromStdString(runs + "/s/study.csv")));
    auto* results = w.findChild<widgets::ResultsView*>();
    QVERIFY(results);
    QCOMPARE(w.tabs()->currentWidget(), results);
    QCOMPARE(results->rows().size(), size_t(1));
    auto* panel = w.findChild<widgets::RunsPanel*>();
    QVERIFY(panel);
    QCOMPARE(QDir(panel->runsDir()).canonicalPath(), QDir(QString::fromStdString(runs)).canonicalPath());
    QCOMPARE(panel->tree()->topLevelItemCount(), 1);
    QCOMPARE(panel->tree()->topLevelItem(0)->child(0)->text(widgets::RunsPanel::NameColumn), QString("baseline"));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
