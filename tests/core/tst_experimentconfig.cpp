// The experiment YAML: defaults, overrides, arms, and bad input named by file:line and key.
#include "train/experimentconfig.h"
#include "util/error.h"

#include <QtTest>

using namespace retort;

namespace {
const char* const kBase = "name: e\ndata: d.yaml\nteacher: {arch: yolov8s.yaml, pretrain_epochs: 1}\n"
                          "student: {arch: yolov8n.yaml}\n";
}

class TestExperimentConfig : public QObject
{
    Q_OBJECT
private slots:
    void defaultsAndOverrides();
    void arms();
    void roundTripsThroughArgsYaml();
    void rejectsBadInput_data();
    void rejectsBadInput();
    void shippedExperimentsParse_data();
    void shippedExperimentsParse();
};

void TestExperimentConfig::defaultsAndOverrides()
{
    const ExperimentConfig c = parseExperiment(kBase, "e.yaml", "/base", {"train.epochs=7", "lr0=0.02"});
    QCOMPARE(c.train.epochs, 7);
    QCOMPARE(c.train.lr0, 0.02);
    QCOMPARE(c.train.momentum, 0.937);
    QCOMPARE(c.train.imgsz, 640);
    QCOMPARE(c.train.mosaic, 1.0);
    QCOMPARE(c.train.closeMosaic, 10);
    QCOMPARE(c.distill.feature.type, std::string("cwd"));
    QCOMPARE(c.distill.feature.layers.size(), size_t(3));
}

void TestExperimentConfig::arms()
{
    const ExperimentConfig c = parseExperiment(kBase, "e.yaml", "/base");
    const ExperimentConfig b = armConfig(c, "baseline");
    QVERIFY(!b.distills());
    const ExperimentConfig m = armConfig(c, "logit+loc+mgd");
    QVERIFY(m.distill.logitOn && m.distill.locOn && m.distill.featureOn && !m.distill.relationOn);
    QCOMPARE(m.distill.feature.type, std::string("mgd"));
    QVERIFY(m.runDir() != b.runDir());
    QVERIFY_THROWS_EXCEPTION(InputError, armConfig(c, "logit+telepathy"));
}

void TestExperimentConfig::roundTripsThroughArgsYaml()
{
    const ExperimentConfig c = parseExperiment(std::string(kBase) + "distill: {logit: {weight: 2.5, mode: kl}}\n",
                                               "e.yaml", "/base", {"train.seed=11"});
    const ExperimentConfig back = parseExperiment(experimentToYaml(c), "args.yaml", "/base");
    QCOMPARE(back.train.seed, c.train.seed);
    QCOMPARE(back.distill.logit.weight, 2.5);
    QCOMPARE(back.distill.logit.mode, std::string("kl"));
    QCOMPARE(back.arms, c.arms);
}

void TestExperimentConfig::rejectsBadInput_data()
{
    QTest::addColumn<QString>("extra");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("imgsz not /32") << "train: {imgsz: 100}" << "train.imgsz";
    QTest::newRow("batch 0") << "train: {batch: 0}" << "train.batch";
    QTest::newRow("unknown key") << "train: {epochz: 3}" << "epochz";
    QTest::newRow("negative weight") << "distill: {logit: {weight: -1}}" << "distill.logit.weight";
    QTest::newRow("zero temperature") << "distill: {loc: {temperature: 0}}" << "distill.loc.temperature";
    QTest::newRow("unknown feature type") << "distill: {feature: {type: fancy}}" << "mse | at | cwd | mgd";
    QTest::newRow("layers not a map") << "distill: {feature: {layers: [15, 18]}}" << "distill.feature.layers";
    QTest::newRow("wrong type") << "train: {epochs: many}" << "train.epochs";
    QTest::newRow("malformed yaml") << "train: {epochs: [" << "e.yaml:";
}

void TestExperimentConfig::rejectsBadInput()
{
    QFETCH(QString, extra);
    QFETCH(QString, mentions);
    try {
        parseExperiment(std::string(kBase) + extra.toStdString() + "\n", "e.yaml", "/base");
        QFAIL("accepted bad input");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains(mentions), e.what());
        QVERIFY2(QString(e.what()).startsWith("e.yaml"), e.what());
    }
}

void TestExperimentConfig::shippedExperimentsParse_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("shapes-quick") << "experiments/shapes-quick.yaml";
    QTest::newRow("coco128-v8s-to-v8n") << "experiments/coco128-v8s-to-v8n.yaml";
}

void TestExperimentConfig::shippedExperimentsParse()
{
    QFETCH(QString, file);
    const std::string path = std::string(RETORT_SOURCE_DIR) + "/" + file.toStdString();
    const ExperimentConfig c = loadExperiment(path);
    QVERIFY(!c.arms.empty());
    QCOMPARE(c.arms.front(), std::string("baseline"));
    for (const auto& arm : c.arms)
        armConfig(c, arm); // every arm names known terms
}

QTEST_APPLESS_MAIN(TestExperimentConfig)
#include "tst_experimentconfig.moc"
