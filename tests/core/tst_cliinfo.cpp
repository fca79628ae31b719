// `retort-cli info --json` on the built-in architectures: the keys users script against.
#include "util/atomicfile.h"
#include "util/json.h"

#include "testdata.h"

#include <QtTest>

using namespace retort;

class TestCliInfo : public QObject
{
    Q_OBJECT
private slots:
    void jsonHasTheDocumentedKeys();
    void exitCodes();
};

void TestCliInfo::jsonHasTheDocumentedKeys()
{
    const std::string json = test::tempDir("info") + "/info.json";
    std::string out;
    QCOMPARE(test::runCommand(test::cliPath() + " info --model yolov8s.yaml --imgsz 320 --json " + json, &out), 0);
    QVERIFY2(QString::fromStdString(out).contains("summary: 23 layers"), out.c_str());
    const YAML::Node j = parseJson(readFile(json), json);
    for (const char* key : {"params", "gflops", "stride", "names", "layers"})
        QVERIFY2(j[key], key);
    QCOMPARE(j["layers"].size(), size_t(23));
    QCOMPARE(j["layers"][22]["module"].as<std::string>(), std::string("Detect"));
    QCOMPARE(j["stride"][2].as<double>(), 32.0);
    QCOMPARE(j["names"].size(), size_t(80));
    QCOMPARE(j["names"][0].as<std::string>(), std::string("class0")); // a bare architecture, as in Ultralytics
    // Per-layer parameters add up to the total.
    int64_t sum = 0;
    for (const auto& l : j["layers"])
        sum += l["params"].as<int64_t>();
    QCOMPARE(sum, j["params"].as<int64_t>());
}

void TestCliInfo::exitCodes()
{
    std::string out;
    QCOMPARE(test::runCommand(test::cliPath() + " --version", &out), 0);
    QCOMPARE(test::runCommand(test::cliPath() + " frobnicate", &out), 2);
    QVERIFY(QString::fromStdString(out).contains("unknown command 'frobnicate'"));
    QCOMPARE(test::runCommand(test::cliPath() + " info", &out), 2);
    QVERIFY(QString::fromStdString(out).contains("--model is required"));
    QCOMPARE(test::runCommand(test::cliPath() + " info --model yolov8q.yaml", &out), 2);
}

QTEST_APPLESS_MAIN(TestCliInfo)
#include "tst_cliinfo.moc"
