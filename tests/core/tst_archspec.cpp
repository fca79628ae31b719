#include "io/weights.h"
#include "model/archspec.h"
#include "model/detectionmodel.h"
#include "model/modelinfo.h"
#include "util/error.h"
#include "util/json.h"

#include "testdata.h"

#include <QtTest>

#include <cmath>
#include <fstream>

using namespace retort;

class TestArchSpec : public QObject
{
    Q_OBJECT
private slots:
    void paramsAndFlopsMatchUltralytics_data();
    void paramsAndFlopsMatchUltralytics();
    void namesFollowUltralytics();
    void ncOverrideResizesHead();
    void fuseKeepsOutput();
    void badYaml_data();
    void badYaml();
};

void TestArchSpec::paramsAndFlopsMatchUltralytics_data()
{
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("scale");
    QTest::addColumn<QString>("reference");
    const std::pair<const char*, const char*> families[] = {
        {"yolov8", "reference/params/params.json"},
        {"yolo11", "reference/yolo11/params.json"},
        {"yolo26", "reference/yolo26/params.json"},
    };
    for (const auto& [family, reference] : families)
        for (const char* s : {"n", "s", "m", "l", "x"})
            QTest::newRow(qPrintable(QString(family) + s)) << QString(family) << QString(s) << QString(reference);
}

void TestArchSpec::paramsAndFlopsMatchUltralytics()
{
    RETORT_REQUIRE_SHARED_DATA();
    QFETCH(QString, family);
    QFETCH(QString, scale);
    QFETCH(QString, reference);
    const std::string name = (family + scale).toStdString();
    std::ifstream in(test::sharedPath(reference.toStdString()));
    std::stringstream ss;
    ss << in.rdbuf();
    const YAML::Node ref = parseJson(ss.str(), reference.toStdString())["from_yaml"][name];
    QVERIFY(ref.IsMap());

    DetectionModel model(loadArch(name + ".yaml"));
    QCOMPARE(QString::fromStdString(model->spec().family()), family);
    ModelInfo info = modelInfo(*model, 640);
    QCOMPARE(info.params, ref["params"].as<int64_t>());
    QCOMPARE(info.gradients, ref["gradients"].as<int64_t>());
    const double g640 = ref["GFLOPs_640"].as<double>();
    const double g320 = ref["GFLOPs_320"].as<double>();
    QVERIFY2(std::abs(info.gflops - g640) / g640 < 0.01, qPrintable(QString("%1 vs %2").arg(info.gflops).arg(g640)));
    QVERIFY(std::abs(modelGflops(*model, 320) - g320) / g320 < 0.01);
    QCOMPARE(info.strides, (std::vector<double>{8, 16, 32}));

    // Ultralytics' fuse() folds BN and, for an end-to-end model, deletes the one-to-many head.
    model->fuse();
    const double fusedRef = ref["fused_GFLOPs_640"].as<double>();
    QCOMPARE(deployedParameters(*model), ref["fused_params"].as<int64_t>());
    const double fusedGflops = modelGflops(*model, 640, /*deployed=*/true);
    QVERIFY2(std::abs(fusedGflops - fusedRef) / fusedRef < 0.01, qPrintable(QString("%1 vs %2").arg(fusedGflops).arg(fusedRef)));
}

void TestArchSpec::namesFollowUltralytics()
{
    DetectionModel model(loadArch("yolov8n.yaml"));
    const auto sd = stateDict(*model);
    std::set<std::string> keys;
    for (const auto& [k, v] : sd)
        keys.insert(k);
    for (const char* k : {"model.0.conv.weight", "model.0.bn.running_var", "model.2.m.0.cv1.conv.weight",
                          "model.9.cv2.bn.bias", "model.22.cv2.0.0.conv.weight", "model.22.cv3.2.2.bias",
                          "model.22.dfl.conv.weight"})
        QVERIFY2(keys.count(k), k);
    QCOMPARE(model->layerChannels(15), int64_t(64));
    QCOMPARE(model->layerChannels(18), int64_t(128));
    QCOMPARE(model->layerChannels(21), int64_t(256));
    QVERIFY_THROWS_EXCEPTION(InputError, model->layerChannels(23));
}

void TestArchSpec::ncOverrideResizesHead()
{
    DetectionModel model(loadArch("yolov8n.yaml", 3));
    model->eval();
    torch::NoGradGuard g;
    const auto out = model->forward(torch::zeros({2, 3, 64, 96}));
    QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{2, 7, 8 * 12 + 4 * 6 + 2 * 3}));
    FeatureTaps taps;
    const auto maps = model->forwardMaps(torch::zeros({1, 3, 64, 64}), {15, 21}, &taps);
    QCOMPARE(maps.size(), size_t(3));
    QCOMPARE(maps[0].size(1), int64_t(64 + 3));
    QCOMPARE(taps.size(), size_t(2));
    QCOMPARE(taps[15].sizes().vec(), (std::vector<int64_t>{1, 64, 8, 8}));
}

void TestArchSpec::fuseKeepsOutput()
{
    torch::manual_seed(0);
    DetectionModel model(loadArch("yolov8n.yaml", 5));
    // Non-trivial BN statistics so that folding them actually matters.
    {
        torch::NoGradGuard g;
        for (auto& [k, t] : stateDict(*model))
            if (k.find("running_var") != std::string::npos)
                t.uniform_(0.5, 2.0);
            else if (k.find("running_mean") != std::string::npos)
                t.uniform_(-0.2, 0.2);
    }
    model->eval();
    torch::NoGradGuard g;
    const auto x = torch::rand({1, 3, 128, 160});
    const auto ref = model->forward(x);
    model->fuse();
    QVERIFY(model->fused());
    const auto fused = model->forward(x);
    QVERIFY((ref - fused).abs().max().item<float>() < 1e-3);
}

void TestArchSpec::badYaml_data()
{
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown module") << "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, Frobnicate, [3]]\n"
                                       "head:\n  - [[1], 1, Detect, [nc]]\n"
                                    << "m.yaml:4: unknown module 'Frobnicate'";
    QTest::newRow("bad from") << "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [5, 1, Conv, [16, 3, 2]]\n"
                                 "head:\n  - [[1], 1, Detect, [nc]]\n"
                              << "not an earlier layer";
    QTest::newRow("no head") << "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n" << "'backbone' and 'head'";
    QTest::newRow("bad scale") << "nc: 2\nscales:\n  n: [0.33, 0.25, 1024]\nscale: q\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n"
                                  "head:\n  - [[0], 1, Detect, [nc]]\n"
                               << "scale 'q' not in scales";
    QTest::newRow("malformed") << "nc: [1\n" << "m.yaml:";
    QTest::newRow("C3k2 args") << "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 2, C3k2, [32, False, 0.25, True, 9]]\n"
                                  "head:\n  - [[1], 1, Detect, [nc]]\n"
                               << "m.yaml:4: C3k2 needs [out_channels, c3k, e, attn] (1 to 4 values), got 5";
    QTest::newRow("C2PSA width") << "nc: 2\nbackbone:\n  - [-1, 1, Conv, [128, 3, 2]]\n  - [-1, 1, C2PSA, [256]]\n"
                                    "head:\n  - [[1], 1, Detect, [nc]]\n"
                                 << "m.yaml:4: C2PSA keeps its channels: input 128, output 256";
    QTest::newRow("Detect args") << "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n"
                                    "head:\n  - [[0], 1, Detect, [nc, 16, True]]\n"
                                 << "m.yaml:5: Detect takes [nc] (reg_max and end2end are top-level keys)";
    QTest::newRow("reg_max") << "nc: 2\nreg_max: 0\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n"
                                "head:\n  - [[0], 1, Detect, [nc]]\n"
                             << "m.yaml:2: reg_max must be 1..64, got 0";
}

void TestArchSpec::badYaml()
{
    QFETCH(QString, yaml);
    QFETCH(QString, expected);
    try {
        parseArch(yaml.toStdString(), "m.yaml");
        QFAIL("accepted a bad architecture");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains(expected), e.what());
    }
}

QTEST_APPLESS_MAIN(TestArchSpec)
#include "tst_archspec.moc"
