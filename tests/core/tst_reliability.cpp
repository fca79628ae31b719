// The pieces that keep a run directory true through stops, kills and concurrent use: the run
// lock, stale temporaries, checkpoint recovery, events.jsonl restore, image headers instead of
// decoding, and config errors that name file:line and key.
#include "data/dataconfig.h"
#include "data/labels.h"
#include "data/synthgenerator.h"
#include "io/weights.h"
#include "io/safetensors.h"
#include "train/checkpoint.h"
#include "train/experimentconfig.h"
#include "train/runlogger.h"
#include "train/trainer.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/imageheader.h"
#include "util/runlock.h"

#include "testdata.h"

#include <QtTest>

#include <opencv2/imgcodecs.hpp>
#include <torch/cuda.h>

#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace retort;

namespace {

void writeText(const std::string& path, const std::string& text)
{
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

int deadPid()
{
    const pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
}

StepMetrics step(long long n)
{
    StepMetrics s;
    s.step = n;
    s.epoch = static_cast<int>(n / 4);
    s.batch = static_cast<int>(n % 4);
    s.batchesPerEpoch = 4;
    s.epochs = 3;
    s.losses = {{"box", 1.0 + n}, {"total", 2.0 + n}};
    return s;
}

int countLines(const std::string& text)
{
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

/// A minimal PNG: signature, IHDR claiming w x h, IEND. No pixel data (never decoded).
std::string pngHeader(uint32_t w, uint32_t h)
{
    std::string s("\x89PNG\r\n\x1a\n", 8);
    s += std::string("\0\0\0\x0dIHDR", 8);
    for (uint32_t v : {w, h})
        for (int shift = 24; shift >= 0; shift -= 8)
            s += static_cast<char>((v >> shift) & 0xFF);
    s += std::string("\x08\x02\0\0\0", 5) + std::string("\0\0\0\0", 4);
    s += std::string("\0\0\0\0IEND\xAE\x42\x60\x82", 12);
    return s;
}

} // namespace

class TestReliability : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void runLockExcludesSecondOwner();
    void staleTemporariesOfDeadProcessesRemoved();
    void recoveryPublishesCommittedGeneration();
    void restoreDropsDuplicatesAndDamagedLines();
    void imageHeaders();
    void scanSkipsHugeImagesWithoutDecoding();
    void configErrors_data();
    void configErrors();
    void dataConfigErrors_data();
    void dataConfigErrors();
    void tappedLayerErrorNamesFileLine();

private:
    std::string m_root;
};

void TestReliability::initTestCase()
{
    m_root = test::tempDir("reliability");
    QVERIFY(!m_root.empty());
}

void TestReliability::runLockExcludesSecondOwner()
{
    const std::string dir = m_root + "/locked-run";
    {
        RunLock first(dir);
        try {
            RunLock second(dir);
            QFAIL("a second owner took a locked run directory");
        } catch (const InputError& e) {
            const std::string msg = e.what();
            QVERIFY2(msg.find("pid " + std::to_string(::getpid())) != std::string::npos, e.what());
            QVERIFY2(msg.find(dir) != std::string::npos, e.what());
        }
    }
    RunLock again(dir); // the first released it
}

void TestReliability::staleTemporariesOfDeadProcessesRemoved()
{
    const std::string dir = m_root + "/temps";
    const std::string dead = dir + "/last.state.tmp." + std::to_string(deadPid());
    const std::string alive = dir + "/results.csv.tmp." + std::to_string(::getppid());
    const std::string other = dir + "/notes.tmp.txt";
    writeText(dead, "x");
    writeText(alive, "x");
    writeText(other, "x");
    QCOMPARE(removeStaleTemporaries(dir), 1);
    QVERIFY(!fs::exists(dead));
    QVERIFY(fs::exists(alive));
    QVERIFY(fs::exists(other));
    // writeFileAtomic leaves nothing behind.
    writeFileAtomic(dir + "/a.txt", "hello");
    QCOMPARE(QString::fromStdString(readFile(dir + "/a.txt")), QString("hello"));
    int temps = 0;
    for (const auto& e : fs::directory_iterator(dir))
        temps += e.path().filename().string().find("a.txt.tmp") != std::string::npos;
    QCOMPARE(temps, 0);
}

void TestReliability::recoveryPublishesCommittedGeneration()
{
    const std::string run = m_root + "/recover";
    const std::string w = run + "/weights";
    fs::create_directories(w);
    SafeTensors state;
    state.tensors.emplace_back("x", torch::zeros({1}));
    state.metadata = {{"format", "retort-state-v1"}, {"generation", "3"}, {"publish", "last.safetensors,best.safetensors"}};
    writeSafetensors(w + "/last.state", state);
    writeText(w + "/last.safetensors", "old");
    writeText(w + "/last.safetensors.gen3", "new");   // committed, not yet published
    writeText(w + "/best.safetensors.gen3", "best3"); // likewise
    writeText(w + "/last.safetensors.gen4", "never"); // a generation that never committed
    writeText(w + "/last.state.tmp." + std::to_string(deadPid()), "half");
    const auto actions = recoverCheckpoint(run);
    QVERIFY(actions.size() >= 4);
    QCOMPARE(QString::fromStdString(readFile(w + "/last.safetensors")), QString("new"));
    QCOMPARE(QString::fromStdString(readFile(w + "/best.safetensors")), QString("best3"));
    for (const auto& e : fs::directory_iterator(w)) {
        const std::string name = e.path().filename().string();
        QVERIFY2(name == "last.state" || name == "last.safetensors" || name == "best.safetensors", name.c_str());
    }
}

void TestReliability::restoreDropsDuplicatesAndDamagedLines()
{
    const std::string run = m_root + "/restore";
    {
        RunLogger log(run, {"box", "total"});
        for (long long n = 0; n < 10; ++n)
            log.appendStep(step(n));
    }
    // A garbled line in the middle and a tail line cut short by a kill.
    std::string events = readFile(run + "/events.jsonl");
    const size_t third = events.find('\n', events.find('\n', events.find('\n') + 1) + 1) + 1;
    events.insert(third, "{\"step\": x7, garbage}\n");
    events += "{\"step\":10,\"epoch\":2,\"bat";
    writeText(run + "/events.jsonl", events);

    RunLogger log(run, {"box", "total"});
    std::vector<std::string> warnings;
    try {
        warnings = log.restore(0, 6); // the checkpoint's first step to run is 6
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
    QCOMPARE(static_cast<int>(warnings.size()), 1); // the damaged line before step 6; the tail is past it
    const std::string kept = readFile(run + "/events.jsonl");
    QCOMPARE(countLines(kept), 6); // steps 0..5: the resumed run logs step 6 itself
    QVERIFY(kept.find("\"step\":6") == std::string::npos);
    // The resumed run's step 6 is then the only one.
    log.appendStep(step(6));
    const std::string after = readFile(run + "/events.jsonl");
    QCOMPARE(static_cast<int>(std::count(after.begin(), after.end(), '\n')), 7);

    // A damaged tail line before the resume point is dropped with a warning.
    writeText(run + "/events.jsonl", after + "{\"step\":7,\"ep");
    RunLogger again(run, {"box", "total"});
    const auto w2 = again.restore(0, 9);
    QCOMPARE(static_cast<int>(w2.size()), 1);
    QVERIFY2(w2[0].find("events.jsonl:8") != std::string::npos, w2[0].c_str());
    QCOMPARE(countLines(readFile(run + "/events.jsonl")), 7);
}

void TestReliability::imageHeaders()
{
    const std::string dir = m_root + "/headers";
    fs::create_directories(dir);
    const cv::Mat img(37, 53, CV_8UC3, cv::Scalar(10, 200, 30));
    for (const char* ext : {".png", ".jpg", ".bmp", ".webp", ".tiff"}) {
        const std::string path = dir + "/a" + ext;
        QVERIFY(cv::imwrite(path, img));
        const ImageHeader h = readImageHeader(path);
        QVERIFY2(h.ok, (path + ": " + h.problem).c_str());
        QCOMPARE(h.width, 53);
        QCOMPARE(h.height, 37);
    }
    // Truncated PNG: no IEND.
    const std::string png = readFile(dir + "/a.png");
    writeText(dir + "/cut.png", png.substr(0, png.size() / 2));
    QVERIFY(!readImageHeader(dir + "/cut.png").ok);
    writeText(dir + "/text.png", "hello, not an image");
    QVERIFY(!readImageHeader(dir + "/text.png").ok);
    QVERIFY(!readImageHeader(dir + "/missing.png").ok);

    // A JPEG cut short (no EOI marker) still decodes, with a libjpeg warning that names no
    // file: the header reader flags it so that the scan can name it, and keeps the image.
    const std::string jpg = readFile(dir + "/a.jpg");
    QVERIFY(readImageHeader(dir + "/a.jpg").warning.empty());
    writeText(dir + "/cut.jpg", jpg.substr(0, jpg.size() - 40));
    const ImageHeader cut = readImageHeader(dir + "/cut.jpg");
    QVERIFY(cut.ok);
    QVERIFY2(cut.warning.find("truncated JPEG") != std::string::npos, cut.warning.c_str());
    writeText(dir + "/padded.jpg", jpg + std::string(4, '\0')); // bytes after EOI are harmless
    QVERIFY(readImageHeader(dir + "/padded.jpg").warning.empty());
    const DatasetIndex index = scanDataset({dir + "/cut.jpg", dir + "/a.jpg"}, 3, "headers");
    QCOMPARE(static_cast<int>(index.images.size()), 2);
    bool named = false;
    for (const auto& i : index.issues)
        named = named || (i.file.find("cut.jpg") != std::string::npos && i.what.find("truncated JPEG") != std::string::npos);
    QVERIFY2(named, "no scan issue names the truncated JPEG");
}

void TestReliability::scanSkipsHugeImagesWithoutDecoding()
{
    const std::string dir = m_root + "/huge/images";
    fs::create_directories(dir);
    QVERIFY(cv::imwrite(dir + "/small.png", cv::Mat(40, 40, CV_8UC3, cv::Scalar(1, 2, 3))));
    writeText(dir + "/huge.png", pngHeader(20000, 20000)); // 400 MP, a few bytes on disk
    const DatasetIndex index = scanDataset({dir + "/huge.png", dir + "/small.png"}, 3, "huge");
    QCOMPARE(static_cast<int>(index.images.size()), 1);
    QCOMPARE(index.images[0].width, 40);
    bool warned = false;
    for (const auto& i : index.issues)
        warned = warned || (i.file.find("huge.png") != std::string::npos && i.what.find("max_image_pixels") != std::string::npos);
    QVERIFY2(warned, "no warning names the oversized image and the limit");
    // The limit is the caller's: 0 means none.
    QVERIFY_THROWS_EXCEPTION(InputError, scanDataset({dir + "/small.png"}, 3, "huge", 1000)); // 1600 px > 1000
    QCOMPARE(static_cast<int>(scanDataset({dir + "/small.png"}, 3, "huge", 0).images.size()), 1);
}

void TestReliability::configErrors_data()
{
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QString>("override");
    QTest::addColumn<QString>("where"); // expected "file:line" prefix (or the override)
    QTest::addColumn<QString>("key");
    const QString base = "name: e\ndata: d.yaml\nstudent: {arch: yolov8n.yaml}\n";
    QTest::newRow("nan") << base + "train:\n  lr0: .nan\n" << "" << "e.yaml:5" << "train.lr0";
    QTest::newRow("inf") << base + "train:\n  momentum: .inf\n" << "" << "e.yaml:5" << "train.momentum";
    QTest::newRow("nan override") << base << "train.lr0=.nan" << "override 'train.lr0=.nan'" << "train.lr0";
    QTest::newRow("empty override") << base << "train.epochs=" << "train.epochs=" << "empty value";
    QTest::newRow("empty lr0 override") << base << "train.lr0=" << "train.lr0=" << "empty value";
    QTest::newRow("empty value in file") << base + "train:\n  epochs:\n" << "" << "e.yaml:5" << "train.epochs";
    QTest::newRow("duplicate key") << base + "train:\n  lr0: 0.01\n  lr0: 0.5\n" << "" << "e.yaml:6" << "train.lr0";
    QTest::newRow("scalar then map") << base + "train: 1\ntrain: {epochs: 2}\n" << "" << "e.yaml:5" << "train";
    QTest::newRow("scalar node overridden") << base + "teacher: /w.safetensors\n" << "teacher.weights=x" << "e.yaml:4"
                                            << "teacher";
    QTest::newRow("bad device") << base + "train: {device: gpu0}\n" << "" << "e.yaml:4" << "train.device";
    if (!torch::cuda::is_available())
        QTest::newRow("cuda on a CPU build") << base << "train.device=cuda:0" << "override 'train.device=cuda:0'"
                                             << "train.device";
}

void TestReliability::configErrors()
{
    QFETCH(QString, yaml);
    QFETCH(QString, override);
    QFETCH(QString, where);
    QFETCH(QString, key);
    std::vector<std::string> ov;
    if (!override.isEmpty())
        ov.push_back(override.toStdString());
    try {
        parseExperiment(yaml.toStdString(), "e.yaml", ".", ov);
        QFAIL("accepted");
    } catch (const InputError& e) {
        const QString msg = e.what();
        QVERIFY2(!msg.contains('\n'), e.what());
        QVERIFY2(msg.contains(where), e.what());
        QVERIFY2(msg.contains(key), e.what());
    } catch (const std::exception& e) {
        QFAIL((std::string("not an InputError: ") + e.what()).c_str());
    }
}

void TestReliability::dataConfigErrors_data()
{
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("key");
    QTest::newRow("nc not a number") << "train: .\nval: .\nnc: mgd\n" << "d.yaml:3" << "nc";
    QTest::newRow("nc a list") << "train: .\nval: .\nnc: [1]\nnames: [a]\n" << "d.yaml:3" << "nc";
    QTest::newRow("duplicate key") << "train: .\nval: .\nnames: [a]\nnames: [a, b]\n" << "d.yaml:4" << "names";
    QTest::newRow("bad max_image_pixels") << "train: .\nval: .\nnames: [a]\nmax_image_pixels: many\n" << "d.yaml:4"
                                          << "max_image_pixels";
}

void TestReliability::dataConfigErrors()
{
    QFETCH(QString, yaml);
    QFETCH(QString, where);
    QFETCH(QString, key);
    const std::string path = m_root + "/data/d.yaml";
    writeText(path, yaml.toStdString());
    try {
        loadDataConfig(path);
        QFAIL("accepted");
    } catch (const InputError& e) {
        const QString msg = e.what();
        QVERIFY2(msg.contains(where), e.what());
        QVERIFY2(msg.contains(key), e.what());
    } catch (const std::exception& e) {
        QFAIL((std::string("not an InputError: ") + e.what()).c_str());
    }
}

void TestReliability::tappedLayerErrorNamesFileLine()
{
    // Tapped layers are checked against the models when the run builds its distiller, after the
    // parse; the error still names the file and line where they were set.
    SynthOptions so;
    so.outDir = m_root + "/taps-data";
    so.images = 8;
    so.imgsz = 64;
    so.classes = 2;
    const SynthResult synth = generateSynthDataset(so);
    const std::string path = m_root + "/taps.yaml";
    writeFileAtomic(path, "name: taps\nproject: " + m_root + "/taps\ndata: " + synth.yamlPath +
                              "\nteacher: {arch: yolov8n.yaml, pretrain_epochs: 1}\nstudent: {arch: yolov8n.yaml}\n"
                              "train: {epochs: 1, imgsz: 64, batch: 4, workers: 1}\n"
                              "distill:\n  feature:\n    type: mse\n    layers: {15: 15, 18: 40}\n");
    const ExperimentConfig cfg = armConfig(loadExperiment(path), "mse");
    Trainer trainer(cfg);
    trainer.setTeacher(std::make_shared<LoadedModel>(loadModel("yolov8n.yaml", {torch::kCPU, 2, synth.names})));
    try {
        trainer.run(nullptr, nullptr);
        QFAIL("a layer the student does not have was accepted");
    } catch (const InputError& e) {
        const std::string msg = e.what();
        QVERIFY2(msg.rfind(path + ":10: distill.feature.layers: student layer 40", 0) == 0, e.what());
        QVERIFY2(msg.find('\n') == std::string::npos, e.what());
    }
}

QTEST_APPLESS_MAIN(TestReliability)
#include "tst_reliability.moc"
