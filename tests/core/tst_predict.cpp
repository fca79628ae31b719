// End-to-end detections through the CLI, compared with Ultralytics' model.predict.
#include "util/atomicfile.h"
#include "util/json.h"

#include "testdata.h"

#include <QtTest>

#include <cmath>
#include <fstream>

using namespace retort;

class TestPredict : public QObject
{
    Q_OBJECT
private slots:
    void matchesUltralytics_data();
    void matchesUltralytics();
    void cliRejectsBadInput_data();
    void cliRejectsBadInput();
};

void TestPredict::matchesUltralytics_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("imgsz");
    QTest::addColumn<QString>("format");
    for (const char* m : {"yolov8n", "yolov8s"})
        for (const int s : {640, 320})
            for (const char* f : {"safetensors", "torchscript"})
                QTest::newRow(qPrintable(QString("%1@%2/%3").arg(m).arg(s).arg(f))) << QString(m) << s << QString(f);
}

void TestPredict::matchesUltralytics()
{
    RETORT_REQUIRE_SHARED_DATA();
    QFETCH(QString, model);
    QFETCH(int, imgsz);
    QFETCH(QString, format);
    const std::string refPath =
        test::sharedPath("reference/predict/" + model.toStdString() + "_" + std::to_string(imgsz) + ".json");
    const YAML::Node ref = parseJson(readFile(refPath), refPath);
    const std::string dir = test::tempDir("predict");
    for (const auto& kv : ref["images"]) {
        const std::string name = kv.first.as<std::string>();
        const YAML::Node expected = kv.second;
        const std::string json = dir + "/" + name + ".json";
        std::string output;
        const std::string cmd = test::cliPath() + " predict --threads 2 --quiet --model " +
                                test::sharedPath("weights/" + model.toStdString() + "." + format.toStdString()) +
                                " --source " + test::sharedPath(expected["file"].as<std::string>()) +
                                " --imgsz " + std::to_string(imgsz) + " --json " + json;
        QCOMPARE(test::runCommand(cmd, &output), 0);
        const YAML::Node got = parseJson(readFile(json), json)[0];
        QCOMPARE(got["height"].as<int>(), expected["orig_hw"][0].as<int>());
        const YAML::Node gd = got["detections"];
        const YAML::Node ed = expected["detections"];
        QVERIFY2(gd.size() == ed.size(), qPrintable(QString("%1: %2 detections, Ultralytics %3")
                                                        .arg(QString::fromStdString(name)).arg(gd.size()).arg(ed.size())));
        for (size_t i = 0; i < ed.size(); ++i) {
            QCOMPARE(gd[i]["class_id"].as<int>(), ed[i]["class_id"].as<int>());
            QVERIFY(std::abs(gd[i]["score"].as<double>() - ed[i]["score"].as<double>()) < 1e-3);
            for (int k = 0; k < 4; ++k) {
                const double err = std::abs(gd[i]["box_xyxy"][k].as<double>() - ed[i]["box_xyxy"][k].as<double>());
                QVERIFY2(err < 0.5, qPrintable(QString("%1 det %2 coord %3 off by %4 px")
                                                   .arg(QString::fromStdString(name)).arg(i).arg(k).arg(err)));
            }
        }
    }
}

void TestPredict::cliRejectsBadInput_data()
{
    QTest::addColumn<QString>("args");
    QTest::addColumn<QString>("expected");
    const std::string dir = test::tempDir("bad");
    writeFileAtomic(dir + "/notimage.jpg", "this is text, not a JPEG");
    writeFileAtomic(dir + "/trunc.safetensors", std::string("\xff\x00\x00\x00\x00\x00\x00\x00{\"a\":", 14));
    writeFileAtomic(dir + "/bad.yaml", "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, Mystery, [1]]\n"
                                       "head:\n  - [[1], 1, Detect, [nc]]\n");
    const QString d = QString::fromStdString(dir);
    QTest::newRow("missing source") << "predict --model yolov8n.yaml --source /no/such.jpg" << "/no/such.jpg: no such file";
    QTest::newRow("non-image") << "predict --model yolov8n.yaml --source " + d + "/notimage.jpg" << "notimage.jpg: not an image";
    QTest::newRow("truncated weights") << "predict --model " + d + "/trunc.safetensors --source " + d << "trunc.safetensors: header length";
    QTest::newRow("unknown module") << "info --model " + d + "/bad.yaml" << "bad.yaml:4: unknown module 'Mystery'";
    QTest::newRow("bad imgsz") << "predict --model yolov8n.yaml --source " + d + " --imgsz 100" << "multiple of 32";
    QTest::newRow("unknown flag") << "predict --modle x" << "unknown option --modle";
}

void TestPredict::cliRejectsBadInput()
{
    QFETCH(QString, args);
    QFETCH(QString, expected);
    std::string output;
    const int rc = test::runCommand(test::cliPath() + " " + args.toStdString(), &output);
    QCOMPARE(rc, 2);
    QVERIFY2(QString::fromStdString(output).contains(expected), output.c_str());
}

QTEST_APPLESS_MAIN(TestPredict)
#include "tst_predict.moc"
