#include "data/dataconfig.h"
#include "data/labels.h"
#include "data/synthgenerator.h"
#include "util/atomicfile.h"
#include "util/error.h"

#include "testdata.h"

#include <QtTest>

#include <filesystem>

namespace fs = std::filesystem;
using namespace retort;

class TestSynth : public QObject
{
    Q_OBJECT
private slots:
    void validatesWithExpectedCounts();
    void deterministicBySeed();
    void badOptions();
    void cli();
};

void TestSynth::validatesWithExpectedCounts()
{
    SynthOptions o;
    o.outDir = test::tempDir("synth");
    o.images = 40;
    o.imgsz = 160;
    o.classes = 12;
    const SynthResult r = generateSynthDataset(o);
    QCOMPARE(r.trainImages, 32);
    QCOMPARE(r.valImages, 8);
    const DataConfig cfg = loadDataConfig(r.yamlPath);
    QCOMPARE(cfg.nc(), int64_t(12));
    QCOMPARE(cfg.names, SynthGenerator::classNames(12));
    std::set<std::string> unique(cfg.names.begin(), cfg.names.end());
    QCOMPARE(unique.size(), size_t(12));
    const DatasetIndex train = scanDataset(listImages(cfg.train, "train"), cfg.nc(), "train");
    const DatasetIndex val = scanDataset(listImages(cfg.val, "val"), cfg.nc(), "val");
    QVERIFY2(train.issues.empty() && val.issues.empty(), "synthetic labels must validate cleanly");
    QCOMPARE(train.images.size(), size_t(32));
    QCOMPARE(val.images.size(), size_t(8));
    QCOMPARE(train.instances + val.instances, r.instances);
    QCOMPARE(train.backgrounds + val.backgrounds, r.backgrounds);
    QVERIFY(r.instances >= 40);   // 1-8 objects per image, few empty images
    int small = 0;
    std::set<int> classes;
    for (const auto& rec : train.images) {
        QCOMPARE(rec.width, 160);
        for (const auto& l : rec.labels) {
            classes.insert(l.cls);
            small += l.w * l.h < 0.01f;
        }
    }
    QVERIFY(small > 0);
    QVERIFY(classes.size() >= 8);
}

void TestSynth::deterministicBySeed()
{
    SynthOptions o;
    o.images = 6;
    o.imgsz = 96;
    o.classes = 3;
    o.outDir = test::tempDir("synth");
    generateSynthDataset(o);
    const std::string a = o.outDir;
    o.outDir = test::tempDir("synth");
    generateSynthDataset(o);
    const std::string b = o.outDir;
    o.outDir = test::tempDir("synth");
    o.seed = 1;
    generateSynthDataset(o);
    const std::string c = o.outDir;
    for (const char* f : {"images/train/000002.jpg", "labels/train/000003.txt", "labels/val/000005.txt", "data.yaml"})
        QCOMPARE(readFile(a + "/" + f), readFile(b + "/" + f));
    QVERIFY(readFile(a + "/images/train/000002.jpg") != readFile(c + "/images/train/000002.jpg"));
}

void TestSynth::badOptions()
{
    SynthOptions o;
    o.outDir = test::tempDir("synth");
    o.classes = SynthGenerator::maxClasses() + 1;
    QVERIFY_THROWS_EXCEPTION(InputError, SynthGenerator{o});
    o.classes = 2;
    o.valFraction = 1.0;
    QVERIFY_THROWS_EXCEPTION(InputError, SynthGenerator{o});
}

void TestSynth::cli()
{
    const std::string dir = test::tempDir("synth");
    std::string out;
    QCOMPARE(test::runCommand(test::cliPath() + " synth --out " + dir + " --images 10 --imgsz 128 --classes 5 --seed 3", &out), 0);
    QVERIFY2(out.find("data.yaml") != std::string::npos, out.c_str());
    QCOMPARE(loadDataConfig(dir + "/data.yaml").nc(), int64_t(5));
    QCOMPARE(test::runCommand(test::cliPath() + " synth --out " + dir + " --classes 0", &out), 2);
    QCOMPARE(test::runCommand(test::cliPath() + " bench loader --data " + dir + "/data.yaml --imgsz 64 --batch 4 --batches 3 --json " +
                              dir + "/bench.json", &out), 0);
    QVERIFY2(out.find("images/s") != std::string::npos, out.c_str());
    QVERIFY(readFile(dir + "/bench.json").find("\"images_per_s\"") != std::string::npos);
    QCOMPARE(test::runCommand(test::cliPath() + " bench nosuch", &out), 2);
}

QTEST_APPLESS_MAIN(TestSynth)
#include "tst_synth.moc"
