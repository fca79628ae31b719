// KD losses and schedules on hand-made tensors. Expected values were computed once,
// independently, from the textbook formulas (float64) and are written here as numbers.
#include "distill/featuredistiller.h"
#include "distill/kdlosses.h"
#include "distill/kdschedule.h"
#include "util/error.h"

#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

using namespace retort;

namespace {

torch::Tensor t64(std::vector<double> v, std::vector<int64_t> shape)
{
    return torch::tensor(v, torch::kDouble).view(shape);
}

// Class logits (B=1, N=2, nc=3).
torch::Tensor studentLogits() { return t64({0.5, -1.0, 0.3, 2.0, 0.0, -0.7}, {1, 2, 3}); }
torch::Tensor teacherLogits() { return t64({1.0, -0.5, 0.2, -1.0, 0.5, 1.5}, {1, 2, 3}); }
// DFL logits (B=1, N=2, 4 sides x reg_max 2).
torch::Tensor studentDistri() { return t64({0.1, 0.4, -0.2, 0.3, 1.0, 0.0, 0.5, 0.5, 0.0, 1.0, 0.2, -0.2, 0.3, 0.9, -1.0, 0.0}, {1, 2, 8}); }
torch::Tensor teacherDistri() { return t64({0.3, 0.1, 0.0, 0.0, 0.2, 0.6, 0.1, 0.4, 1.0, 0.0, -0.3, 0.4, 0.0, 0.0, 0.5, -0.5}, {1, 2, 8}); }
// Features (1, 2, 2, 2).
torch::Tensor studentFeat() { return t64({1.0, 2.0, 0.5, -1.0, 0.0, 1.0, 2.0, 0.5}, {1, 2, 2, 2}); }
torch::Tensor teacherFeat() { return t64({0.5, 1.5, 1.0, -0.5, 1.0, 0.0, 1.5, 1.0}, {1, 2, 2, 2}); }
// Features (2, 2, 1, 2) for the between-image relation.
torch::Tensor studentBatch() { return t64({1.0, 0.0, 2.0, 1.0, 0.5, -1.0, 1.0, 1.0}, {2, 2, 1, 2}); }
torch::Tensor teacherBatch() { return t64({0.0, 1.0, 1.0, 1.0, 1.0, 0.5, -1.0, 2.0}, {2, 2, 1, 2}); }

// Maps (2 images, 2 channels, 2x3) for pkd, score_l2 and fgd.
torch::Tensor studentMap()
{
    return t64({1.0, 2.0, 0.5, -1.0, 0.0, 1.5, 0.3, -0.2, 0.8, 1.1, 0.4, -0.6,
                2.0, 1.0, -0.5, 0.5, 0.2, 0.9, -1.2, 0.7, 0.0, 0.6, 1.4, -0.3}, {2, 2, 2, 3});
}
torch::Tensor teacherMap()
{
    return t64({0.5, 1.5, 1.0, -0.5, 0.2, 1.0, 0.1, 0.4, 0.6, 0.9, -0.3, -0.2,
                1.5, 0.8, 0.0, 0.3, -0.4, 1.2, -0.8, 0.2, 0.5, 1.0, 0.9, 0.1}, {2, 2, 2, 3});
}
// score_l2 position weights (2, 2, 3); zeros at (0,0,1), (0,1,2), (1,0,2).
torch::Tensor scoreWeights() { return t64({0.9, 0.0, 0.3, 0.5, 0.1, 0.0, 0.2, 0.7, 0.0, 1.0, 0.4, 0.6}, {2, 2, 3}); }
// Boxes on a 16x24 px image, i.e. a 2x3 map at stride 8 (xywh normalised): image 0 has
// A over cells (0,0),(0,1) and B over (0,1),(0,2),(1,1),(1,2); image 1 has C inside (1,2).
torch::Tensor boxImages() { return t64({0, 0, 1}, {3}); }
torch::Tensor boxes() { return t64({0.325, 0.25, 0.55, 0.3, 0.65, 0.6, 0.5, 0.6, 0.775, 0.65, 0.05, 0.1}, {3, 4}); }
torch::Tensor foreground()
{
    return fgdForegroundMask(boxImages(), boxes(), 2, 2, 3, 16, 24, torch::TensorOptions().dtype(torch::kDouble));
}

/// FGD through FeatureDistiller with equal channels (no adapter) and fresh GcBlocks, which are
/// the identity: T 0.5, α 0.1, β 0.2, γ 0.3, λ 0.4.
torch::Tensor fgdDistiller(const torch::Tensor& s, const torch::Tensor& t, const torch::Tensor& fg)
{
    FeatureDistiller fd(FeatureDistillerOptions("fgd", 2, 2).fgdTemperature(0.5).fgdAlpha(0.1).fgdBeta(0.2).fgdGamma(0.3).fgdLambda(0.4));
    fd->to(torch::kDouble);
    return fd(s, t, c10::nullopt, FeatureKdGuide{{}, fg});
}

/// The named loss on (student, teacher) inputs of its kind.
torch::Tensor lossByName(const QString& name, const torch::Tensor& s, const torch::Tensor& t)
{
    if (name == "logit_bce")
        return logitKdBce(s, t, 2.0);
    if (name == "logit_bce_masked")
        return logitKdBce(s, t, 2.0, torch::tensor({true, false}).view({1, 2}));
    if (name == "logit_bce_mass")
        return logitKdBce(s, t, 2.0, {}, t64({1.5, 1.0}, {1, 2}));
    if (name == "logit_bce_mass_masked")
        return logitKdBce(s, t, 2.0, torch::tensor({true, false}).view({1, 2}), t64({1.5, 1.0}, {1, 2}));
    if (name == "logit_bce_mass_small")
        return logitKdBce(s, t, 2.0, {}, t64({0.5, 0.25}, {1, 2}));
    if (name == "logit_kl_weighted")
        return logitKdKl(s, t, 2.0, {}, t64({1.5, 1.0}, {1, 2}));
    if (name == "logit_kl")
        return logitKdKl(s, t, 2.0);
    if (name == "logit_kl_masked")
        return logitKdKl(s, t, 2.0, torch::tensor({false, true}).view({1, 2}));
    if (name == "loc")
        return locKd(s, t, t64({0.2, 0.8}, {1, 2}), 2, 1.5);
    if (name == "mse")
        return featureMse(s, t);
    if (name == "at")
        return attentionTransfer(s, t);
    if (name == "cwd")
        return channelWiseDivergence(s, t, 2.0);
    if (name == "mgd")
        return mgdLoss(s, t, 0.5);
    if (name == "sample")
        return sampleRelationKd(s, t);
    if (name == "spatial")
        return spatialRelationKd(s, t);
    if (name == "pkd")
        return pearsonKd(s, t);
    if (name == "score_l2")
        return scoreWeightedL2(s, t, scoreWeights());
    if (name == "score_l2_uniform")
        return scoreWeightedL2(s, t, torch::ones({2, 2, 3}, torch::kDouble));
    if (name == "fgd_fg")
        return fgdFeatureLoss(s, t, foreground(), fgdAttention(t, 0.5));
    if (name == "fgd_bg")
        return fgdFeatureLoss(s, t, fgdBackgroundMask(foreground()), fgdAttention(t, 0.5));
    if (name == "fgd_attention")
        return fgdAttentionLoss(fgdAttention(s, 0.5), fgdAttention(t, 0.5));
    if (name == "fgd_global")
        return fgdGlobalLoss(s, t);
    if (name == "fgd_distiller")
        return fgdDistiller(s, t, foreground());
    if (name == "fgd_distiller_no_boxes")
        return fgdDistiller(s, t, {});
    qFatal("unknown loss %s", qPrintable(name));
}

torch::Tensor studentFor(const QString& name)
{
    if (name.startsWith("logit"))
        return studentLogits();
    if (name == "loc")
        return studentDistri();
    if (name == "sample")
        return studentBatch();
    if (name.startsWith("pkd") || name.startsWith("score") || name.startsWith("fgd"))
        return studentMap();
    return studentFeat();
}

torch::Tensor teacherFor(const QString& name)
{
    if (name.startsWith("logit"))
        return teacherLogits();
    if (name == "loc")
        return teacherDistri();
    if (name == "sample")
        return teacherBatch();
    if (name.startsWith("pkd") || name.startsWith("score") || name.startsWith("fgd"))
        return teacherMap();
    return teacherFeat();
}

} // namespace

class TestKdLosses : public QObject
{
    Q_OBJECT
private slots:
    void values_data();
    void values();
    void zeroAtEquality_data();
    void zeroAtEquality();
    void emptySelectionKeepsGraph();
    void pkdIgnoresTeacherAffine();
    void scoreL2IgnoresZeroWeight();
    void fgdMasks();
    void fgdAttentionSums();
    void featureGradients_data();
    void featureGradients();
    void bceGradientIsBce();
    void mgdMask();
    void schedule_data();
    void schedule();
    void scheduleRejectsBadSettings();
    void temperature_data();
    void temperature();
};

void TestKdLosses::values_data()
{
    QTest::addColumn<QString>("loss");
    QTest::addColumn<double>("expected");
    QTest::newRow("logit bce T=2") << "logit_bce" << 0.8792308807225739;
    QTest::newRow("logit bce, anchor 0 only") << "logit_bce_masked" << 0.061528543684113264;
    QTest::newRow("logit bce, sum over mass 2.5") << "logit_bce_mass" << 0.7033847045780591;
    QTest::newRow("logit bce, anchor 0 over its mass 1.5") << "logit_bce_mass_masked" << 0.041019029122742176;
    QTest::newRow("logit bce, mass 0.75 clamps to 1") << "logit_bce_mass_small" << 1.7584617614451479;
    QTest::newRow("logit kl T=2") << "logit_kl" << 1.0855990294791535;
    QTest::newRow("logit kl, weights 1.5/1") << "logit_kl_weighted" << 0.8764890294531782;
    QTest::newRow("logit kl, anchor 1 only") << "logit_kl_masked" << 2.1311490296090323;
    QTest::newRow("loc T=1.5 weights 0.2/0.8") << "loc" << 0.24728649110553327;
    QTest::newRow("mse") << "mse" << 0.4375;
    QTest::newRow("at") << "at" << 0.09391265945873047;
    QTest::newRow("cwd tau=2") << "cwd" << 0.1956044768704385;
    QTest::newRow("mgd alpha=0.5") << "mgd" << 1.75;
    QTest::newRow("sample relation") << "sample" << 0.08469925084629318;
    QTest::newRow("spatial relation") << "spatial" << 0.38824508106202205;
    // The rows below were computed with plain Python loops (float64) from the formulas in
    // kdlosses.h: per-channel means/stds, exp-softmaxes, and the box cells found by testing
    // each cell's interval for overlap with the box.
    QTest::newRow("pkd") << "pkd" << 0.17473008836821033; // = mean (1 - rho) 0.174731 up to the eps
    QTest::newRow("score_l2, weights with zeros") << "score_l2" << 0.15159574468085105;
    QTest::newRow("score_l2, uniform = mse") << "score_l2_uniform" << 0.195;
    QTest::newRow("fgd foreground T=0.5") << "fgd_fg" << 0.5335483507124119;
    QTest::newRow("fgd background T=0.5") << "fgd_bg" << 0.40290605635368704;
    QTest::newRow("fgd attention T=0.5") << "fgd_attention" << 2.335101792981882;
    QTest::newRow("fgd global (sum sq / B)") << "fgd_global" << 2.34;
    // 0.1·fg + 0.2·bg + 0.3·attention + 0.4·global (fresh GcBlocks are the identity).
    QTest::newRow("fgd distiller") << "fgd_distiller" << 1.7704665842365435;
    // No boxes: Mb = 1/6 everywhere, fg = 0, bg 0.40805423065691077.
    QTest::newRow("fgd distiller, no boxes") << "fgd_distiller_no_boxes" << 1.7181413840259467;
}

void TestKdLosses::values()
{
    QFETCH(QString, loss);
    QFETCH(double, expected);
    const double got = lossByName(loss, studentFor(loss), teacherFor(loss)).item<double>();
    QVERIFY2(std::abs(got - expected) < 1e-9 * std::max(1.0, std::abs(expected)),
             qPrintable(QString("%1: %2 vs %3").arg(loss).arg(got, 0, 'g', 12).arg(expected, 0, 'g', 12)));
}

void TestKdLosses::zeroAtEquality_data()
{
    QTest::addColumn<QString>("loss");
    for (const char* n : {"logit_bce", "logit_bce_mass", "logit_kl", "logit_kl_weighted", "loc", "mse", "at", "cwd", "mgd", "sample",
                          "spatial", "pkd", "score_l2", "fgd_fg", "fgd_bg", "fgd_attention", "fgd_global", "fgd_distiller"})
        QTest::newRow(n) << QString(n);
}

void TestKdLosses::zeroAtEquality()
{
    QFETCH(QString, loss);
    const auto t = teacherFor(loss);
    const double got = lossByName(loss, t.clone(), t).item<double>();
    QVERIFY2(std::abs(got) < 1e-12, qPrintable(QString("%1 at equality: %2").arg(loss).arg(got, 0, 'g', 6)));
    // And the inputs of the value rows are not equal, so the loss is really positive there.
    QVERIFY(lossByName(loss, studentFor(loss), t).item<double>() > 1e-3);
}

void TestKdLosses::emptySelectionKeepsGraph()
{
    auto s = studentLogits().requires_grad_(true);
    const auto none = torch::zeros({1, 2}, torch::kBool);
    for (const auto& l : {logitKdBce(s, teacherLogits(), 2.0, none), logitKdKl(s, teacherLogits(), 2.0, none)}) {
        QCOMPARE(l.item<double>(), 0.0);
        QVERIFY(l.requires_grad());
        s.mutable_grad() = torch::Tensor();
        l.backward();
        QVERIFY(s.grad().defined());
        QCOMPARE(s.grad().abs().sum().item<double>(), 0.0);
    }
}

void TestKdLosses::pkdIgnoresTeacherAffine()
{
    // a_c·t + b_c with a_c > 0 per channel leaves every Pearson correlation unchanged.
    const auto t = teacherMap();
    const auto affine = t * t64({2.5, 0.3}, {1, 2, 1, 1}) + t64({-1.0, 4.0}, {1, 2, 1, 1});
    const double base = pearsonKd(studentMap(), t).item<double>();
    QVERIFY(std::abs(pearsonKd(studentMap(), affine).item<double>() - base) < 1e-6);
    QVERIFY(pearsonKd(affine, t).item<double>() < 1e-9);
    // A negative scale flips the correlation: no longer a match.
    QVERIFY(pearsonKd(-t, t).item<double>() > 1.9);
}

void TestKdLosses::scoreL2IgnoresZeroWeight()
{
    const auto w = scoreWeights();
    const auto zero = w.eq(0).unsqueeze(1).expand({2, 2, 2, 3}); // positions of weight 0, all channels
    auto s = studentMap().requires_grad_(true);
    const auto l = scoreWeightedL2(s, teacherMap(), w);
    l.backward();
    QCOMPARE(s.grad().masked_select(zero).abs().sum().item<double>(), 0.0);
    QVERIFY(s.grad().masked_select(~zero).abs().min().item<double>() > 0);
    const auto moved = studentMap() + zero.to(torch::kDouble) * 5.0;
    QCOMPARE(scoreWeightedL2(moved, teacherMap(), w).item<double>(), l.item<double>());
    // All weights 0: 0 (the denominator is clamped), not NaN.
    QCOMPARE(scoreWeightedL2(studentMap(), teacherMap(), torch::zeros_like(w)).item<double>(), 0.0);
}

void TestKdLosses::fgdMasks()
{
    // Hand-derived: A covers 2 cells (1/2), B 4 cells (1/4), the max where they overlap; C 1 cell.
    const auto fg = foreground();
    const auto wantFg = t64({0.5, 0.5, 0.25, 0.0, 0.25, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0}, {2, 2, 3});
    QVERIFY2(torch::allclose(fg, wantFg, 0, 1e-12), qPrintable(QString::fromStdString(torch::str(fg))));
    // Background: image 0 only (1,0), image 1 the other 5 cells at 1/5.
    const auto wantBg = t64({0, 0, 0, 1, 0, 0, 0.2, 0.2, 0.2, 0.2, 0.2, 0}, {2, 2, 3});
    QVERIFY(torch::allclose(fgdBackgroundMask(fg), wantBg, 0, 1e-12));
    // The stride comes from the image size: the same boxes on a 32x48 image and a 2x3 map
    // (stride 16) cover the same cells.
    const auto opts = torch::TensorOptions().dtype(torch::kDouble);
    QVERIFY(torch::equal(fgdForegroundMask(boxImages(), boxes(), 2, 2, 3, 32, 48, opts), fg));
    // No boxes: all background.
    const auto none = fgdForegroundMask(torch::zeros({0}), torch::zeros({0, 4}), 2, 2, 3, 16, 24, opts);
    QCOMPARE(none.abs().sum().item<double>(), 0.0);
    QVERIFY(torch::allclose(fgdBackgroundMask(none), torch::full({2, 2, 3}, 1.0 / 6, opts)));
    // A float map gets a float mask.
    QCOMPARE(fgdForegroundMask(boxImages(), boxes(), 2, 2, 3, 16, 24, torch::TensorOptions()).scalar_type(), torch::kFloat);
}

void TestKdLosses::fgdAttentionSums()
{
    // Python (float64): teacher spatial attention at image 0 (0,1), channel attention image 1 channel 0.
    const FgdAttention a = fgdAttention(teacherMap(), 0.5);
    QVERIFY(std::abs(a.spatial[0][0][1].item<double>() - 1.7840879296561707) < 1e-12);
    QVERIFY(std::abs(a.channel[1][0].item<double>() - 1.1161402117479065) < 1e-12);
    QVERIFY(torch::allclose(a.spatial.sum({1, 2}), torch::full({2}, 6.0, torch::kDouble)));
    QVERIFY(torch::allclose(a.channel.sum(1), torch::full({2}, 2.0, torch::kDouble)));
}

void TestKdLosses::featureGradients_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<int>("studentChannels");
    QTest::addColumn<QStringList>("parts"); // submodules that must get a gradient
    QTest::newRow("pkd, adapter") << "pkd" << 3 << QStringList{"adapter"};
    QTest::newRow("pkd, same channels") << "pkd" << 2 << QStringList{};
    QTest::newRow("score_l2") << "score_l2" << 3 << QStringList{"projector"};
    QTest::newRow("score_l2, same channels") << "score_l2" << 2 << QStringList{"projector"};
    QTest::newRow("fgd, adapter") << "fgd" << 3 << QStringList{"adapter", "gc_student", "gc_teacher"};
    QTest::newRow("fgd, same channels") << "fgd" << 2 << QStringList{"gc_student", "gc_teacher"};
}

void TestKdLosses::featureGradients()
{
    QFETCH(QString, type);
    QFETCH(int, studentChannels);
    QFETCH(QStringList, parts);
    torch::manual_seed(3);
    FeatureDistiller fd(FeatureDistillerOptions(type.toStdString(), studentChannels, 2).fgdAlpha(1).fgdBeta(1).fgdGamma(1).fgdLambda(1));
    QCOMPARE(fd->hasAdapter(), parts.contains("adapter"));
    QCOMPARE(fd->hasTrainableParts(), !parts.isEmpty());
    auto s = torch::randn({2, studentChannels, 2, 3}).requires_grad_(true);
    auto t = torch::randn({2, 2, 2, 3}).requires_grad_(true); // FeatureDistiller must detach it itself
    const FeatureKdGuide guide{scoreWeights().to(torch::kFloat), foreground().to(torch::kFloat)};
    const auto l = fd(s, t, c10::nullopt, guide);
    QVERIFY(std::isfinite(l.item<double>()) && l.item<double>() > 0);
    l.backward();
    QVERIFY(s.grad().defined() && s.grad().abs().sum().item<double>() > 0);
    QVERIFY(!t.grad().defined());
    for (const auto& p : fd->named_parameters())
        QVERIFY2(p.value().grad().defined(), p.key().c_str());
    for (const auto& child : fd->named_children()) {
        double g = 0;
        for (const auto& p : child.value()->parameters())
            g += p.grad().abs().sum().item<double>();
        QVERIFY2(!parts.contains(QString::fromStdString(child.key())) || g > 0, child.key().c_str());
    }
    QCOMPARE(fd->named_children().size(), static_cast<size_t>(parts.size()));
}

void TestKdLosses::bceGradientIsBce()
{
    // d/ds of T²·mean_a Σ_c KL = T·(sigmoid(s/T) − sigmoid(t/T)) / N.
    const double T = 2.0;
    const auto s = studentLogits().requires_grad_(true);
    logitKdBce(s, teacherLogits(), T).backward();
    const auto want = T * (torch::sigmoid(studentLogits() / T) - torch::sigmoid(teacherLogits() / T)) / 2.0;
    QVERIFY((s.grad() - want).abs().max().item<double>() < 1e-12);
}

void TestKdLosses::mgdMask()
{
    auto g1 = at::detail::createCPUGenerator(7);
    auto g2 = at::detail::createCPUGenerator(7);
    const auto a = retort::mgdMask(4, 50, 50, 0.65, g1, torch::kCPU, torch::kFloat);
    const auto b = retort::mgdMask(4, 50, 50, 0.65, g2, torch::kCPU, torch::kFloat);
    QCOMPARE(a.sizes().vec(), (std::vector<int64_t>{4, 1, 50, 50}));
    QVERIFY(torch::equal(a, b));
    const double dropped = 1.0 - a.mean().item<double>();
    QVERIFY2(std::abs(dropped - 0.65) < 0.03, qPrintable(QString::number(dropped)));
    QVERIFY(torch::equal(a, a.gt(0.5).to(torch::kFloat))); // only 0 and 1
    const auto c = retort::mgdMask(4, 50, 50, 0.65, g1, torch::kCPU, torch::kFloat);
    QVERIFY(!torch::equal(a, c)); // the generator advanced
}

void TestKdLosses::schedule_data()
{
    QTest::addColumn<double>("warmup");
    QTest::addColumn<QString>("decay");
    QTest::addColumn<double>("finalFraction");
    QTest::addColumn<double>("progress");
    QTest::addColumn<double>("expected");
    // 10 epochs throughout.
    QTest::newRow("none, no warmup") << 0.0 << "none" << 0.0 << 3.0 << 1.0;
    QTest::newRow("warmup start") << 2.0 << "none" << 0.0 << 0.0 << 0.0;
    QTest::newRow("warmup middle") << 2.0 << "none" << 0.0 << 0.5 << 0.25;
    QTest::newRow("warmup end") << 2.0 << "none" << 0.0 << 2.0 << 1.0;
    QTest::newRow("linear half") << 2.0 << "linear" << 0.2 << 6.0 << 0.6;
    QTest::newRow("linear end") << 2.0 << "linear" << 0.2 << 10.0 << 0.2;
    QTest::newRow("linear, no warmup, 1/4") << 0.0 << "linear" << 0.0 << 2.5 << 0.75;
    QTest::newRow("cosine start") << 2.0 << "cosine" << 0.1 << 2.0 << 1.0;
    QTest::newRow("cosine half") << 2.0 << "cosine" << 0.1 << 6.0 << 0.55;
    QTest::newRow("cosine 1/4, no warmup") << 0.0 << "cosine" << 0.0 << 2.5 << 0.8535533905932737;
    QTest::newRow("cosine end") << 2.0 << "cosine" << 0.1 << 10.0 << 0.1;
    QTest::newRow("past the end clamps") << 0.0 << "linear" << 0.5 << 12.0 << 0.5;
}

void TestKdLosses::schedule()
{
    QFETCH(double, warmup);
    QFETCH(QString, decay);
    QFETCH(double, finalFraction);
    QFETCH(double, progress);
    QFETCH(double, expected);
    ScheduleSettings s;
    s.warmupEpochs = warmup;
    s.decay = decay.toStdString();
    s.finalFraction = finalFraction;
    const KdSchedule sched(s, 10, "distill.logit.schedule");
    QVERIFY2(std::abs(sched.factor(progress) - expected) < 1e-12,
             qPrintable(QString("%1 vs %2").arg(sched.factor(progress), 0, 'g', 12).arg(expected)));
}

void TestKdLosses::scheduleRejectsBadSettings()
{
    ScheduleSettings s;
    s.decay = "exponential";
    try {
        KdSchedule(s, 10, "distill.loc.schedule");
        QFAIL("no exception");
    } catch (const InputError& e) {
        QCOMPARE(QString(e.what()), QString("distill.loc.schedule.decay: 'exponential' is not one of none, linear, cosine"));
    }
    s.decay = "none";
    s.warmupEpochs = -1;
    QVERIFY_THROWS_EXCEPTION(InputError, KdSchedule(s, 10, "distill.loc.schedule"));
}

void TestKdLosses::temperature_data()
{
    QTest::addColumn<double>("end");
    QTest::addColumn<double>("progress");
    QTest::addColumn<double>("expected");
    // start 4, 10 epochs.
    QTest::newRow("no anneal") << 0.0 << 5.0 << 4.0;
    QTest::newRow("anneal start") << 1.0 << 0.0 << 4.0;
    QTest::newRow("anneal half") << 1.0 << 5.0 << 2.5;
    QTest::newRow("anneal end") << 1.0 << 10.0 << 1.0;
    QTest::newRow("anneal up 3/10") << 6.0 << 3.0 << 4.6;
}

void TestKdLosses::temperature()
{
    QFETCH(double, end);
    QFETCH(double, progress);
    QFETCH(double, expected);
    QVERIFY(std::abs(annealTemperature(4.0, end, progress, 10) - expected) < 1e-12);
}

QTEST_APPLESS_MAIN(TestKdLosses)
#include "tst_kdlosses.moc"
