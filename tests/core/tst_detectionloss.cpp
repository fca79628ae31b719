// YOLOv8 detection loss against Ultralytics' v8DetectionLoss on reference/loss.
#include "io/safetensors.h"
#include "io/weights.h"
#include "loss/detectionloss.h"
#include "util/atomicfile.h"
#include "util/json.h"

#include "testdata.h"

#include <QtTest>

#include <cmath>

using namespace retort;

namespace {
double relErr(double a, double b)
{
    return std::abs(a - b) / std::max(std::abs(b), 1e-12);
}
/// max |a - b| relative to max |b| (gradients are mostly tiny).
double relMaxErr(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a - b).abs().max().item<double>() / std::max(b.abs().max().item<double>(), 1e-20);
}
} // namespace

class TestDetectionLoss : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void fromStoredMaps();
    void assignerMatches();
    void gradientsMatch();
    void fullPipeline_data();
    void fullPipeline();
    void emptyTargets();
    void assignsByOtherMaps();
    void assignMapsMustMatch();

private:
    DetectionTargets targets() const;
    std::vector<torch::Tensor> storedMaps(bool grad) const;
    YAML::Node m_json;
    SafeTensors m_batch;
};

void TestDetectionLoss::initTestCase()
{
    torch::set_num_threads(2);
    if (test::sharedDataDir().empty())
        return;
    m_json = parseJson(readFile(test::sharedPath("reference/loss/loss.json")), "loss.json");
    m_batch = readSafetensors(test::sharedPath("reference/loss/batch.safetensors"));
}

DetectionTargets TestDetectionLoss::targets() const
{
    return {m_batch.at("batch_idx", "batch"), m_batch.at("cls", "batch"), m_batch.at("bboxes", "batch")};
}

std::vector<torch::Tensor> TestDetectionLoss::storedMaps(bool grad) const
{
    const auto maps = readSafetensors(test::sharedPath("reference/loss/yolov8n_maps.safetensors"));
    std::vector<torch::Tensor> out;
    for (const char* k : {"p3", "p4", "p5"})
        out.push_back(maps.at(k, "maps").clone().set_requires_grad(grad));
    return out;
}

void TestDetectionLoss::fromStoredMaps()
{
    RETORT_REQUIRE_SHARED_DATA();
    const DetectionLoss loss(80, {8, 16, 32});
    const auto out = loss(storedMaps(false), targets());
    const YAML::Node run = m_json["runs"]["yolov8n_bn_train"];
    const char* names[] = {"box", "cls", "dfl"};
    for (int i = 0; i < 3; ++i) {
        const double got = out.items[i].item<double>();
        const double want = run["loss_items"][names[i]].as<double>();
        QVERIFY2(relErr(got, want) < 1e-4, qPrintable(QString("%1: %2 vs %3").arg(names[i]).arg(got, 0, 'g', 9).arg(want, 0, 'g', 9)));
    }
    QVERIFY(relErr(out.total.item<double>(), run["total"].as<double>()) < 1e-4);
    QVERIFY(relErr(out.targetScoresSum, run["assigner"]["target_scores_sum"].as<double>()) < 1e-4);
    const auto perImage = out.assigned.fgMask.sum(1);
    for (int b = 0; b < 4; ++b)
        QCOMPARE(perImage[b].item<int64_t>(), run["assigner"]["num_fg_per_image"][b].as<int64_t>());
}

void TestDetectionLoss::assignerMatches()
{
    RETORT_REQUIRE_SHARED_DATA();
    const auto ref = readSafetensors(test::sharedPath("reference/loss/yolov8n_assigner.safetensors"));
    const DetectionLoss loss(80, {8, 16, 32});
    const auto out = loss(storedMaps(false), targets());
    const auto& a = out.assigned;
    const auto fg = ref.at("fg_mask", "ref").to(torch::kBool);
    QVERIFY(torch::equal(a.fgMask, fg));
    QVERIFY(torch::equal(a.targetGtIdx.index({fg}), ref.at("target_gt_idx", "ref").to(torch::kLong).index({fg})));
    QVERIFY(torch::equal(a.targetLabels.index({fg}), ref.at("target_labels", "ref").to(torch::kLong).index({fg})));
    const float boxErr = (a.targetBboxes.index({fg}) - ref.at("target_bboxes", "ref").index({fg})).abs().max().item<float>();
    QVERIFY2(boxErr < 1e-3, qPrintable(QString::number(boxErr)));
    const auto scoresFg = std::get<0>(a.targetScores.max(-1));
    QVERIFY(relMaxErr(scoresFg, ref.at("target_scores_fg", "ref")) < 1e-4);
    QVERIFY((out.anchorPoints - ref.at("anchor_points", "ref")).abs().max().item<float>() == 0.f);
}

void TestDetectionLoss::gradientsMatch()
{
    RETORT_REQUIRE_SHARED_DATA();
    const auto ref = readSafetensors(test::sharedPath("reference/loss/yolov8n_grads.safetensors"));
    auto maps = storedMaps(true);
    const DetectionLoss loss(80, {8, 16, 32});
    const auto out = loss(maps, targets());
    out.total.backward();
    // P5 is stored densely.
    const double p5Err = relMaxErr(maps[2].grad(), ref.at("p5", "ref"));
    QVERIFY2(p5Err < 1e-4, qPrintable(QString("p5 grad rel err %1").arg(p5Err)));
    // Box channels at the foreground anchors, in nonzero(fg_mask) order.
    std::vector<torch::Tensor> flat;
    for (const auto& m : maps)
        flat.push_back(m.grad().reshape({4, 144, -1}));
    const auto g = torch::cat(flat, 2); // (4, 144, 8400)
    const auto idx = ref.at("fg_index", "ref").to(torch::kLong);
    const auto rows = g.index({idx.select(1, 0), torch::indexing::Slice(0, 64), idx.select(1, 1)});
    const double boxErr = relMaxErr(rows, ref.at("box_fg", "ref"));
    QVERIFY2(boxErr < 1e-4, qPrintable(QString("box grad rel err %1").arg(boxErr)));
    // Box channels are exactly zero away from the foreground.
    auto boxAll = g.narrow(1, 0, 64).abs().sum(1); // (4, 8400)
    boxAll.index_put_({idx.select(1, 0), idx.select(1, 1)}, 0);
    QCOMPARE(boxAll.max().item<float>(), 0.f);
}

void TestDetectionLoss::fullPipeline_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<bool>("train");
    for (const char* m : {"yolov8n", "yolov8s"})
        for (const bool t : {false, true})
            QTest::newRow(qPrintable(QString("%1/%2").arg(m, t ? "bn_train" : "bn_eval"))) << QString(m) << t;
}

void TestDetectionLoss::fullPipeline()
{
    RETORT_REQUIRE_SHARED_DATA();
    QFETCH(QString, model);
    QFETCH(bool, train);
    auto m = loadModel(test::sharedPath("weights/" + model.toStdString() + ".safetensors"));
    m.model->train(train);
    const auto images = m_batch.at("img_u8", "batch").to(torch::kFloat) / 255.0;
    const DetectionLoss loss(80, {8, 16, 32});
    torch::NoGradGuard g;
    const auto out = loss(m.model->forwardMaps(images), targets());
    const YAML::Node run = m_json["runs"][model.toStdString() + (train ? "_bn_train" : "_bn_eval")];
    const char* names[] = {"box", "cls", "dfl"};
    for (int i = 0; i < 3; ++i) {
        const double got = out.items[i].item<double>();
        const double want = run["loss_items"][names[i]].as<double>();
        QVERIFY2(relErr(got, want) < 1e-4, qPrintable(QString("%1: %2 vs %3 (rel %4)").arg(names[i]).arg(got, 0, 'g', 9)
                                                          .arg(want, 0, 'g', 9).arg(relErr(got, want))));
    }
}

void TestDetectionLoss::emptyTargets()
{
    torch::manual_seed(0);
    std::vector<torch::Tensor> maps;
    for (const int s : {8, 4, 2})
        maps.push_back(torch::randn({2, 64 + 3, s, s}).set_requires_grad(true));
    const DetectionLoss loss(3, {8, 16, 32});
    DetectionTargets none{torch::zeros({0}), torch::zeros({0, 1}), torch::zeros({0, 4})};
    const auto out = loss(maps, none);
    QCOMPARE(out.items[0].item<float>(), 0.f);
    QCOMPARE(out.items[2].item<float>(), 0.f);
    QVERIFY(std::isfinite(out.items[1].item<float>()) && out.items[1].item<float>() > 0);
    out.total.backward();
    QVERIFY(maps[0].grad().defined());
    QVERIFY(maps[0].grad().narrow(1, 64, 3).abs().sum().item<float>() > 0); // class logits pushed down
    QCOMPARE(maps[0].grad().narrow(1, 0, 64).abs().sum().item<float>(), 0.f);
}

void TestDetectionLoss::assignsByOtherMaps()
{
    // Label assignment distillation: the student's maps are scored, but the assignment is
    // Ultralytics' own on the stored yolov8n maps (the "teacher" here).
    RETORT_REQUIRE_SHARED_DATA();
    const auto ref = readSafetensors(test::sharedPath("reference/loss/yolov8n_assigner.safetensors"));
    auto teacher = storedMaps(true);
    torch::manual_seed(3);
    std::vector<torch::Tensor> student;
    for (const auto& m : teacher)
        student.push_back((m.detach() * 0.5 + torch::randn_like(m)).set_requires_grad(true));
    const DetectionLoss loss(80, {8, 16, 32});
    const auto own = loss(student, targets());
    const auto out = loss(student, targets(), &teacher);
    const auto fg = ref.at("fg_mask", "ref").to(torch::kBool);
    QVERIFY(torch::equal(out.assigned.fgMask, fg));
    QVERIFY(!torch::equal(own.assigned.fgMask, fg)); // the student's own assignment differs, so the test can fail
    QVERIFY(torch::equal(out.assigned.targetGtIdx.index({fg}), ref.at("target_gt_idx", "ref").to(torch::kLong).index({fg})));
    QVERIFY(relMaxErr(std::get<0>(out.assigned.targetScores.max(-1)), ref.at("target_scores_fg", "ref")) < 1e-4);
    // The losses are the student's: not the teacher's values, and gradients reach only the student.
    const YAML::Node run = m_json["runs"]["yolov8n_bn_train"];
    QVERIFY(relErr(out.items[1].item<double>(), run["loss_items"]["cls"].as<double>()) > 0.05);
    out.total.backward();
    QVERIFY(student[0].grad().defined() && student[0].grad().abs().sum().item<double>() > 0);
    for (const auto& m : teacher)
        QVERIFY(!m.grad().defined());
}

void TestDetectionLoss::assignMapsMustMatch()
{
    std::vector<torch::Tensor> maps, fewer, smaller;
    for (const int s : {8, 4, 2}) {
        maps.push_back(torch::randn({2, 64 + 3, s, s}));
        smaller.push_back(torch::randn({2, 64 + 3, s / 2, s / 2}));
    }
    fewer.assign(maps.begin(), maps.begin() + 2);
    const DetectionLoss loss(3, {8, 16, 32});
    DetectionTargets none{torch::zeros({0}), torch::zeros({0, 1}), torch::zeros({0, 4})};
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, loss(maps, none, &fewer));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, loss(maps, none, &smaller));
    const auto same = loss(maps, none, &maps);
    QCOMPARE(same.items[1].item<float>(), loss(maps, none).items[1].item<float>());
    // Another head with other box bins (a YOLO26 teacher's raw distances for a DFL student) is
    // decoded with its own bins; a channel count that is no whole number of bins is refused.
    std::vector<torch::Tensor> rawBoxes, odd;
    for (const int s : {8, 4, 2}) {
        rawBoxes.push_back(torch::rand({2, 4 + 3, s, s}) * 3);
        odd.push_back(torch::randn({2, 5 + 3, s, s}));
    }
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, loss(maps, none, &odd));
    DetectionTargets one{torch::zeros({1}), torch::zeros({1, 1}), torch::tensor({{0.5f, 0.5f, 0.5f, 0.5f}})};
    const auto cross = loss(maps, one, &rawBoxes);
    QVERIFY(std::isfinite(cross.total.item<double>()));
    QVERIFY(cross.assigned.fgMask.any().item<bool>());
}

QTEST_APPLESS_MAIN(TestDetectionLoss)
#include "tst_detectionloss.moc"
