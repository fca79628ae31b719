// Crash-consistency harness: a tiny distillation run (accumulation across batches and epochs,
// an MGD generator with its mask RNG) is killed with SIGKILL at many moments (steps, validation,
// inside every stage of a checkpoint write, half-way through an events.jsonl line), stopped with
// SIGINT / SIGTERM (also with a second signal during the stop checkpoint), frozen while a second
// trainer tries the same directory, and resumed each time. Every final state must equal the
// uninterrupted run's bit for bit: last.state (weights, EMA, optimizer, adapters, RNG,
// gradients), best weights, results.csv, and the logged losses of every step, each once.
#include "data/synthgenerator.h"
#include "io/safetensors.h"
#include "io/weights.h"
#include "util/atomicfile.h"
#include "util/resources.h"

#include "testdata.h"

#include <QProcess>
#include <QtTest>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include <signal.h>

namespace fs = std::filesystem;
using namespace retort;

namespace {

struct Outcome
{
    bool crashed = false; ///< ended by a signal
    int exitCode = 0;
    std::string output;
};

std::string lossEvents(const std::string& path)
{
    static const std::regex timing(R"re(,"(img_s|eta_s)":[^,}]*)re");
    return std::regex_replace(readFile(path), timing, "");
}

/// "" when equal, else the first difference.
std::string compareStates(const std::string& a, const std::string& b)
{
    const auto sa = readSafetensors(a), sb = readSafetensors(b);
    if (sa.tensors.size() != sb.tensors.size())
        return "tensor count " + std::to_string(sa.tensors.size()) + " vs " + std::to_string(sb.tensors.size());
    std::map<std::string, torch::Tensor> mb;
    for (const auto& [k, v] : sb.tensors)
        mb[k] = v;
    int differing = 0;
    std::string first;
    for (const auto& [k, v] : sa.tensors) {
        if (k == "optimizer")
            continue; // keyed by tensor addresses: differs between processes; shows in later weights
        const auto it = mb.find(k);
        if (it == mb.end())
            return "missing " + k;
        if (v.sizes() != it->second.sizes() || !torch::equal(v, it->second)) {
            if (!differing++)
                first = k;
        }
    }
    for (const char* key : {"epoch", "batch", "step", "best_fitness", "ema_updates", "last_opt_step"})
        if (sa.meta(key) != sb.meta(key))
            return std::string("metadata ") + key + ": " + sa.meta(key) + " vs " + sb.meta(key);
    return differing ? std::to_string(differing) + " tensors differ, first " + first : std::string();
}

} // namespace

class TestCrashConsistency : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void survivesKills_data();
    void survivesKills();
    void secondTrainerIsRefused();
    void stoppedTeacherRunResumes();

private:
    Outcome train(const std::string& project, const std::string& killAt, bool resume);
    Outcome cli(const QStringList& args, const std::string& killAt);
    std::string runDir(const std::string& project) const { return project + "/crash/logit+loc+mgd"; }
    void verifyMatchesReference(const std::string& project);

    std::string m_root;
    std::string m_data;
    std::string m_teacherArch;
    std::string m_config;
    std::string m_reference;
};

void TestCrashConsistency::initTestCase()
{
    QVERIFY2(fs::exists(test::cliPath()), "RETORT_CLI does not name the retort-cli binary");
    m_root = test::tempDir("crash");
    SynthOptions so;
    so.outDir = m_root + "/shapes";
    so.images = 24;
    so.imgsz = 64;
    so.classes = 2;
    so.valFraction = 0.25;
    const SynthResult synth = generateSynthDataset(so);
    // YOLOv8 layouts at a fraction of the n width: every kind of layer, tap and adapter the
    // real pairing has, at a cost that lets each row start and train several processes.
    const std::string arch(*embeddedResource("models/yolov8.yaml"));
    const std::string nScale = "n: [0.33, 0.25, 1024]";
    QVERIFY(arch.find(nScale) != std::string::npos);
    auto writeArch = [&](const std::string& name, const std::string& scale) {
        std::string text = arch;
        text.replace(text.find(nScale), nScale.size(), "n: " + scale);
        writeFileAtomic(m_root + "/" + name, text);
        return m_root + "/" + name;
    };
    const std::string studentArch = writeArch("student-tiny.yaml", "[0.33, 0.0625, 128]");
    const std::string teacherArch = writeArch("teacher-tiny.yaml", "[0.33, 0.125, 256]");
    const std::string teacher = m_root + "/teacher.safetensors";
    {
        LoadedModel t = loadModel(teacherArch, {torch::kCPU, 2, synth.names});
        saveModel(teacher, *t.model, synth.names, 64);
    }
    // 18 training images in batches of 4: 5 batches an epoch; nbs 16 accumulates 4 batches, so
    // optimizer steps fall mid-epoch and an accumulation spans the epoch boundary.
    m_teacherArch = teacherArch;
    m_data = synth.yamlPath;
    m_config = m_root + "/crash.yaml";
    writeFileAtomic(m_config,
                    "name: crash\ndata: " + synth.yamlPath + "\nteacher: {weights: " + teacher +
                        "}\nstudent: {arch: " + studentArch + "}\n"
                        "train: {epochs: 2, imgsz: 64, batch: 4, nbs: 16, warmup_epochs: 0, close_mosaic: 1, seed: 7, "
                        "workers: 1, val_batch: 2}\n"
                        "distill: {feature: {type: mgd, alpha: 0.5}, schedule: {warmup_epochs: 1, decay: linear}}\n");
    m_reference = m_root + "/reference";
    const Outcome ref = train(m_reference, "", false);
    QVERIFY2(!ref.crashed && ref.exitCode == 0, ref.output.c_str());
    QVERIFY(fs::exists(runDir(m_reference) + "/weights/best.safetensors"));
}

Outcome TestCrashConsistency::train(const std::string& project, const std::string& killAt, bool resume)
{
    QStringList args{"train", "--threads", "1"};
    if (resume)
        args << "--resume" << QString::fromStdString(runDir(project));
    else
        args << "--config" << QString::fromStdString(m_config) << "--arm" << "logit+loc+mgd"
             << QString::fromStdString("project=" + project);
    return cli(args, killAt);
}

Outcome TestCrashConsistency::cli(const QStringList& args, const std::string& killAt)
{
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.remove("RETORT_TEST_KILL_AT");
    if (!killAt.empty())
        env.insert("RETORT_TEST_KILL_AT", QString::fromStdString(killAt));
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QString::fromStdString(test::cliPath()), args);
    Outcome o;
    if (!p.waitForFinished(90000)) {
        p.kill();
        p.waitForFinished();
        o.crashed = true;
        o.exitCode = -1;
        o.output = "timed out";
        return o;
    }
    o.crashed = p.exitStatus() == QProcess::CrashExit;
    o.exitCode = p.exitCode();
    o.output = p.readAll().toStdString();
    return o;
}

void TestCrashConsistency::verifyMatchesReference(const std::string& project)
{
    const std::string a = runDir(m_reference), b = runDir(project);
    const std::string diff = compareStates(a + "/weights/last.state", b + "/weights/last.state");
    QVERIFY2(diff.empty(), ("last.state differs from the uninterrupted run: " + diff).c_str());
    QCOMPARE(QString::fromStdString(readFile(b + "/results.csv")), QString::fromStdString(readFile(a + "/results.csv")));
    QCOMPARE(QString::fromStdString(lossEvents(b + "/events.jsonl")), QString::fromStdString(lossEvents(a + "/events.jsonl")));
    for (const char* w : {"/weights/last.safetensors", "/weights/best.safetensors"}) {
        const auto wa = readSafetensors(a + w), wb = readSafetensors(b + w);
        QCOMPARE(wa.tensors.size(), wb.tensors.size());
        for (size_t i = 0; i < wa.tensors.size(); ++i)
            QVERIFY2(torch::equal(wa.tensors[i].second, wb.tensors[i].second), (std::string(w) + " " + wa.tensors[i].first).c_str());
        QCOMPARE(QString::fromStdString(wb.meta("generation")),
                 QString::fromStdString(readSafetensors(b + "/weights/last.state").meta("generation")).isEmpty()
                     ? QString()
                     : QString::fromStdString(wb.meta("generation")));
    }
    for (const auto& e : fs::recursive_directory_iterator(b)) {
        const std::string name = e.path().filename().string();
        QVERIFY2(name.find(".tmp.") == std::string::npos && name.find(".gen") == std::string::npos,
                 ("left behind: " + e.path().string()).c_str());
    }
}

void TestCrashConsistency::survivesKills_data()
{
    // Each row: the fault of the first run, then of each resume ("|"-separated); a last resume
    // without fault finishes the run. Points: step (after a batch is logged), events-line (half
    // a line written), val-batch, epoch-end (results.csv row written, checkpoint not),
    // write (inside an atomic write, before its rename: 1 args.yaml, 2 results.csv, 3 last
    // weights, 4 last.state of epoch 1; 5..8 the same of epoch 2, 7 being best), ckpt-weights /
    // ckpt-best (pending weights written), ckpt-commit (last.state in place, weights not
    // published), ckpt-publish. `rows`: the results.csv rows the first run leaves (a stop or a
    // kill during validation leaves none for that epoch: the metrics here are all zero, so the
    // final comparison alone could not tell a partial validation from a full one).
    QTest::addColumn<QString>("faults");
    QTest::addColumn<int>("stopStatus"); // expected exit status of a graceful stop, 0 for kills
    QTest::addColumn<int>("rows");
    // CI runs the rows marked core (under a minute on 2 cores); RETORT_CRASH_FULL=1 runs all.
    const bool full = std::getenv("RETORT_CRASH_FULL") != nullptr;
    auto row = [&](bool core, const char* name, const char* faults, int status, int rows) {
        if (core || full)
            QTest::newRow(name) << faults << status << rows;
    };
    row(false, "kill: first step (epoch 1, nothing saved)", "step:1", 0, 0);
    row(true, "kill: mid-accumulation in epoch 1 (nothing saved yet)", "step:3", 0, 0);
    row(true, "kill: half an events line", "events-line:4", 0, 0);
    row(true, "kill: during validation", "val-batch:2", 0, 0);
    row(false, "kill: epoch row written, no checkpoint", "epoch-end:1", 0, 1);
    row(false, "kill: inside the results.csv write", "write:2", 0, 0);
    row(true, "kill: inside the weights write", "write:3", 0, 1);
    row(true, "kill: inside the state write", "write:4", 0, 1);
    row(false, "kill: pending weights written", "ckpt-weights:1", 0, 1);
    row(false, "kill: pending best written", "ckpt-best:1", 0, 2);
    row(false, "kill: inside the best weights write", "write:7", 0, 2);
    row(true, "kill: committed, not published", "ckpt-commit:1", 0, 1);
    row(false, "kill: half published", "ckpt-publish:1", 0, 1);
    row(true, "kill: epoch 2, then again in the resume's checkpoint", "step:7|ckpt-commit:1", 0, 1);
    row(true, "SIGINT mid-accumulation", "step:3:INT", 130, 0);
    row(true, "SIGTERM at the end of an epoch's batches", "step:5:TERM", 143, 0);
    row(true, "SIGINT during validation", "val-batch:1:INT", 130, 0);
    row(false, "SIGTERM in epoch 2", "step:8:TERM", 143, 1);
    row(true, "SIGINT, second SIGINT during the stop checkpoint", "step:2:INT,ckpt-weights:1:INT", 130, 0);
}

void TestCrashConsistency::survivesKills()
{
    QFETCH(QString, faults);
    QFETCH(int, stopStatus);
    QFETCH(int, rows);
    static int n = 0;
    const std::string project = m_root + "/case" + std::to_string(++n);
    const QStringList chain = faults.split('|');
    for (int i = 0; i < chain.size(); ++i) {
        const Outcome o = train(project, chain[i].toStdString(), i > 0);
        if (stopStatus) {
            QVERIFY2(!o.crashed && o.exitCode == stopStatus,
                     qPrintable(QString("exit %1 (crashed %2), expected %3:\n%4")
                                    .arg(o.exitCode).arg(o.crashed).arg(stopStatus).arg(QString::fromStdString(o.output))));
            if (chain[i].count(":INT") + chain[i].count(":TERM") > 1)
                QVERIFY2(o.output.find("Already stopping") != std::string::npos, o.output.c_str());
        } else {
            QVERIFY2(o.crashed, ("the fault did not fire:\n" + o.output).c_str());
        }
        if (i == 0) {
            const std::string csv = runDir(project) + "/results.csv";
            const std::string text = fs::exists(csv) ? readFile(csv) : std::string();
            const int found = text.empty() ? 0 : static_cast<int>(std::count(text.begin(), text.end(), '\n')) - 1;
            QVERIFY2(found == rows, ("results.csv after the first run:\n" + text + "\n" + o.output).c_str());
            if (rows < 2)
                QVERIFY2(!fs::exists(runDir(project) + "/weights/best.safetensors"), "best written before its epoch");
        }
    }
    const Outcome done = train(project, "", true);
    QVERIFY2(!done.crashed && done.exitCode == 0, done.output.c_str());
    verifyMatchesReference(project);
}

void TestCrashConsistency::secondTrainerIsRefused()
{
    // The first trainer freezes itself after its first step, holding the lock.
    const std::string project = m_root + "/locked";
    QProcess first;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("RETORT_TEST_KILL_AT", "step:1:STOP");
    first.setProcessEnvironment(env);
    first.setProcessChannelMode(QProcess::MergedChannels);
    first.start(QString::fromStdString(test::cliPath()),
                {"train", "--threads", "1", "--config", QString::fromStdString(m_config), "--arm", "logit+loc+mgd",
                 QString::fromStdString("project=" + project)});
    QVERIFY(first.waitForStarted());
    // Frozen = the events line of step 0 is written.
    QTRY_VERIFY_WITH_TIMEOUT(fs::exists(runDir(project) + "/events.jsonl") &&
                                 !readFile(runDir(project) + "/events.jsonl").empty(),
                             120000);
    const Outcome second = train(project, "", false);
    const Outcome third = train(project, "", true);
    const qint64 owner = first.processId(); // 0 once the process has finished
    ::kill(static_cast<pid_t>(owner), SIGKILL);
    first.waitForFinished();
    for (const Outcome& o : {second, third}) {
        QVERIFY2(!o.crashed && o.exitCode == 2, o.output.c_str());
        QVERIFY2(o.output.find("pid " + std::to_string(owner)) != std::string::npos, o.output.c_str());
        QVERIFY2(std::count(o.output.begin(), o.output.end(), '\n') <= 12, o.output.c_str());
    }
    // The refused trainers touched nothing; the killed one resumes to the uninterrupted result.
    const Outcome done = train(project, "", true);
    QVERIFY2(!done.crashed && done.exitCode == 0, done.output.c_str());
    verifyMatchesReference(project);
}

void TestCrashConsistency::stoppedTeacherRunResumes()
{
    // A study trains its teacher first (teacher.pretrain_epochs). Stopped there, the teacher's
    // run resumes with `train --resume`: its args.yaml has no teacher of its own but keeps the
    // study's distilling arms, which used to fail ("arm 'logit+loc' distils, but the experiment
    // has no 'teacher'", exit 2).
    const std::string config = m_root + "/teacherfirst.yaml";
    writeFileAtomic(config, "name: tfirst\nproject: " + m_root + "/tf\ndata: " + m_data + "\nteacher: {arch: " +
                                m_teacherArch + ", pretrain_epochs: 2}\nstudent: {arch: " + m_teacherArch +
                                "}\ntrain: {epochs: 1, imgsz: 64, batch: 4, warmup_epochs: 0, seed: 3, workers: 1}\n"
                                "arms: [logit+loc]\n");
    const Outcome stopped = cli({"study", "--threads", "1", "--config", QString::fromStdString(config)}, "step:3:INT");
    QVERIFY2(!stopped.crashed && stopped.exitCode == 130, stopped.output.c_str());
    const std::string teacherRun = m_root + "/tf/tfirst/teacher";
    QVERIFY2(fs::exists(teacherRun + "/weights/last.state"), stopped.output.c_str());
    QVERIFY(!fs::exists(teacherRun + "/weights/best.safetensors"));

    const Outcome resumed = cli({"train", "--threads", "1", "--resume", QString::fromStdString(teacherRun)}, "");
    QVERIFY2(!resumed.crashed && resumed.exitCode == 0, resumed.output.c_str());
    const std::string csv = readFile(teacherRun + "/results.csv");
    QCOMPARE(std::count(csv.begin(), csv.end(), '\n'), 3L); // header + the teacher's 2 epochs
    QVERIFY(fs::exists(teacherRun + "/weights/best.safetensors"));
}

QTEST_APPLESS_MAIN(TestCrashConsistency)
#include "tst_crashconsistency.moc"
