#include "runfixture.h"
#include "testdata.h"
#include "train/runreader.h"
#include "train/studytable.h"
#include "util/error.h"
#include "util/runlock.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace retort;

class TestRunReader : public QObject
{
    Q_OBJECT

private slots:
    void readsLoggedRun();
    void skipsTruncatedLine();
    void rejectsNonRunDir();
    void scanFindsStatuses();
    void runningMeansTheLockIsHeld();
};

void TestRunReader::readsLoggedRun()
{
    const std::string dir = test::tempDir("runreader") + "/exp/logit+loc+cwd";
    const std::vector<std::string> names{"box", "cls", "dfl", "kd_logit", "kd_loc", "kd_feat_15", "kd_feat_18", "kd_feat", "total"};
    test::writeRun(dir, "logit+loc+cwd", 5, 3, names, true, 10);
    const RunData run = readRun(dir);
    QCOMPARE(run.arm, std::string("logit+loc+cwd"));
    QCOMPARE(run.experiment, std::string("fixture"));
    QCOMPARE(run.epochs, 5);
    QCOMPARE(run.steps.size(), size_t(30));
    QCOMPARE(run.steps[13].epoch, 1);
    QCOMPARE(run.steps[13].batch, 3);
    QCOMPARE(run.steps[13].batchesPerEpoch, 10);
    QCOMPARE(run.steps[13].step, 13LL);
    QVERIFY(run.steps[13].losses.count("kd_feat_18"));
    QVERIFY(!run.steps[13].losses.count("lr"));
    QVERIFY(run.steps[29].lr < run.steps[0].lr);
    QCOMPARE(run.lossNames.back(), std::string("total"));
    for (const auto& n : names)
        QVERIFY2(std::find(run.lossNames.begin(), run.lossNames.end(), n) != run.lossNames.end(), n.c_str());
    QCOMPARE(run.epochMeans.size(), size_t(3));
    // results.csv's Ultralytics column train/box_loss is read back as "box", kd columns by name.
    QVERIFY(run.epochMeans[2].trainLosses.count("box"));
    QVERIFY(run.epochMeans[2].trainLosses.count("kd_feat_15"));
    QCOMPARE(run.epochMeans[2].lrs.size(), size_t(3));
    QCOMPARE(run.vals.size(), size_t(3));
    QCOMPARE(run.vals[2].epoch, 2);
    QVERIFY(std::abs(run.vals[2].map50_95 - 0.15) < 1e-6);
    QVERIFY(std::abs(run.vals[1].map50 - 0.18) < 1e-6);
    QVERIFY(run.vals[2].best);
    QCOMPARE(run.teacherMap50_95, -1.0);

    StudyRow teacher;
    teacher.arm = "teacher";
    teacher.method = "teacher";
    teacher.map50_95 = 0.42;
    writeStudyCsv((fs::path(dir).parent_path() / "study.csv").string(), {teacher});
    QCOMPARE(readRun(dir).teacherMap50_95, 0.42);
}

void TestRunReader::skipsTruncatedLine()
{
    const std::string dir = test::tempDir("runreader-cut") + "/exp/baseline";
    test::writeRun(dir, "baseline", 2, 1, {"box", "cls", "dfl", "total"}, false, 4);
    std::ofstream((fs::path(dir) / "events.jsonl").string(), std::ios::app) << "{\"step\":4,\"epoch\":1,\"box\":1.2";
    const RunData run = readRun(dir);
    QCOMPARE(run.steps.size(), size_t(4));
}

void TestRunReader::rejectsNonRunDir()
{
    QVERIFY_THROWS_EXCEPTION(InputError, readRun(test::tempDir("runreader-empty")));
}

void TestRunReader::scanFindsStatuses()
{
    const std::string runs = test::tempDir("runreader-scan") + "/runs";
    test::writeRun(runs + "/study/baseline", "baseline", 3, 3, {"box", "cls", "dfl", "total"}, true);
    test::writeRun(runs + "/study/logit+loc", "logit+loc", 3, 1, {"box", "cls", "dfl", "kd_logit", "kd_loc", "total"}, true);
    test::writeRun(runs + "/study/logit", "logit", 3, 1, {"box", "cls", "dfl", "kd_logit", "total"}, false);
    StudyRow base;
    base.arm = "baseline";
    base.method = "no distillation";
    base.map50_95 = 0.15;
    base.retention = 0.75;
    writeStudyCsv(runs + "/study/study.csv", {base});
    fs::create_directories(runs + "/not-a-study/empty");

    // Window 0: nothing counts as running, whatever the file times.
    const RunListing idle = scanRuns(runs, 0);
    QCOMPARE(idle.studies.size(), size_t(1));
    const StudyEntry& s = idle.studies[0];
    QCOMPARE(s.name, std::string("study"));
    QCOMPARE(s.studyCsv, runs + "/study/study.csv");
    QCOMPARE(s.runs.size(), size_t(3));
    // Sorted by directory name: baseline, logit, logit+loc.
    QCOMPARE(s.runs[0].arm, std::string("baseline"));
    QCOMPARE(s.runs[0].status, RunStatus::Finished);
    QVERIFY(!s.runs[0].resumable);
    QCOMPARE(s.runs[0].method, std::string("no distillation"));
    QCOMPARE(s.runs[0].retention, 0.75);
    QVERIFY(std::abs(s.runs[0].bestMap50_95 - 0.15) < 1e-6);
    QCOMPARE(s.runs[1].status, RunStatus::Incomplete);
    QCOMPARE(s.runs[2].arm, std::string("logit+loc"));
    QCOMPARE(s.runs[2].status, RunStatus::Stopped);
    QVERIFY(s.runs[2].resumable);
    QCOMPARE(s.runs[2].epochsDone, 1);
    QCOMPARE(s.runs[2].epochs, 3);
    QCOMPARE(s.runs[2].retention, -1.0);

    // Just written: the unfinished runs count as running.
    const RunListing live = scanRuns(runs, 3600);
    QCOMPARE(live.studies[0].runs[2].status, RunStatus::Running);
    QCOMPARE(live.studies[0].runs[0].status, RunStatus::Finished);

    QVERIFY(scanRuns(runs + "/absent").studies.empty());
}

void TestRunReader::runningMeansTheLockIsHeld()
{
    // A stopped run whose files were just written is "stopped" as soon as its trainer lets go
    // of the lock (the Runs panel used to say "running" for two minutes after a Stop), and a
    // run whose trainer holds the lock is "running" however long since it last wrote.
    const std::string runs = test::tempDir("runreader-lock") + "/runs";
    const std::string dir = runs + "/study/lad";
    test::writeRun(dir, "lad", 3, 1, {"box", "cls", "dfl", "total"}, true);
    QCOMPARE(runLockOwner(dir), -1L);
    {
        RunLock lock(dir);
        QCOMPARE(runLockOwner(dir), static_cast<long>(::getpid()));
        QCOMPARE(scanRuns(runs, 0).studies[0].runs[0].status, RunStatus::Running);
    }
    QCOMPARE(runLockOwner(dir), 0L);
    QCOMPARE(scanRuns(runs, 3600).studies[0].runs[0].status, RunStatus::Stopped);
    // Killed: the file still names its pid, which no longer runs.
    std::ifstream maxIn("/proc/sys/kernel/pid_max");
    long pidMax = 4194304;
    maxIn >> pidMax;
    std::ofstream(dir + "/.lock") << pidMax + 1 << "\n";
    QCOMPARE(runLockOwner(dir), 0L);
    QCOMPARE(scanRuns(runs, 3600).studies[0].runs[0].status, RunStatus::Stopped);
}

QTEST_APPLESS_MAIN(TestRunReader)
#include "tst_runreader.moc"
