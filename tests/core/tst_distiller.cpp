// Distiller on tiny random models (yolov8n student, yolov8s teacher, 4 classes, 64 px):
// every term alone and together, gradients reach the student and the adapters but never the
// teacher, the teacher's state survives training bit for bit, and bad settings are refused
// with the key named.
#include "distill/distiller.h"
#include "distill/featuredistiller.h"
#include "loss/detectionloss.h"
#include "model/archspec.h"
#include "util/error.h"

#include <QtTest>

#include <cmath>

using namespace retort;

namespace {

constexpr int64_t kNc = 4;
constexpr int64_t kBatch = 2;
constexpr int64_t kImgsz = 64;

DistillSettings settingsFor(const QString& arm)
{
    DistillSettings s;
    const QStringList terms = arm.split('+');
    for (const QString& t : terms) {
        if (t == "logit") {
            s.logitOn = true;
        } else if (t == "logitkl") {
            s.logitOn = true;
            s.logit.mode = "kl";
            s.logit.confThreshold = 5e-5; // a fresh head scores ~2e-4: keeps some anchors, drops others
            s.logit.temperatureEnd = 1.0;
        } else if (t == "loc") {
            s.locOn = true;
        } else if (t == "lad") {
            s.ladOn = true;
        } else if (t == "sample" || t == "spatial") {
            s.relationOn = true;
            s.relation.weight = 1.0;
            s.relation.mode = t.toStdString();
        } else {
            s.featureOn = true;
            s.feature.type = t.toStdString();
            s.feature.alpha = 0.5; // MGD's 2e-5 is tuned for 256-channel maps; keep the term visible here
        }
    }
    s.logit.schedule.warmupEpochs = 1.0;
    s.feature.schedule.decay = "cosine";
    s.feature.schedule.finalFraction = 0.1;
    return s;
}

std::vector<std::pair<std::string, torch::Tensor>> stateOf(torch::nn::Module& m)
{
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& p : m.named_parameters(true))
        out.emplace_back(p.key(), p.value().detach().clone());
    for (const auto& b : m.named_buffers(true))
        out.emplace_back(b.key(), b.value().detach().clone());
    return out;
}

double gradAbsSum(torch::nn::Module& m)
{
    double sum = 0;
    for (const auto& p : m.parameters())
        if (p.grad().defined())
            sum += p.grad().abs().sum().item<double>();
    return sum;
}

QString errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const InputError& e) {
        return QString::fromStdString(e.what());
    }
    return QString("(no InputError)");
}

} // namespace

class TestDistiller : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void termsTrain_data();
    void termsTrain();
    void restoresModesAndDescribes();
    void mgdIsReproducibleAndResumable();
    void newTypesDescribeAndWeigh();
    void adapterFitLoss_data();
    void adapterFitLoss();
    void fgdUsesTargets();
    void badSettings_data();
    void badSettings();
    void ladAssignsByTheTeacher();
    void acrossFamilies_data();
    void acrossFamilies();

private:
    DetectionTargets targets() const;
    DetectionModel m_teacher{nullptr};
    DetectionModel m_student{nullptr};
    torch::Tensor m_images;
};

void TestDistiller::initTestCase()
{
    torch::manual_seed(0);
    torch::set_num_threads(2);
    m_teacher = DetectionModel(loadArch("yolov8s.yaml", kNc));
    m_student = DetectionModel(loadArch("yolov8n.yaml", kNc));
    m_images = torch::rand({kBatch, 3, kImgsz, kImgsz});
}

DetectionTargets TestDistiller::targets() const
{
    return {torch::tensor({0.0, 0.0, 1.0}), torch::tensor({1.0, 3.0, 0.0}).view({3, 1}),
            torch::tensor({0.3, 0.4, 0.2, 0.3, 0.7, 0.6, 0.4, 0.5, 0.5, 0.5, 0.6, 0.8}).view({3, 4})};
}

void TestDistiller::termsTrain_data()
{
    QTest::addColumn<QString>("arm");
    QTest::addColumn<QStringList>("keys");
    QTest::addColumn<bool>("adapters");
    const QStringList feat{"kd_feat_15", "kd_feat_18", "kd_feat_21", "kd_feat"};
    QTest::newRow("logit bce") << "logit" << QStringList{"kd_logit"} << false;
    QTest::newRow("logit kl, conf, annealed") << "logitkl" << QStringList{"kd_logit"} << false;
    QTest::newRow("loc") << "loc" << QStringList{"kd_loc"} << false;
    QTest::newRow("mse") << "mse" << feat << true;
    QTest::newRow("at") << "at" << feat << false;
    QTest::newRow("cwd") << "cwd" << feat << true;
    QTest::newRow("mgd") << "mgd" << feat << true;
    QTest::newRow("pkd") << "pkd" << feat << true;
    QTest::newRow("score_l2 (projectors, no adapters)") << "score_l2" << feat << false;
    QTest::newRow("fgd") << "fgd" << feat << true;
    QTest::newRow("relation sample") << "sample" << QStringList{"kd_relation"} << false;
    QTest::newRow("relation spatial") << "spatial" << QStringList{"kd_relation"} << false;
    QTest::newRow("all") << "logit+loc+cwd+sample" << (QStringList{"kd_logit", "kd_loc"} + feat + QStringList{"kd_relation"})
                         << true;
}

void TestDistiller::termsTrain()
{
    QFETCH(QString, arm);
    QFETCH(QStringList, keys);
    QFETCH(bool, adapters);
    auto student = cloneModel(*m_student, torch::kCPU);
    student->train();
    m_teacher->eval();
    const auto teacherBefore = stateOf(*m_teacher);

    const int epochs = 3;
    Distiller distiller(settingsFor(arm), *m_teacher, *student, epochs, 42);
    QStringList names;
    for (const auto& n : distiller->lossNames())
        names << QString::fromStdString(n);
    QCOMPARE(names, keys);

    std::vector<torch::Tensor> params = student->parameters();
    for (const auto& p : distiller->parameters())
        params.push_back(p);
    torch::optim::SGD opt(params, torch::optim::SGDOptions(0.01).momentum(0.9));
    const DetectionLoss criterion(kNc, student->strides());
    const auto targets = this->targets();

    for (int step = 0; step < 2; ++step) {
        opt.zero_grad();
        for (auto& p : m_teacher->parameters())
            p.mutable_grad() = torch::Tensor();
        FeatureTaps sTaps, tTaps;
        const auto maps = student->forwardMaps(m_images, distiller->studentLayers(), &sTaps);
        const auto task = criterion(maps, targets);
        // Deliberately with grad enabled: the Distiller itself must keep gradients out of the teacher.
        const auto tMaps = m_teacher->forwardMaps(m_images, distiller->teacherLayers(), &tTaps);
        const double progress = 1.5 + step * 0.5;
        const KdOutput kd = distiller->forward(maps, sTaps, tMaps, tTaps, task, progress, &targets);

        QStringList got;
        double sum = 0;
        for (const auto& [k, v] : kd.components) {
            got << QString::fromStdString(k);
            QVERIFY2(std::isfinite(v) && v > 0, qPrintable(QString("%1 = %2").arg(QString::fromStdString(k)).arg(v)));
            if (k.rfind("kd_feat_", 0) != 0)
                sum += v;
        }
        got.sort();
        QStringList want = keys;
        want.sort();
        QCOMPARE(got, want);
        QVERIFY(std::abs(kd.total.item<double>() - sum) <= 1e-5 * std::max(1.0, sum));
        QVERIFY(kd.total.requires_grad());

        if (step == 0) {
            // The KD term alone reaches the student (and the adapters), never the teacher.
            (kd.total * static_cast<double>(kBatch)).backward({}, /*retain_graph=*/true);
            QVERIFY2(gradAbsSum(*student) > 0, "no gradient on the student from the KD term");
            for (const auto& p : m_teacher->parameters())
                QVERIFY2(!p.grad().defined() || p.grad().abs().sum().item<double>() == 0, "gradient on the teacher");
            int adapterCount = 0;
            for (const auto& m : distiller->modules(false)) {
                if (auto* fd = dynamic_cast<FeatureDistillerImpl*>(m.get()); fd && fd->hasAdapter()) {
                    ++adapterCount;
                    QVERIFY(fd->adapter->weight.grad().defined());
                    QVERIFY(fd->adapter->weight.grad().abs().sum().item<double>() > 0);
                }
            }
            QCOMPARE(adapterCount > 0, adapters);
            // Every trainable part (projector, generator, GcBlocks too) is reached.
            for (const auto& m : distiller->modules(false)) {
                if (auto* fd = dynamic_cast<FeatureDistillerImpl*>(m.get()); fd && fd->hasTrainableParts()) {
                    for (const auto& child : fd->named_children())
                        QVERIFY2(gradAbsSum(*child.value()) > 0, child.key().c_str());
                }
            }
            opt.zero_grad();
        }
        const auto total = task.total + kd.total * static_cast<double>(kBatch);
        total.backward();
        for (const auto& p : m_teacher->parameters())
            QVERIFY(!p.grad().defined() || p.grad().abs().sum().item<double>() == 0);
        opt.step();
    }

    const auto teacherAfter = stateOf(*m_teacher);
    QCOMPARE(teacherAfter.size(), teacherBefore.size());
    for (size_t i = 0; i < teacherBefore.size(); ++i)
        QVERIFY2(torch::equal(teacherBefore[i].second, teacherAfter[i].second),
                 qPrintable(QString::fromStdString("teacher changed: " + teacherBefore[i].first)));
    for (auto& p : m_teacher->parameters())
        p.mutable_grad() = torch::Tensor();
}

void TestDistiller::restoresModesAndDescribes()
{
    auto student = cloneModel(*m_student, torch::kCPU);
    student->train();
    m_teacher->eval();
    DistillSettings s = settingsFor("cwd+logit");
    Distiller d(s, *m_teacher, *student, 10, 0);
    QVERIFY(student->is_training());
    QVERIFY(student->model[0]->is_training());
    QVERIFY(!m_teacher->is_training());
    QVERIFY(!m_teacher->model[0]->is_training());
    QCOMPARE(d->teacherLayers(), (std::vector<int>{15, 18, 21}));
    QCOMPARE(d->studentLayers(), (std::vector<int>{15, 18, 21}));

    QString text;
    for (const auto& l : d->describe())
        text += QString::fromStdString(l) + "\n";
    // yolov8n layer 15 has 64 channels, yolov8s 128; 128 px dry run: P3 16x16.
    QVERIFY2(text.contains("teacher layer 15 (1x128x16x16) -> student layer 15 (1x64x16x16), adapter 64->128"), qPrintable(text));
    QVERIFY2(text.contains("teacher layer 21 (1x512x4x4) -> student layer 21 (1x256x4x4), adapter 256->512"), qPrintable(text));
    QVERIFY2(text.contains("logit KD: bce, weight 1, temperature 4"), qPrintable(text));
    QVERIFY2(text.contains("feature KD: cwd, weight 2, tau 1"), qPrintable(text));

    // Same channels on both sides: no adapter.
    Distiller self(settingsFor("mse"), *m_teacher, *m_teacher, 10, 0);
    QVERIFY(self->parameters().empty());
}

void TestDistiller::mgdIsReproducibleAndResumable()
{
    auto student = cloneModel(*m_student, torch::kCPU);
    student->eval();
    const DetectionLoss criterion(kNc, student->strides());
    const auto run = [&](Distiller& d) {
        FeatureTaps sTaps, tTaps;
        torch::NoGradGuard noGrad;
        const auto maps = student->forwardMaps(m_images, d->studentLayers(), &sTaps);
        const auto tMaps = m_teacher->forwardMaps(m_images, d->teacherLayers(), &tTaps);
        return d->forward(maps, sTaps, tMaps, tTaps, criterion(maps, targets()), 1.0).components.at("kd_feat");
    };
    const auto s = settingsFor("mgd");
    Distiller a(s, *m_teacher, *student, 3, 5);
    Distiller b(s, *m_teacher, *student, 3, 5);
    {
        torch::NoGradGuard noGrad;
        for (const auto& p : a->named_parameters())
            b->named_parameters()[p.key()].copy_(p.value()); // same generator weights, same seed
    }
    const double a1 = run(a);
    QCOMPARE(run(b), a1);
    const double a2 = run(a);
    QVERIFY(a2 != a1); // a new mask

    // The mask generator's state is a buffer, so a checkpoint carries it: a fresh distiller
    // given a's buffers and parameters continues where a is.
    Distiller c(s, *m_teacher, *student, 3, 99);
    {
        torch::NoGradGuard noGrad;
        for (const auto& p : a->named_parameters())
            c->named_parameters()[p.key()].copy_(p.value());
        for (const auto& b : a->named_buffers())
            c->named_buffers()[b.key()].copy_(b.value());
    }
    QVERIFY(a->named_buffers().contains("mgd_rng_state"));
    QCOMPARE(run(c), run(a));
}

void TestDistiller::newTypesDescribeAndWeigh()
{
    auto student = cloneModel(*m_student, torch::kCPU);
    student->eval();
    m_teacher->eval();
    const auto text = [](Distiller& d) {
        QString out;
        for (const auto& l : d->describe())
            out += QString::fromStdString(l) + "\n";
        return out;
    };
    DistillSettings fgd = settingsFor("fgd");
    Distiller dFgd(fgd, *m_teacher, *student, 10, 0);
    QVERIFY2(text(dFgd).contains("feature KD: fgd, weight 2, temperature 0.5, alpha 0.001, beta 0.0005, gamma 0.001, lambda 5e-06"),
             qPrintable(text(dFgd)));
    QVERIFY2(text(dFgd).contains("student layer 15 (1x64x16x16), adapter 64->128, GcBlocks 128->64->128"), qPrintable(text(dFgd)));

    DistillSettings l2 = settingsFor("score_l2");
    l2.feature.hidden = 32;
    l2.feature.layers = {{15, 15}, {0, 0}}; // layer 0 (stride 2) has no Detect level of its size
    Distiller dL2(l2, *m_teacher, *student, 10, 0);
    QVERIFY2(text(dL2).contains("feature KD: score_l2, weight 2, projector hidden 32"), qPrintable(text(dL2)));
    QVERIFY2(text(dL2).contains("(1x64x16x16), projector 64->32->128, weighted by the teacher's confidence at Detect level 0 (16x16)"),
             qPrintable(text(dL2)));
    QVERIFY2(text(dL2).contains("(1x16x64x64), projector 16->32->32, uniform weights (no Detect level is 64x64)"), qPrintable(text(dL2)));

    // The active type's own weight replaces distill.feature.weight.
    DistillSettings pkd = settingsFor("pkd");
    Distiller dPkd(pkd, *m_teacher, *student, 10, 0);
    pkd.feature.typeWeights["pkd"] = 7.0;
    pkd.feature.typeWeights["cwd"] = 100.0; // another type's weight plays no part
    Distiller dPkd7(pkd, *m_teacher, *student, 10, 0);
    QVERIFY2(text(dPkd7).contains("feature KD: pkd, weight 7, Pearson correlation"), qPrintable(text(dPkd7)));
    {
        torch::NoGradGuard noGrad;
        for (const auto& p : dPkd->named_parameters())
            dPkd7->named_parameters()[p.key()].copy_(p.value());
    }
    const DetectionLoss criterion(kNc, student->strides());
    const auto tg = targets();
    const auto run = [&](Distiller& d) {
        FeatureTaps sTaps, tTaps;
        torch::NoGradGuard noGrad;
        const auto maps = student->forwardMaps(m_images, d->studentLayers(), &sTaps);
        const auto tMaps = m_teacher->forwardMaps(m_images, d->teacherLayers(), &tTaps);
        return d->forward(maps, sTaps, tMaps, tTaps, criterion(maps, tg), 0.0, &tg).components;
    };
    const double w2 = run(dPkd).at("kd_feat");
    QVERIFY(std::abs(run(dPkd7).at("kd_feat") / w2 - 3.5) < 1e-5);
    // The uniform fallback still gives a loss.
    const auto c = run(dL2);
    QVERIFY(std::isfinite(c.at("kd_feat_0")) && c.at("kd_feat_0") > 0);
}

void TestDistiller::adapterFitLoss_data()
{
    QTest::addColumn<QString>("arm");
    QTest::addColumn<bool>("trainable");
    QTest::newRow("cwd") << "cwd" << true;
    QTest::newRow("mgd") << "mgd" << true;
    QTest::newRow("pkd") << "pkd" << true;
    QTest::newRow("score_l2") << "score_l2" << true;
    QTest::newRow("fgd") << "fgd" << true;
    QTest::newRow("at (nothing to fit)") << "at" << false;
}

void TestDistiller::adapterFitLoss()
{
    QFETCH(QString, arm);
    QFETCH(bool, trainable);
    auto student = cloneModel(*m_student, torch::kCPU);
    student->train();
    m_teacher->eval();
    Distiller d(settingsFor(arm), *m_teacher, *student, 3, 1);
    QCOMPARE(d->hasTrainableFeatureParts(), trainable);
    FeatureTaps sTaps, tTaps;
    const auto maps = student->forwardMaps(m_images, d->studentLayers(), &sTaps);
    const auto tMaps = m_teacher->forwardMaps(m_images, d->teacherLayers(), &tTaps);
    const auto tg = targets();
    const auto l = d->adapterFitLoss(sTaps, tTaps, tMaps, &tg, kImgsz, kImgsz);
    QVERIFY(l.defined() && std::isfinite(l.item<double>()) && l.item<double>() > 0);
    QCOMPARE(l.requires_grad(), trainable);
    if (!trainable)
        return;
    l.backward();
    QCOMPARE(gradAbsSum(*student), 0.0); // the student taps were detached
    for (const auto& p : student->parameters())
        QVERIFY(!p.grad().defined());
    QVERIFY(gradAbsSum(*d) > 0);
    for (const auto& p : m_teacher->parameters())
        QVERIFY(!p.grad().defined() || p.grad().abs().sum().item<double>() == 0);

    // Feature KD off: nothing to fit.
    Distiller logitOnly(settingsFor("logit"), *m_teacher, *student, 3, 1);
    QVERIFY(!logitOnly->adapterFitLoss(sTaps, tTaps, tMaps, &tg, kImgsz, kImgsz).defined());
    QVERIFY(!logitOnly->hasTrainableFeatureParts());
}

void TestDistiller::fgdUsesTargets()
{
    auto student = cloneModel(*m_student, torch::kCPU);
    student->eval();
    m_teacher->eval();
    DistillSettings s = settingsFor("fgd");
    s.feature.fgdBeta = 0; // only the foreground term differs between the two runs
    s.feature.fgdGamma = 0;
    s.feature.fgdLambda = 0;
    Distiller d(s, *m_teacher, *student, 3, 0);
    const DetectionLoss criterion(kNc, student->strides());
    const auto tg = targets();
    FeatureTaps sTaps, tTaps;
    torch::NoGradGuard noGrad;
    const auto maps = student->forwardMaps(m_images, d->studentLayers(), &sTaps);
    const auto tMaps = m_teacher->forwardMaps(m_images, d->teacherLayers(), &tTaps);
    const auto task = criterion(maps, tg);
    const double with = d->forward(maps, sTaps, tMaps, tTaps, task, 0.0, &tg).components.at("kd_feat");
    QVERIFY(std::isfinite(with) && with > 0);
    // Without targets every position is background: no foreground term at all.
    QCOMPARE(d->forward(maps, sTaps, tMaps, tTaps, task, 0.0, nullptr).components.at("kd_feat"), 0.0);
}

void TestDistiller::badSettings_data()
{
    QTest::addColumn<QString>("arm");
    QTest::addColumn<QString>("change");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing teacher layer") << "cwd" << "layers 30:15"
                                           << "distill.feature.layers: teacher layer 30 does not exist (the teacher has feature layers 0..21)";
    QTest::newRow("missing student layer") << "cwd" << "layers 15:22"
                                           << "distill.feature.layers: student layer 22 does not exist (the student has feature layers 0..21)";
    QTest::newRow("spatial mismatch") << "mse" << "layers 15:18"
                                      << "distill.feature.layers: teacher layer 15 (1x128x16x16) and student layer 18 (1x128x8x8) differ in spatial size";
    QTest::newRow("duplicate student layer") << "at" << "layers 15:15,18:15"
                                             << "distill.feature.layers: student layer 15 appears twice";
    QTest::newRow("class counts") << "logit" << "teacher nc 80"
                                  << "distill.logit: the teacher has 80 classes and the student 4; logit, loc KD and lad need equal class counts";
    QTest::newRow("lad class counts") << "lad" << "teacher nc 80"
                                      << "arm term 'lad': the teacher has 80 classes and the student 4; logit, loc KD and lad need equal class counts";
    QTest::newRow("negative weight") << "logit" << "logit.weight -1" << "distill.logit.weight: expected a value >= 0, got -1";
    QTest::newRow("zero temperature") << "loc" << "loc.temperature 0" << "distill.loc.temperature: expected a value > 0, got 0";
    QTest::newRow("zero tau") << "cwd" << "feature.tau 0" << "distill.feature.tau: expected a value > 0, got 0";
    QTest::newRow("unknown feature type") << "mse" << "feature.type foo"
                                          << "distill.feature.type: 'foo' is not one of mse, at, cwd, mgd, pkd, score_l2, fgd";
    QTest::newRow("fgd zero temperature") << "fgd" << "feature.fgdTemperature 0"
                                          << "distill.feature.temperature: expected a value > 0, got 0";
    QTest::newRow("fgd negative gamma") << "fgd" << "feature.fgdGamma -1" << "distill.feature.gamma: expected a value >= 0, got -1";
    QTest::newRow("fgd negative alpha") << "fgd" << "feature.fgdAlpha -0.5" << "distill.feature.alpha: expected a value >= 0, got -0.5";
    QTest::newRow("score_l2 negative hidden") << "score_l2" << "feature.hidden -1"
                                              << "distill.feature.hidden: expected a value >= 0, got -1";
    QTest::newRow("negative type weight") << "pkd" << "feature.pkd.weight -2"
                                          << "distill.feature.pkd.weight: expected a value >= 0, got -2";
    QTest::newRow("unknown relation mode") << "sample" << "relation.mode channel"
                                           << "distill.relation.mode: 'channel' is not one of sample, spatial";
    QTest::newRow("unknown decay") << "mse" << "feature.decay step"
                                   << "distill.feature.schedule.decay: 'step' is not one of none, linear, cosine";
    QTest::newRow("unknown logit mode") << "logit" << "logit.mode softmax" << "distill.logit.mode: 'softmax' is not one of bce, kl";
}

void TestDistiller::badSettings()
{
    QFETCH(QString, arm);
    QFETCH(QString, change);
    QFETCH(QString, message);
    DistillSettings s = settingsFor(arm);
    DetectionModel teacher = m_teacher;
    const QStringList parts = change.split(' ');
    const QString key = parts[0];
    const QString value = parts[1];
    if (key == "layers") {
        s.feature.layers.clear();
        for (const QString& pair : value.split(','))
            s.feature.layers.emplace_back(pair.section(':', 0, 0).toInt(), pair.section(':', 1, 1).toInt());
    } else if (key == "teacher") {
        teacher = DetectionModel(loadArch("yolov8n.yaml", parts[2].toInt()));
    } else if (key == "logit.weight") {
        s.logit.weight = value.toDouble();
    } else if (key == "loc.temperature") {
        s.loc.temperature = value.toDouble();
    } else if (key == "feature.tau") {
        s.feature.tau = value.toDouble();
    } else if (key == "feature.fgdTemperature") {
        s.feature.fgdTemperature = value.toDouble();
    } else if (key == "feature.fgdGamma") {
        s.feature.fgdGamma = value.toDouble();
    } else if (key == "feature.fgdAlpha") {
        s.feature.fgdAlpha = value.toDouble();
    } else if (key == "feature.hidden") {
        s.feature.hidden = value.toInt();
    } else if (key == "feature.pkd.weight") {
        s.feature.typeWeights["pkd"] = value.toDouble();
    } else if (key == "feature.type") {
        s.feature.type = value.toStdString();
    } else if (key == "relation.mode") {
        s.relation.mode = value.toStdString();
    } else if (key == "feature.decay") {
        s.feature.schedule.decay = value.toStdString();
    } else if (key == "logit.mode") {
        s.logit.mode = value.toStdString();
    } else {
        QFAIL("unknown change");
    }
    const bool wasTraining = m_student->is_training();
    QCOMPARE(errorOf([&] { Distiller d(s, *teacher, *m_student, 10, 0); }), message);
    QCOMPARE(m_student->is_training(), wasTraining);
}

void TestDistiller::ladAssignsByTheTeacher()
{
    // `lad` has no loss of its own: the distiller reports no component and asks the task loss
    // to assign labels by the teacher's maps, which changes the task loss's assignment.
    Distiller lad(settingsFor("lad"), *m_teacher, *m_student, 3, 1);
    QVERIFY(lad->assignsByTeacher());
    QVERIFY(lad->lossNames().empty());
    Distiller logit(settingsFor("logit"), *m_teacher, *m_student, 3, 1);
    QVERIFY(!logit->assignsByTeacher());
    bool described = false;
    for (const auto& line : lad->describe())
        described = described || line.find("label assignment by the teacher") != std::string::npos;
    QVERIFY(described);

    torch::NoGradGuard g;
    m_teacher->eval();
    m_student->eval();
    const auto sMaps = m_student->forwardMaps(m_images);
    const auto tMaps = m_teacher->forwardMaps(m_images);
    const DetectionLoss criterion(kNc, m_student->strides());
    const auto own = criterion(sMaps, targets());
    const auto byTeacher = criterion(sMaps, targets(), &tMaps);
    const auto teacherOwn = criterion(tMaps, targets());
    QVERIFY(torch::equal(byTeacher.assigned.fgMask, teacherOwn.assigned.fgMask));
    QVERIFY(torch::allclose(byTeacher.assigned.targetScores, teacherOwn.assigned.targetScores));
    QVERIFY(!torch::allclose(byTeacher.assigned.targetScores, own.assigned.targetScores));
}

void TestDistiller::acrossFamilies_data()
{
    QTest::addColumn<QString>("teacher");
    QTest::addColumn<QString>("student");
    QTest::addColumn<QString>("loc");
    QTest::newRow("yolov8s -> yolo11n") << "yolov8s" << "yolo11n" << "DFL bins";
    QTest::newRow("yolo11s -> yolo26n") << "yolo11s" << "yolo26n" << "decoded boxes";
    QTest::newRow("yolo26s -> yolov8n") << "yolo26s" << "yolov8n" << "decoded boxes";
}

void TestDistiller::acrossFamilies()
{
    // Any teacher with any student of the three families: taps default to each model's Detect
    // inputs (read from the architecture), adapters are sized from the shapes, the loc term
    // falls back to decoded boxes when the box bins differ; every term finite and non-zero,
    // gradients in the student and the adapters only.
    QFETCH(QString, teacher);
    QFETCH(QString, student);
    QFETCH(QString, loc);
    torch::manual_seed(1);
    DetectionModel t(loadArch(teacher.toStdString() + ".yaml", kNc));
    DetectionModel s(loadArch(student.toStdString() + ".yaml", kNc));
    t->eval();
    s->train();
    Distiller distiller(settingsFor("logit+loc+cwd+sample"), *t, *s, 3, 7);
    QCOMPARE(distiller->teacherLayers(), t->spec().headInputs());
    QCOMPARE(distiller->studentLayers(), s->spec().headInputs());
    QString described;
    for (const auto& line : distiller->describe())
        described += QString::fromStdString(line) + "\n";
    QVERIFY2(described.contains("loc KD (" + loc), qPrintable(described));

    const auto targets = this->targets();
    FeatureTaps sTaps, tTaps;
    std::vector<torch::Tensor> oneToOne;
    const auto maps = s->forwardMaps(m_images, distiller->studentLayers(), &sTaps, s->endToEnd() ? &oneToOne : nullptr);
    const DetectionLossOutput task = s->endToEnd()
                                         ? EndToEndLoss(kNc, s->strides(), s->detectHead()->regMax())(maps, oneToOne, targets)
                                         : DetectionLoss(kNc, s->strides(), s->detectHead()->regMax())(maps, targets);
    std::vector<torch::Tensor> tMaps;
    {
        torch::NoGradGuard noGrad;
        tMaps = t->forwardMaps(m_images, distiller->teacherLayers(), &tTaps);
    }
    const KdOutput kd = distiller->forward(maps, sTaps, tMaps, tTaps, task, 1.5, &targets);
    for (const char* key : {"kd_logit", "kd_loc", "kd_feat", "kd_relation"}) {
        QVERIFY2(kd.components.count(key), key);
        const double v = kd.components.at(key);
        QVERIFY2(std::isfinite(v) && v > 0, qPrintable(QString("%1 = %2").arg(key).arg(v)));
    }
    (task.total + kd.total * static_cast<double>(kBatch)).backward();
    QVERIFY(gradAbsSum(*s) > 0);
    QCOMPARE(gradAbsSum(*t), 0.0);
    int adapters = 0;
    for (const auto& m : distiller->modules(false))
        if (auto* fd = dynamic_cast<FeatureDistillerImpl*>(m.get()); fd && fd->hasAdapter()) {
            ++adapters;
            QVERIFY(fd->adapter->weight.grad().defined() && fd->adapter->weight.grad().abs().sum().item<double>() > 0);
        }
    QVERIFY(adapters > 0);
}

QTEST_APPLESS_MAIN(TestDistiller)
#include "tst_distiller.moc"
