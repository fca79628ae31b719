// The workbench window offscreen: first start loads the embedded default experiment (one click
// from a real study), the tabs and shortcuts exist, and dropping an image opens it in Compare.
#include "exportdialog.h"
#include "mainwindow.h"
#include "runcontroller.h"

#include "data/synthgenerator.h"
#include "io/weights.h"

#include "widgets/attentionview.h"
#include "widgets/compareview.h"
#include "widgets/experimentpanel.h"
#include "widgets/resultsview.h"
#include "widgets/runspanel.h"
#include "widgets/trainingcharts.h"

#include "runfixture.h"

#include "testdata.h"

#include <QAction>
#include <QApplication>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QProcess>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTreeWidget>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include <fstream>

using namespace retort;

class TestMainWindow : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void firstStartLoadsDefaultExperiment();
    void dropImageOpensCompare();
    void openStudyShowsResultsAndRuns();
    void shortcutsAreUnique();
    void shortcutsHelpAndImageKeys();
    void pauseIsVisibleAndResumeKeepsHistory();
    void remembersThresholdsChartsAndModels();
    void studyProgressCoversEveryRun();
    void helpWithoutDisplay();
    void unsavedChangesAreMarkedAndAsked();
    void exportDialogFollowsTheCheckpoint();
    void exportNeverDefaultsToTheTeacher();
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

void TestMainWindow::shortcutsAreUnique()
{
    // Two actions on one key make Qt trigger neither ("Ambiguous shortcut overload").
    app::MainWindow w;
    w.show();
    QMap<QString, QStringList> byKey;
    for (QAction* a : w.findChildren<QAction*>())
        for (const QKeySequence& k : a->shortcuts())
            if (!k.isEmpty())
                byKey[k.toString(QKeySequence::PortableText)] << a->text();
    QVERIFY(byKey.contains(QStringLiteral("F5")));
    for (auto it = byKey.cbegin(); it != byKey.cend(); ++it)
        QVERIFY2(it.value().size() == 1, qPrintable(it.key() + ": " + it.value().join(QStringLiteral(", "))));
}

void TestMainWindow::shortcutsHelpAndImageKeys()
{
    app::MainWindow w;
    w.show();
    const QString help = w.shortcutsText();
    int listed = 0;
    for (QAction* a : w.findChildren<QAction*>())
        if (!a->shortcut().isEmpty()) {
            QVERIFY2(help.contains(a->shortcut().toString(QKeySequence::NativeText) + QLatin1Char('\t')),
                     qPrintable(a->text()));
            ++listed;
        }
    QVERIFY(listed >= 8);
    QVERIFY(help.contains(QStringLiteral("F1\tKeyboard shortcuts")));
    QVERIFY(help.contains(QStringLiteral("PageDown")));

    // ← / → step through the Compare images from the Attention tab too.
    const QString dir = QString::fromStdString(test::tempDir("keys"));
    for (const char* name : {"a.png", "b.png"})
        QVERIFY(cv::imwrite((dir + QLatin1Char('/') + QLatin1String(name)).toStdString(),
                            cv::Mat(16, 16, CV_8UC3, cv::Scalar(90, 90, 90))));
    w.openImages({dir});
    w.tabs()->setCurrentWidget(w.attentionView());
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    w.attentionView()->setFocus();
    QTRY_VERIFY(w.attentionView()->hasFocus() || w.attentionView()->isAncestorOf(QApplication::focusWidget()));
    QCOMPARE(w.compareView()->currentIndex(), 0);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Right);
    QCOMPARE(w.compareView()->currentIndex(), 1);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_PageUp);
    QCOMPARE(w.compareView()->currentIndex(), 0);
}

void TestMainWindow::pauseIsVisibleAndResumeKeepsHistory()
{
    const std::string root = test::tempDir("mw-pause");
    SynthOptions so;
    so.outDir = root + "/shapes";
    so.images = 60;
    so.imgsz = 96;
    so.classes = 2;
    const std::string data = generateSynthDataset(so).yamlPath;
    const QString yamlPath = QString::fromStdString(root + "/pause.yaml");
    {
        std::ofstream out(yamlPath.toStdString());
        out << "name: pause\nproject: " << root << "\ndata: " << data
            << "\nstudent: {arch: yolov8n.yaml}\n"
               "train: {epochs: 20, imgsz: 96, batch: 8, warmup_epochs: 0, seed: 0, workers: 1}\n";
    }
    app::MainWindow w;
    w.show();
    QVERIFY(w.openExperiment(yamlPath));
    const QString runDir = QString::fromStdString(root + "/pause/baseline");
    QSignalSpy started(w.runController(), &app::RunController::runStarted);
    QSignalSpy steps(w.runController(), &app::RunController::stepsReady);
    QSignalSpy finished(w.runController(), &app::RunController::jobFinished);
    w.startArm(QStringLiteral("baseline"));
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 2, 120000);

    // Paused: the status bar and the run's row say so (not "running").
    w.togglePause();
    QTRY_VERIFY_WITH_TIMEOUT(w.runStatusText().contains(QStringLiteral("paused")), 60000);
    QTRY_COMPARE(w.runsPanel()->statusOf(runDir), QStringLiteral("paused"));
    w.togglePause();
    QTRY_VERIFY_WITH_TIMEOUT(!w.runStatusText().contains(QStringLiteral("paused")), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 4, 120000);
    w.stopRun();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QVERIFY(QFileInfo::exists(runDir + "/weights/last.state"));
    QVERIFY(w.runsPanel()->statusOf(runDir).startsWith(QStringLiteral("stopped")));
    const int shown = w.trainingCharts()->stepCount();
    QVERIFY(shown >= 2);

    // Runs → Resume: the chart starts with the run's history, not empty.
    started.clear();
    w.resumeRun(runDir);
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 120000);
    QVERIFY2(w.trainingCharts()->stepCount() >= shown,
             qPrintable(QString("%1 steps shown after resume, %2 before").arg(w.trainingCharts()->stepCount()).arg(shown)));
    w.stopRun();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 120000);
}

void TestMainWindow::remembersThresholdsChartsAndModels()
{
    LoadedModel arch = loadModel("yolov8n.yaml");
    const QString student = QString::fromStdString(test::tempDir("mw-remember") + "/student.safetensors");
    saveModel(student.toStdString(), *arch.model, arch.names, 160);
    {
        app::MainWindow w;
        w.show();
        w.compareView()->setConfidence(0.40);
        w.compareView()->setIou(0.50);
        w.compareView()->setWarningLevel(0.30);
        w.trainingCharts()->setSmoothing(0.85);
        w.trainingCharts()->setLogScale(true);
        w.setCompareModels(QString(), student);
        QVERIFY(w.close());
    }
    app::MainWindow w;
    w.show();
    QCOMPARE(w.compareView()->confidence(), 0.40);
    QCOMPARE(w.compareView()->iou(), 0.50);
    QCOMPARE(w.compareView()->warningLevel(), 0.30);
    QCOMPARE(w.trainingCharts()->smoothing(), 0.85);
    QVERIFY(w.trainingCharts()->logScale());
    QCOMPARE(w.exportCandidate(), student); // the Compare student is back
    QTRY_COMPARE_WITH_TIMEOUT(w.compareView()->inferenceSize(), 160, 30000); // and loaded
    QSettings().clear(); // the other tests start from defaults
}

void TestMainWindow::studyProgressCoversEveryRun()
{
    const std::string root = test::tempDir("mw-study");
    const QString yamlPath = QString::fromStdString(root + "/st.yaml");
    {
        std::ofstream out(yamlPath.toStdString());
        out << "name: st\nproject: " << root << "\ndata: " << root << "/data/shapes/shapes.yaml\n"
            << "synth: {images: 16, imgsz: 64, classes: 2, seed: 1, val_fraction: 0.25}\n"
               "teacher: {arch: yolov8n.yaml, pretrain_epochs: 1}\nstudent: {arch: yolov8n.yaml}\n"
               "train: {epochs: 1, imgsz: 64, batch: 8, workers: 1, seed: 0, val_batch: 8, close_mosaic: 0}\n"
               "arms: [baseline, inherit]\n";
    }
    app::MainWindow w;
    w.show();
    QVERIFY(w.openExperiment(yamlPath));
    QStringList atStart;
    connect(w.runController(), &app::RunController::runStarted, &w, [&] { atStart << w.studyProgressText(); });
    QSignalSpy finished(w.runController(), &app::RunController::jobFinished);
    w.startStudy();
    QVERIFY2(w.studyProgressText().startsWith(QStringLiteral("study: 0 of 3 runs done")), qPrintable(w.studyProgressText()));
    QVERIFY2(w.studyProgressText().contains(QStringLiteral("teacher, baseline, inherit")), qPrintable(w.studyProgressText()));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 240000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QCOMPARE(atStart.size(), 3);
    QCOMPARE(atStart[0], QStringLiteral("study: 0 of 3 runs done (now teacher; pending: baseline, inherit)"));
    QCOMPARE(atStart[1], QStringLiteral("study: 1 of 3 runs done (now baseline; pending: inherit)"));
    QCOMPARE(atStart[2], QStringLiteral("study: 2 of 3 runs done (now inherit)"));
    QVERIFY(w.studyProgressText().isEmpty()); // the study is over
}

void TestMainWindow::helpWithoutDisplay()
{
    // No display, no platform plugin override: --help and --version print and exit 0.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* k : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        env.remove(QString::fromLatin1(k));
    for (const QString& flag : {QStringLiteral("--help"), QStringLiteral("--version")}) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(RETORT_GUI_BIN), {flag});
        QVERIFY(p.waitForFinished(30000));
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                 qPrintable(flag + ": exit " + QString::number(p.exitCode()) + " " + p.readAllStandardError()));
        QVERIFY2(out.contains(flag == QLatin1String("--help") ? QStringLiteral("--screenshot") : QStringLiteral("Retort")),
                 qPrintable(out));
    }
}

void TestMainWindow::unsavedChangesAreMarkedAndAsked()
{
    app::MainWindow w;
    w.show();
    QVERIFY(w.windowTitle().contains(QStringLiteral("[*]")));
    QVERIFY(!w.isWindowModified());
    auto* panel = w.findChild<widgets::ExperimentPanel*>();
    QVERIFY(panel);
    auto* batch = qobject_cast<QSpinBox*>(panel->fieldFor(QStringLiteral("train.batch")));
    QVERIFY(batch);
    batch->setValue(batch->value() + 1);
    QTRY_VERIFY(w.isWindowModified());
    // Quitting asks; Cancel keeps the window and the edit.
    bool asked = false;
    QTimer::singleShot(0, [&asked] {
        if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
            asked = true;
            box->button(QMessageBox::Cancel)->click();
        }
    });
    QVERIFY(!w.close());
    QVERIFY(asked);
    QVERIFY(w.isVisible() && w.isWindowModified());
    // Back to the saved text: no longer modified.
    batch->setValue(batch->value() - 1);
    QTRY_VERIFY(!w.isWindowModified());
}

void TestMainWindow::exportDialogFollowsTheCheckpoint()
{
    const std::string dir = test::tempDir("exportdialog");
    LoadOptions o;
    o.nc = 2;
    LoadedModel m = loadModel("yolov8n.yaml", o);
    saveModel(dir + "/small.safetensors", *m.model, {"a", "b"}, 160);
    saveModel(dir + "/large.safetensors", *m.model, {"a", "b"}, 320);
    app::ExportDialog d(QString::fromStdString(dir + "/small.safetensors"));
    QCOMPARE(d.imageHeight(), 160); // the size it was trained at, not 640
    QCOMPARE(d.imageWidth(), 160);
    QVERIFY(d.outputPath().endsWith(QStringLiteral("small.onnx")));
    d.setCheckpoint(QString::fromStdString(dir + "/large.safetensors"));
    QCOMPARE(d.checkpoint(), QString::fromStdString(dir + "/large.safetensors"));
    QCOMPARE(d.imageHeight(), 320);
    QVERIFY(d.outputPath().endsWith(QStringLiteral("large.onnx")));
}

void TestMainWindow::exportNeverDefaultsToTheTeacher()
{
    // A study trains its teacher first: that run's best weights must not become the export default.
    app::MainWindow w;
    RunInfo teacher;
    teacher.arm = "teacher";
    emit w.runController()->runStarted(teacher);
    emit w.runController()->checkpointWritten({3, "runs/s/teacher/weights/best.safetensors", true});
    QVERIFY(!w.exportCandidate().contains(QStringLiteral("teacher")));
    RunInfo arm;
    arm.arm = "lad";
    emit w.runController()->runStarted(arm);
    emit w.runController()->checkpointWritten({2, "runs/s/lad/weights/best.safetensors", true});
    QCOMPARE(w.exportCandidate(), QStringLiteral("runs/s/lad/weights/best.safetensors"));
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
