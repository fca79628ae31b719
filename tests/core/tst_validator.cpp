// `retort-cli val` against Ultralytics' DetectionValidator on COCO128 (reference/val/*.json).
#include "util/atomicfile.h"
#include "util/json.h"

#include "testdata.h"

#include <QtTest>

#include <cmath>

using namespace retort;

class TestValidator : public QObject
{
    Q_OBJECT
private slots:
    void matchesUltralytics_data();
    void matchesUltralytics();
    void rejectsBadInput_data();
    void rejectsBadInput();
};

void TestValidator::matchesUltralytics_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("imgsz");
    for (const char* m : {"yolov8n", "yolov8s"})
        for (const int s : {640, 320})
            QTest::newRow(qPrintable(QString("%1@%2").arg(m).arg(s))) << QString(m) << s;
}

void TestValidator::matchesUltralytics()
{
    RETORT_REQUIRE_SHARED_DATA();
    QFETCH(QString, model);
    QFETCH(int, imgsz);
    const std::string refPath =
        test::sharedPath("reference/val/" + model.toStdString() + "_" + std::to_string(imgsz) + ".json");
    const YAML::Node ref = parseJson(readFile(refPath), refPath);
    const std::string json = test::tempDir("val") + "/val.json";
    std::string output;
    const std::string cmd = test::cliPath() + " val --quiet --model " +
                            test::sharedPath("weights/" + model.toStdString() + ".safetensors") + " --data " +
                            test::sharedPath("coco128/coco128.yaml") + " --imgsz " + std::to_string(imgsz) +
                            " --batch 8 --json " + json;
    QCOMPARE(test::runCommand(cmd, &output), 0);
    const YAML::Node got = parseJson(readFile(json), json);

    QCOMPARE(got["images"].as<int>(), ref["images_seen"].as<int>());
    QCOMPARE(got["instances"].as<int>(), ref["instances"].as<int>());
    // Aggregate metrics: within 0.005 of Ultralytics (the goal is 0.002).
    const std::pair<const char*, const char*> keys[] = {
        {"precision", "P"}, {"recall", "R"}, {"mAP50", "mAP50"}, {"mAP50-95", "mAP50-95"}, {"fitness", "fitness"}};
    for (const auto& [ours, theirs] : keys) {
        const double a = got[ours].as<double>(), b = ref[theirs].as<double>();
        qInfo("%-10s retort %.4f ultralytics %.4f diff %+.4f", ours, a, b, a - b);
        QVERIFY2(std::abs(a - b) <= 0.005, qPrintable(QString("%1: %2 vs %3").arg(ours).arg(a).arg(b)));
    }
    // Predictions before matching: NMS at conf 0.001 keeps (almost) the same set.
    const double np = got["num_predictions"].as<double>(), rp = ref["num_predictions"].as<double>();
    QVERIFY2(std::abs(np - rp) <= 0.01 * rp, qPrintable(QString("predictions %1 vs %2").arg(np).arg(rp)));

    // Per class: the class with most instances tracks closely; every class is present.
    int checked = 0;
    for (const auto& c : ref["per_class"]) {
        const std::string name = c["class_name"].as<std::string>();
        const YAML::Node ours = got["per_class"][name];
        QVERIFY2(ours.IsDefined(), name.c_str());
        QCOMPARE(ours["instances"].as<int>(), c["instances"].as<int>());
        if (c["instances"].as<int>() >= 20) {
            QVERIFY2(std::abs(ours["ap50-95"].as<double>() - c["AP50-95"].as<double>()) <= 0.02, name.c_str());
            QVERIFY2(std::abs(ours["ap50"].as<double>() - c["AP50"].as<double>()) <= 0.02, name.c_str());
            ++checked;
        }
    }
    QVERIFY(checked > 0);

    // By-size metrics exist, are in range, and their instance counts add up.
    int64_t sized = 0;
    for (const char* s : {"small", "medium", "large"}) {
        const YAML::Node b = got["by_size"][s];
        QVERIFY2(b.IsDefined(), s);
        const double ap = b["ap50-95"].as<double>(), r = b["recall"].as<double>();
        QVERIFY(ap >= 0 && ap <= 1 && r >= 0 && r <= 1);
        sized += b["instances"].as<int64_t>();
    }
    QCOMPARE(sized, got["instances"].as<int64_t>());
}

void TestValidator::rejectsBadInput_data()
{
    QTest::addColumn<QString>("args");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("missing data") << "--data /nonexistent/data.yaml" << "/nonexistent/data.yaml";
    QTest::newRow("bad imgsz") << "--data DATA --imgsz -3" << "imgsz";
}

void TestValidator::rejectsBadInput()
{
    RETORT_REQUIRE_SHARED_DATA();
    QFETCH(QString, args);
    QFETCH(QString, mentions);
    args.replace("DATA", QString::fromStdString(test::sharedPath("coco128/coco128.yaml")));
    std::string output;
    const std::string cmd = test::cliPath() + " val --model " + test::sharedPath("weights/yolov8n.safetensors") + " " +
                            args.toStdString();
    QCOMPARE(test::runCommand(cmd, &output), 2);
    QVERIFY2(QString::fromStdString(output).contains(mentions), output.c_str());
}

QTEST_APPLESS_MAIN(TestValidator)
#include "tst_validator.moc"
