// Weight selection (arm term `inherit`): a student initialised from a wider teacher takes the
// teacher's tensors at evenly spaced channels, consistently through C2f's split, the Concat
// layers and the head. The expected values below are worked out by hand from teacher tensors
// filled with 0, 1, 2, … (row-major), so each number names the teacher element it must be.
#include "distill/weightselection.h"
#include "model/archspec.h"
#include "train/experimentconfig.h"
#include "util/error.h"

#include <QtTest>

using namespace retort;

namespace {

constexpr int64_t kNc = 4;

torch::Tensor param(DetectionModelImpl& m, const std::string& name)
{
    auto params = m.named_parameters(true);
    if (params.contains(name))
        return params[name];
    return m.named_buffers(true)[name];
}

/// Fills every parameter and BN buffer with 0, 1, 2, … in row-major order (running_var + 1 so it
/// stays positive), so that a selected value tells which teacher element it came from.
void fillWithIndices(DetectionModelImpl& m)
{
    torch::NoGradGuard noGrad;
    for (auto& p : m.named_parameters(true))
        p.value().copy_(torch::arange(p.value().numel(), torch::kFloat).view(p.value().sizes()));
    for (auto& b : m.named_buffers(true))
        if (b.key().find("running_") != std::string::npos)
            b.value().copy_(torch::arange(b.value().numel(), torch::kFloat).view(b.value().sizes()) + 1);
}

float valueAt(DetectionModelImpl& m, const std::string& name, std::vector<int64_t> index)
{
    torch::Tensor t = param(m, name);
    for (const int64_t i : index)
        t = t[i];
    return t.item<float>();
}

} // namespace

class TestWeightSelection : public QObject
{
    Q_OBJECT

private slots:
    void sameArchitectureCopiesEverything();
    void selectsEvenChannelsThroughSplitsAndConcats();
    void deeperTeacherGivesItsFirstBlocks();
    void refusesWhatItCannotSelect_data();
    void refusesWhatItCannotSelect();
    void armTerm();
};

void TestWeightSelection::sameArchitectureCopiesEverything()
{
    torch::manual_seed(1);
    DetectionModel teacher(loadArch("yolov8n.yaml", kNc));
    torch::manual_seed(2);
    DetectionModel student(loadArch("yolov8n.yaml", kNc));
    {
        torch::NoGradGuard noGrad;
        for (auto& b : teacher->named_buffers(true))
            if (b.key().find("running_") != std::string::npos)
                b.value().uniform_(0.5, 1.5);
    }
    const InheritReport r = inheritWeights(*student, *teacher);
    QCOMPARE(r.tensors, r.total);
    QVERIFY(r.total > 200);
    for (const auto& p : teacher->named_parameters(true))
        QVERIFY2(torch::equal(p.value(), param(*student, p.key())), p.key().c_str());
    teacher->eval();
    student->eval();
    torch::NoGradGuard noGrad;
    const auto x = torch::rand({1, 3, 64, 64});
    QVERIFY(torch::equal(teacher->forward(x), student->forward(x)));
}

void TestWeightSelection::selectsEvenChannelsThroughSplitsAndConcats()
{
    DetectionModel teacher(loadArch("yolov8s.yaml", kNc)); // widths 32 … 512: twice yolov8n's
    DetectionModel student(loadArch("yolov8n.yaml", kNc));
    fillWithIndices(*teacher);
    const InheritReport r = inheritWeights(*student, *teacher);
    QCOMPARE(r.tensors, r.total);

    // Stem conv (32, 3, 3, 3) -> (16, 3, 3, 3): student channel 5 is the teacher's 10;
    // element (10, 1, 2, 0) of a row-major (32, 3, 3, 3) is 10*27 + 1*9 + 2*3 + 0 = 285.
    QCOMPARE(valueAt(*student, "model.0.conv.weight", {5, 1, 2, 0}), 285.f);
    QCOMPARE(valueAt(*student, "model.0.bn.running_var", {3}), 7.f); // teacher channel 6, + 1

    // Layer 2, C2f(64 -> 64) in the teacher, cv1 (64, 64, 1, 1) split into two halves of 32.
    // Student out channel 16 (second half, first) = teacher 32; input 3 = teacher 6: 32*64 + 6.
    QCOMPARE(valueAt(*student, "model.2.cv1.conv.weight", {16, 3, 0, 0}), 2054.f);
    QCOMPARE(valueAt(*student, "model.2.cv1.conv.weight", {15, 1, 0, 0}), 30 * 64 + 2.f);
    // cv2 (64, 96): inputs are three chunks of 32; student input 40 (chunk 2, element 8) is
    // teacher 64 + 16 = 80; out 1 = teacher 2: 2*96 + 80.
    QCOMPARE(valueAt(*student, "model.2.cv2.conv.weight", {1, 40, 0, 0}), 2 * 96 + 80.f);
    // Its bottleneck maps the hidden space onto itself: (32, 32, 3, 3), student (3, 7) = teacher (6, 14).
    QCOMPARE(valueAt(*student, "model.2.m.0.cv1.conv.weight", {3, 7, 0, 0}), (6 * 32 + 14) * 9.f);

    // Layer 12 concatenates the upsampled layer 9 (teacher 512, student 256) and layer 6
    // (256 / 128): student input 261 (layer 6, element 5) is teacher 512 + 10 = 522.
    // Its cv1 is (256, 768, 1, 1) in the teacher; student out 1 = teacher 2.
    QCOMPARE(valueAt(*student, "model.12.cv1.conv.weight", {1, 261, 0, 0}), 2 * 768 + 522.f);
    QCOMPARE(valueAt(*student, "model.12.cv1.conv.weight", {1, 3, 0, 0}), 2 * 768 + 6.f);

    // Head, level 0: box branch input 128 -> 64, hidden 64 in both (whole), DFL logits whole.
    // cv2.0.0 (64, 128, 3, 3): student (7, 5) = teacher (7, 10).
    QCOMPARE(valueAt(*student, "model.22.cv2.0.0.conv.weight", {7, 5, 0, 0}), (7 * 128 + 10) * 9.f);
    QCOMPARE(valueAt(*student, "model.22.cv2.0.2.bias", {63}), 63.f);
    // Class branch: hidden 128 -> 64 selected, the 4 class outputs whole: cv3.0.2 (4, 128, 1, 1),
    // student (3, 9) = teacher (3, 18).
    QCOMPARE(valueAt(*student, "model.22.cv3.0.2.weight", {3, 9, 0, 0}), 3 * 128 + 18.f);
    QCOMPARE(valueAt(*student, "model.22.cv3.0.2.bias", {2}), 2.f);

    // With a teacher at its ordinary initialisation the selected student is a working model.
    DetectionModel t2(loadArch("yolov8s.yaml", kNc));
    DetectionModel s2(loadArch("yolov8n.yaml", kNc));
    inheritWeights(*s2, *t2);
    s2->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor y = s2->forward(torch::rand({1, 3, 64, 64}));
    QCOMPARE(y.size(1), 4 + kNc);
    QVERIFY(torch::isfinite(y).all().item<bool>());
}

void TestWeightSelection::deeperTeacherGivesItsFirstBlocks()
{
    // yolov8m: width 0.75 (48 … 576, ratios 3 and 2.25 to yolov8n), two bottlenecks where n has one.
    DetectionModel teacher(loadArch("yolov8m.yaml", kNc));
    DetectionModel student(loadArch("yolov8n.yaml", kNc));
    fillWithIndices(*teacher);
    const InheritReport r = inheritWeights(*student, *teacher);
    QCOMPARE(r.tensors, r.total);
    // Layer 2: C2f(96 -> 96), hidden 48 -> 16 (every third channel); cv2 (96, 192) takes 4
    // chunks of 48 in the teacher, 3 of 16 in the student. Student input 33 (chunk 2 = the
    // first bottleneck's output, element 1) = teacher 2*48 + 3 = 99; out 1 = teacher floor(96 / 32) = 3.
    QCOMPARE(valueAt(*student, "model.2.cv2.conv.weight", {1, 33, 0, 0}), 3 * 192 + 99.f);
    // Layer 9 (SPPF) outputs 576 in m, 256 in n: student channel 5 = floor(5 * 576 / 256) = 11.
    QCOMPARE(valueAt(*student, "model.9.cv2.bn.bias", {5}), 11.f);
}

void TestWeightSelection::refusesWhatItCannotSelect_data()
{
    QTest::addColumn<QString>("teacher");
    QTest::addColumn<int>("teacherNc");
    QTest::addColumn<bool>("fused");
    QTest::addColumn<QString>("message");
    QTest::newRow("narrower teacher") << "yolov8n.yaml" << int(kNc) << false << "at least as wide";
    QTest::newRow("other classes") << "yolov8s.yaml" << 80 << false << "classes";
    QTest::newRow("fused teacher") << "yolov8s.yaml" << int(kNc) << true << "unfused";
}

void TestWeightSelection::refusesWhatItCannotSelect()
{
    QFETCH(QString, teacher);
    QFETCH(int, teacherNc);
    QFETCH(bool, fused);
    QFETCH(QString, message);
    DetectionModel t(loadArch(teacher.toStdString(), teacherNc));
    if (fused)
        t->fuse();
    DetectionModel s(loadArch(teacher == "yolov8n.yaml" ? "yolov8s.yaml" : "yolov8n.yaml", kNc));
    try {
        inheritWeights(*s, *t);
        QFAIL("accepted");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains(message), e.what());
        QVERIFY2(QString(e.what()).contains("model."), e.what()); // names the layer
    }
}

void TestWeightSelection::armTerm()
{
    ExperimentConfig base = parseExperiment("data: d.yaml\nteacher: {weights: t.safetensors}\nstudent: {arch: yolov8n.yaml}\n",
                                            "x.yaml", ".");
    const ExperimentConfig arm = armConfig(base, "inherit+lad");
    QVERIFY(arm.distill.inheritOn);
    QVERIFY(arm.distill.ladOn);
    QVERIFY(arm.distills());
    const ExperimentConfig only = armConfig(base, "inherit");
    QVERIFY(only.distills());
    QVERIFY(!only.distill.readsTeacher()); // no teacher forward during training
    QVERIFY(!armConfig(base, "baseline").distill.inheritOn);
}

QTEST_APPLESS_MAIN(TestWeightSelection)
#include "tst_weightselection.moc"
