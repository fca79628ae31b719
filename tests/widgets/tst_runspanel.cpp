#include "grab.h"
#include "runfixture.h"
#include "testdata.h"
#include "widgets/runspanel.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QTreeWidget>
#include <QtTest>

using namespace retort;
using retort::widgets::RunsPanel;

class TestRunsPanel : public QObject
{
    Q_OBJECT

private slots:
    void listsStoppedRunAsResumable();
    void liveStateOverridesFiles();
};

void TestRunsPanel::listsStoppedRunAsResumable()
{
    const std::string runs = test::tempDir("runspanel") + "/runs";
    const std::vector<std::string> kd{"box", "cls", "dfl", "kd_logit", "kd_loc", "total"};
    test::writeRun(runs + "/shapes-quick/baseline", "baseline", 3, 3, {"box", "cls", "dfl", "total"}, true, 4);
    test::writeRun(runs + "/shapes-quick/logit+loc", "logit+loc", 3, 1, kd, true, 4);
    test::writeRun(runs + "/shapes-quick/lad-seed1", "lad", 3, 3, kd, true, 4); // a multi-seed study's run
    StudyRow base;
    base.arm = "baseline";
    base.method = "no distillation";
    base.map50_95 = 0.15;
    base.retention = 0.71;
    base.runDir = runs + "/shapes-quick/baseline";
    writeStudyCsv(runs + "/shapes-quick/study.csv", {base});
    // The files were just written, which would read as "running": age them past the window.
    const auto old = std::filesystem::file_time_type::clock::now() - std::chrono::hours(1);
    for (const auto& e : std::filesystem::recursive_directory_iterator(runs))
        std::filesystem::last_write_time(e.path(), old);

    RunsPanel panel;
    panel.resize(640, 260);
    panel.setRunsDir(QString::fromStdString(runs));
    QTreeWidget* tree = panel.tree();
    QCOMPARE(tree->topLevelItemCount(), 1);
    QTreeWidgetItem* study = tree->topLevelItem(0);
    QCOMPARE(study->text(RunsPanel::NameColumn), QString("shapes-quick"));
    QCOMPARE(study->childCount(), 3);
    QTreeWidgetItem* baseline = nullptr;
    QTreeWidgetItem* stopped = nullptr;
    QTreeWidgetItem* seeded = nullptr;
    for (int i = 0; i < study->childCount(); ++i) {
        QTreeWidgetItem* c = study->child(i);
        const QString dir = c->data(RunsPanel::NameColumn, RunsPanel::DirRole).toString();
        (dir.endsWith("/baseline") ? baseline : dir.endsWith("/logit+loc") ? stopped : seeded) = c;
    }
    QVERIFY(baseline && stopped && seeded);
    QCOMPARE(stopped->text(RunsPanel::NameColumn), QString("logit+loc"));
    QCOMPARE(seeded->text(RunsPanel::NameColumn), QString("lad-seed1")); // not a second "lad"
    QCOMPARE(seeded->text(RunsPanel::MethodColumn), QString("lad"));

    // In a dock about as wide as the other columns together (the main window's), the run names
    // stay readable: the name column holds a run's indentation plus its name.
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QTest::qWait(50); // the header lays its sections out on a zero timer
    int others = 0;
    for (int c = RunsPanel::StatusColumn; c < RunsPanel::ColumnCount; ++c)
        others += tree->columnWidth(c);
    panel.resize(panel.width() - tree->viewport()->width() + others + 30, 260);
    QTest::qWait(50);
    const int needs = 2 * tree->indentation() + tree->fontMetrics().horizontalAdvance(stopped->text(RunsPanel::NameColumn));
    QVERIFY2(tree->columnWidth(RunsPanel::NameColumn) >= needs,
             qPrintable(QString("name column %1 px, a run's name needs %2 px").arg(tree->columnWidth(RunsPanel::NameColumn)).arg(needs)));
    panel.resize(640, 260);
    QCOMPARE(baseline->text(RunsPanel::StatusColumn), QString("finished"));
    QCOMPARE(baseline->text(RunsPanel::MethodColumn), QString("no distillation"));
    QCOMPARE(baseline->text(RunsPanel::EpochColumn), QString("3/3"));
    QCOMPARE(baseline->text(RunsPanel::MapColumn), QString("0.1500"));
    QCOMPARE(baseline->text(RunsPanel::RetentionColumn), QString("71.0 %"));
    QCOMPARE(stopped->text(RunsPanel::StatusColumn), QString("stopped (resumable)"));
    QCOMPARE(stopped->text(RunsPanel::EpochColumn), QString("1/3"));
    QVERIFY(stopped->data(RunsPanel::NameColumn, RunsPanel::ResumableRole).toBool());
    QVERIFY(!baseline->data(RunsPanel::NameColumn, RunsPanel::ResumableRole).toBool());

    QSignalSpy resume(&panel, &RunsPanel::resumeRequested);
    QSignalSpy activated(&panel, &RunsPanel::runActivated);
    tree->setCurrentItem(stopped);
    QCOMPARE(panel.selectedRun(), QString::fromStdString(runs + "/shapes-quick/logit+loc"));
    const QList<QPushButton*> buttons = panel.findChildren<QPushButton*>();
    QPushButton* resumeButton = nullptr;
    for (QPushButton* b : buttons)
        if (b->text() == "Resume")
            resumeButton = b;
    QVERIFY(resumeButton && resumeButton->isEnabled());
    resumeButton->click();
    QCOMPARE(resume.count(), 1);
    QCOMPARE(resume.at(0).at(0).toString(), panel.selectedRun());
    tree->setCurrentItem(baseline);
    QVERIFY(!resumeButton->isEnabled());
    emit tree->itemActivated(baseline, 0);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toString(), QString::fromStdString(runs + "/shapes-quick/baseline"));

    // A new run appears on refresh; the selection survives.
    test::writeRun(runs + "/shapes-quick/logit", "logit", 3, 2, kd, true, 4);
    panel.refresh();
    QCOMPARE(tree->topLevelItem(0)->childCount(), 4);
    QCOMPARE(panel.selectedRun(), QString::fromStdString(runs + "/shapes-quick/baseline"));
    QTreeWidgetItem* fresh = nullptr;
    for (int i = 0; i < tree->topLevelItem(0)->childCount(); ++i)
        if (tree->topLevelItem(0)->child(i)->data(RunsPanel::NameColumn, RunsPanel::DirRole).toString().endsWith("/logit"))
            fresh = tree->topLevelItem(0)->child(i);
    QVERIFY(fresh);
    QCOMPARE(fresh->text(RunsPanel::StatusColumn), QString("running"));
    test::grabIfAsked(panel, "gui-a-runspanel");
}

void TestRunsPanel::liveStateOverridesFiles()
{
    const std::string runs = test::tempDir("runspanel-live") + "/runs";
    test::writeRun(runs + "/s/baseline", "baseline", 3, 1, {"box", "cls", "dfl", "total"}, true, 4);
    test::writeRun(runs + "/s/lad", "lad", 3, 1, {"box", "cls", "dfl", "total"}, true, 4);
    RunsPanel panel;
    panel.setRunsDir(QString::fromStdString(runs));
    const QString lad = QString::fromStdString(runs + "/s/lad");
    const QString before = panel.statusOf(lad);
    QVERIFY(!before.isEmpty());
    // The trainer here is paused: the row says so, through a rescan too, and by any spelling of the path.
    panel.setLiveState(QString::fromStdString(runs + "/s/./lad/"), QStringLiteral("paused"));
    QCOMPARE(panel.statusOf(lad), QStringLiteral("paused"));
    panel.refresh();
    QCOMPARE(panel.statusOf(lad), QStringLiteral("paused"));
    QVERIFY(panel.statusOf(QString::fromStdString(runs + "/s/baseline")) != QStringLiteral("paused"));
    panel.setLiveState(lad, QStringLiteral("stopping"));
    QCOMPARE(panel.statusOf(lad), QStringLiteral("stopping"));
    panel.setLiveState(QString(), QString()); // the job is over: the files speak again
    QCOMPARE(panel.statusOf(lad), before);
}

QTEST_MAIN(TestRunsPanel)
#include "tst_runspanel.moc"
