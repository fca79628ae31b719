#include "io/safetensors.h"
#include "io/weights.h"
#include "util/error.h"

#include "testdata.h"

#include <QtTest>

using namespace retort;

class TestWeights : public QObject
{
    Q_OBJECT
private slots:
    void importsOfficialWeights();
    void saveLoadRoundTrip();
    void rejectsOtherArchitecture();
    void rejectsOtherClassCount();
    void rejectsMissingAndUnknown();
};

void TestWeights::importsOfficialWeights()
{
    RETORT_REQUIRE_SHARED_DATA();
    const auto m = loadModel(test::sharedPath("weights/yolov8n.safetensors"));
    QCOMPARE(m.names.size(), size_t(80));
    QCOMPARE(m.names[0], std::string("person"));
    QCOMPARE(m.model->spec().scale, std::string("n"));
    QVERIFY(!m.model->fused());
    const auto ts = loadModel(test::sharedPath("weights/yolov8s.torchscript"));
    QCOMPARE(ts.names.size(), size_t(80));
    QCOMPARE(ts.names[5], std::string("bus"));
    QCOMPARE(ts.model->spec().scale, std::string("s"));
    QVERIFY(ts.model->fused());
}

void TestWeights::saveLoadRoundTrip()
{
    torch::manual_seed(3);
    auto m = loadModel("yolov8n.yaml", {torch::kCPU, 4, {"a", "b", "c", "d"}});
    const std::string path = test::tempDir("w") + "/m.safetensors";
    saveModel(path, *m.model, m.names, 320, {{"epoch", "7"}});
    auto back = loadModel(path);
    QCOMPARE(back.names, m.names);
    QCOMPARE(back.imgsz, 320);
    QCOMPARE(back.metadata.at("epoch"), std::string("7"));
    const auto a = stateDict(*m.model);
    const auto b = stateDict(*back.model);
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].first.find("num_batches") == std::string::npos)
            QVERIFY2(torch::equal(a[i].second, b[i].second), a[i].first.c_str());
    // A fused model saves and loads in its fused layout.
    m.model->fuse();
    saveModel(path, *m.model, m.names, 320);
    QVERIFY(loadModel(path).model->fused());
}

void TestWeights::rejectsOtherArchitecture()
{
    RETORT_REQUIRE_SHARED_DATA();
    const auto st = readSafetensors(test::sharedPath("weights/yolov8s.safetensors"));
    DetectionModel n(loadArch("yolov8n.yaml"));
    try {
        loadStateDict(*n, st.tensors, "yolov8s.safetensors");
        QFAIL("loaded s weights into n");
    } catch (const InputError& e) {
        const QString msg = e.what();
        QVERIFY2(msg.contains("yolov8s.safetensors: weight 'model.0.conv.weight' has shape [32, 3, 3, 3]"), e.what());
        QVERIFY2(msg.contains("expects [16, 3, 3, 3]"), e.what());
    }
}

void TestWeights::rejectsOtherClassCount()
{
    RETORT_REQUIRE_SHARED_DATA();
    const auto st = readSafetensors(test::sharedPath("weights/yolov8n.safetensors"));
    DetectionModel m(loadArch("yolov8n.yaml", 3));
    try {
        loadStateDict(*m, st.tensors, "n.safetensors");
        QFAIL("loaded 80-class weights into a 3-class model");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("model.22.cv3.0.0.conv.weight' has shape [80, 64, 3, 3]"), e.what());
    }
}

void TestWeights::rejectsMissingAndUnknown()
{
    QVERIFY_THROWS_EXCEPTION(InputError, loadModel("/nonexistent/model.safetensors"));
    QVERIFY_THROWS_EXCEPTION(InputError, loadModel("/nonexistent/model.onnx"));
    const std::string dir = test::tempDir("w2");
    SafeTensors st;
    st.tensors.emplace_back("x", torch::zeros({1}));
    writeSafetensors(dir + "/noarch.safetensors", st);
    try {
        loadModel(dir + "/noarch.safetensors");
        QFAIL("accepted a file without arch");
    } catch (const InputError& e) {
        QVERIFY(QString(e.what()).contains("no 'arch' in the metadata"));
    }
}

QTEST_APPLESS_MAIN(TestWeights)
#include "tst_weights.moc"
