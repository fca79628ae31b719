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
    void teacherFirstKeys();
    void teacherKeysRejected_data();
    void teacherKeysRejected();
    void featureTypeParameters();
    void bestEpochWindow();
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
    QVERIFY(c.distill.feature.layers.empty()); // the Detect inputs of each model, paired by the Distiller
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
    const ExperimentConfig lad = armConfig(c, "logit+lad");
    QVERIFY(lad.distill.ladOn && lad.distill.logitOn && !lad.distill.locOn && lad.distills());
    QVERIFY(armConfig(c, "lad").distills());
    QVERIFY(!armConfig(c, "logit").distill.ladOn);
    QVERIFY(parseExperiment(experimentToYaml(lad), "args.yaml", "/base").distill.ladOn); // args.yaml names the arm
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
    QTest::newRow("unknown feature type") << "distill: {feature: {type: fancy}}" << "mse | at | cwd | mgd | pkd | score_l2 | fgd";
    QTest::newRow("param of another type") << "distill: {feature: {type: pkd, tau: 2}}" << "'distill.feature.tau' is a parameter of feature type cwd, not of type 'pkd'";
    QTest::newRow("mgd param under cwd") << "distill: {feature: {type: cwd, lambda: 0.5}}" << "distill.feature.lambda";
    QTest::newRow("unknown param in type block") << "distill: {feature: {pkd: {tau: 1}}}" << "unknown key 'distill.feature.pkd.tau'";
    QTest::newRow("negative adapter warm-up") << "distill: {feature: {adapter_warmup_steps: -1}}" << "distill.feature.adapter_warmup_steps";
    QTest::newRow("best rule") << "train: {best: highest}" << "'train.best' unknown value 'highest' (expected fitness | last)";
    QTest::newRow("pretrained not bool") << "train: {pretrained: maybe}" << "train.pretrained";
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

void TestExperimentConfig::teacherFirstKeys()
{
    const std::string yaml = "name: e\ndata: d.yaml\nteacher: {weights: s.safetensors, finetune_epochs: 4}\n"
                             "student: {weights: n.safetensors}\ntrain: {pretrained: false, best: last}\n";
    const ExperimentConfig c = parseExperiment(yaml, "e.yaml", "/base");
    QCOMPARE(c.teacher.finetuneEpochs, 4);
    QCOMPARE(c.teacher.pretrainEpochs, 0);
    QVERIFY(!c.train.pretrained);
    QCOMPARE(c.train.best, std::string("last"));
    const ExperimentConfig back = parseExperiment(experimentToYaml(c), "args.yaml", "/base");
    QCOMPARE(back.teacher.finetuneEpochs, 4);
    QCOMPARE(back.teacher.weights, std::string("s.safetensors"));
    QVERIFY(!back.train.pretrained);
    QCOMPARE(back.train.best, std::string("last"));
    // Defaults: pretrained weights, best by fitness.
    const ExperimentConfig d = parseExperiment(kBase, "e.yaml", "/base");
    QVERIFY(d.train.pretrained);
    QCOMPARE(d.train.best, std::string("fitness"));
}

void TestExperimentConfig::teacherKeysRejected_data()
{
    QTest::addColumn<QString>("teacher");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("finetune without weights") << "{arch: yolov8s.yaml, finetune_epochs: 3}"
                                              << "e.yaml:1: 'teacher.finetune_epochs' needs 'teacher.weights'";
    QTest::newRow("pretrain with weights") << "{weights: s.safetensors, pretrain_epochs: 3}"
                                           << "e.yaml:1: 'teacher.pretrain_epochs' trains the teacher from scratch, but 'teacher.weights' is given";
    QTest::newRow("negative finetune") << "{weights: s.safetensors, finetune_epochs: -2}" << "'teacher.finetune_epochs'";
}

void TestExperimentConfig::teacherKeysRejected()
{
    QFETCH(QString, teacher);
    QFETCH(QString, mentions);
    try {
        parseExperiment("teacher: " + teacher.toStdString() + "\nname: e\ndata: d.yaml\nstudent: {arch: yolov8n.yaml}\n",
                        "e.yaml", "/base");
        QFAIL("accepted bad input");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains(mentions), e.what());
    }
}

void TestExperimentConfig::featureTypeParameters()
{
    // Each type's parameters (and its own weight) under its name; the arm picks the type.
    const std::string yaml = std::string(kBase) +
                             "distill:\n  feature:\n    type: cwd\n    weight: 2.0\n    tau: 3.0\n"
                             "    adapter_warmup_steps: 50\n    pkd: {weight: 6.0}\n    mgd: {alpha: 1.0e-4, lambda: 0.5}\n"
                             "    score_l2: {hidden: 32}\n    fgd: {weight: 0.5, temperature: 0.8, alpha: 2.0e-3, beta: 1.0e-3, gamma: 4.0e-3, lambda: 1.0e-5}\n";
    const ExperimentConfig c = parseExperiment(yaml, "e.yaml", "/base");
    const auto& f = c.distill.feature;
    QCOMPARE(f.tau, 3.0);
    QCOMPARE(f.alpha, 1e-4);
    QCOMPARE(f.lambda, 0.5);
    QCOMPARE(f.hidden, 32);
    QCOMPARE(f.fgdTemperature, 0.8);
    QCOMPARE(f.fgdAlpha, 2e-3);
    QCOMPARE(f.fgdBeta, 1e-3);
    QCOMPARE(f.fgdGamma, 4e-3);
    QCOMPARE(f.fgdLambda, 1e-5);
    QCOMPARE(f.adapterWarmupSteps, 50);
    QCOMPARE(f.activeWeight(), 2.0);
    QCOMPARE(armConfig(c, "logit+pkd").distill.feature.activeWeight(), 6.0);
    QCOMPARE(armConfig(c, "logit+fgd").distill.feature.activeWeight(), 0.5);
    QCOMPARE(armConfig(c, "logit+score_l2").distill.feature.activeWeight(), 2.0);
    QCOMPARE(armConfig(c, "logit+score_l2").distill.feature.type, std::string("score_l2"));
    const ExperimentConfig back = parseExperiment(experimentToYaml(armConfig(c, "logit+pkd")), "args.yaml", "/base");
    QCOMPARE(back.distill.feature.type, std::string("pkd"));
    QCOMPARE(back.distill.feature.activeWeight(), 6.0);
    QCOMPARE(back.distill.feature.fgdGamma, 4e-3);
    QCOMPARE(back.distill.feature.tau, 3.0);
    QCOMPARE(back.distill.feature.adapterWarmupSteps, 50);
    QVERIFY(back.distill.featureOn);
}

void TestExperimentConfig::bestEpochWindow()
{
    // The window follows the experiment's longest KD warm-up, in every arm (the baseline too).
    const ExperimentConfig c = parseExperiment(std::string(kBase) +
                                                   "train: {epochs: 10}\ndistill: {schedule: {warmup_epochs: 1},"
                                                   " feature: {schedule: {warmup_epochs: 2.5}}}\n",
                                               "e.yaml", "/base");
    QCOMPARE(c.bestFromEpoch(), 3);
    QCOMPARE(armConfig(c, "baseline").bestFromEpoch(), 3);
    QCOMPARE(armConfig(c, "logit").bestFromEpoch(), 3);
    // Never past the last epoch; 0 without a teacher or warm-up.
    QCOMPARE(parseExperiment(std::string(kBase) + "train: {epochs: 2}\ndistill: {schedule: {warmup_epochs: 5}}\n",
                             "e.yaml", "/base").bestFromEpoch(), 1);
    QCOMPARE(parseExperiment("name: e\ndata: d.yaml\nstudent: {arch: yolov8n.yaml}\n", "e.yaml", "/base").bestFromEpoch(), 0);
}

void TestExperimentConfig::shippedExperimentsParse_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("shapes-quick") << "experiments/shapes-quick.yaml";
    QTest::newRow("coco128-v8s-to-v8n") << "experiments/coco128-v8s-to-v8n.yaml";
    QTest::newRow("bccd-v8s-to-v8n") << "experiments/bccd-v8s-to-v8n.yaml";
    QTest::newRow("shapes-cross") << "experiments/shapes-cross.yaml";
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
