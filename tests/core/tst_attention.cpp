// Attention maps, their similarity and the heatmap overlay on hand-made tensors.
#include "io/safetensors.h"
#include "testdata.h"
#include "train/experimentconfig.h"
#include "util/error.h"
#include "viz/attention.h"

#include <filesystem>

#include <QtTest>

#include <cmath>

using namespace retort;

Q_DECLARE_METATYPE(cv::Mat)

class TestAttention : public QObject
{
    Q_OBJECT
private slots:
    void spatialIsMeanSquareNormalised();
    void channelPicksLargestEnergy_data();
    void channelPicksLargestEnergy();
    void channelOutOfRangeThrows();
    void alignedChannelSameIndex();
    void alignedChannelThroughAdapter();
    void alignedChannelWithoutAdapter();
    void adaptersFromWeightsOrRunState();
    void cosine_data();
    void cosine();
    void differenceIsAbsolute();
    void overlayCropsPadding();
};

namespace {
bool near(float a, float b, float tol = 1e-5f) { return std::abs(a - b) <= tol; }

cv::Mat mat(int rows, int cols, std::initializer_list<float> values)
{
    cv::Mat m(rows, cols, CV_32F);
    std::copy(values.begin(), values.end(), m.begin<float>());
    return m;
}
} // namespace

void TestAttention::spatialIsMeanSquareNormalised()
{
    // H=2, W=3 so rows and columns cannot be confused.
    // ch0 = [[1,0,3],[0,2,0]], ch1 = [[1,2,1],[0,0,0]]
    // mean F^2 = [[1,2,5],[0,2,0]] -> /5 = [[0.2,0.4,1],[0,0.4,0]]
    const auto f = torch::tensor({1.f, 0.f, 3.f, 0.f, 2.f, 0.f, 1.f, 2.f, 1.f, 0.f, 0.f, 0.f}).view({1, 2, 2, 3});
    const cv::Mat m = spatialAttention(f);
    QCOMPARE(m.rows, 2);
    QCOMPARE(m.cols, 3);
    QCOMPARE(m.type(), CV_32F);
    const float expected[2][3] = {{0.2f, 0.4f, 1.f}, {0.f, 0.4f, 0.f}};
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x)
            QVERIFY2(near(m.at<float>(y, x), expected[y][x]),
                     qPrintable(QString("(%1,%2) = %3").arg(y).arg(x).arg(m.at<float>(y, x))));
    // A constant map carries no "where": all zero.
    const cv::Mat flat = spatialAttention(torch::ones({1, 4, 3, 3}));
    QCOMPARE(cv::countNonZero(flat), 0);
}

void TestAttention::channelPicksLargestEnergy_data()
{
    QTest::addColumn<int>("channel");
    QTest::addColumn<double>("tau");
    QTest::addColumn<int>("chosen");
    QTest::addColumn<QList<float>>("expected");
    // ch1 = log([1,2,3,4]): softmax = [.1,.2,.3,.4] -> normalised [0, 1/3, 2/3, 1]
    QTest::newRow("auto tau1") << -1 << 1.0 << 1 << QList<float>{0.f, 1.f / 3, 2.f / 3, 1.f};
    // tau 2: softmax ~ sqrt([1,2,3,4]) -> (sqrt(k) - 1) / (2 - 1)
    QTest::newRow("auto tau2") << -1 << 2.0 << 1 << QList<float>{0.f, 0.41421356f, 0.73205081f, 1.f};
    // ch0 is constant (all 0.5): a flat softmax normalises to zeros.
    QTest::newRow("given ch0") << 0 << 1.0 << 0 << QList<float>{0.f, 0.f, 0.f, 0.f};
}

void TestAttention::channelPicksLargestEnergy()
{
    QFETCH(int, channel);
    QFETCH(double, tau);
    QFETCH(int, chosen);
    QFETCH(QList<float>, expected);
    const auto f = torch::tensor({0.5f, 0.5f, 0.5f, 0.5f, 0.f, std::log(2.f), std::log(3.f), std::log(4.f)})
                       .view({1, 2, 2, 2});
    int used = -7;
    const cv::Mat m = channelAttention(f, channel, tau, &used);
    QCOMPARE(used, chosen);
    QCOMPARE(m.size(), cv::Size(2, 2));
    for (int i = 0; i < 4; ++i)
        QVERIFY2(near(m.at<float>(i / 2, i % 2), expected[i]),
                 qPrintable(QString("%1: %2 vs %3").arg(i).arg(m.at<float>(i / 2, i % 2)).arg(expected[i])));
    AttentionOptions options;
    options.kind = AttentionKind::Channel;
    options.channel = channel;
    options.tau = tau;
    QCOMPARE(cv::norm(attentionMap(f, options) - m), 0.0);
}

void TestAttention::channelOutOfRangeThrows()
{
    QVERIFY_THROWS_EXCEPTION(InputError, channelAttention(torch::ones({1, 3, 2, 2}), 3));
    QVERIFY_THROWS_EXCEPTION(InputError, spatialAttention(torch::ones({2, 3, 2, 2})));
}

namespace {
// Teacher (1, 3, 2, 2): channel 2 carries the energy, peaked at (1, 1).
torch::Tensor teacherFeature()
{
    return torch::tensor({0.1f, 0.f, 0.f, 0.f, 0.f, 0.2f, 0.f, 0.f, 0.f, 0.f, 0.f, 3.f}).view({1, 3, 2, 2});
}

int argmaxIndex(const cv::Mat& m)
{
    cv::Point at;
    cv::minMaxLoc(m, nullptr, nullptr, nullptr, &at);
    return at.y * m.cols + at.x;
}
} // namespace

void TestAttention::alignedChannelSameIndex()
{
    // The student's most energetic channel is 0 (peak at (0, 0)); its channel 2 peaks at (0, 1).
    // The pair shows channel 2 on both sides, not the student's own channel 0.
    const auto s = torch::tensor({5.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 1.f, 0.f, 0.f}).view({1, 3, 2, 2});
    const ChannelPairAttention c = alignedChannelAttention(teacherFeature(), s);
    QCOMPARE(c.alignment, ChannelAlignment::SameIndex);
    QCOMPARE(c.teacherChannel, 2);
    QCOMPARE(c.studentChannel, 2);
    QCOMPARE(argmaxIndex(c.teacher), 3);
    QCOMPARE(argmaxIndex(c.student), 1);
    QCOMPARE(cv::norm(c.student - channelAttention(s, 2)), 0.0);
}

void TestAttention::alignedChannelThroughAdapter()
{
    // Student (1, 2, 2, 2): channel 0 strongest at (0, 0), channel 1 peaks at (1, 0). The adapter
    // maps student channel 1 (+ bias 0.5) onto teacher channel 2, so the student's map is
    // softmax([.5, .5, 2.5, .5]) -> normalised [0, 0, 1, 0].
    const auto s = torch::tensor({4.f, 0.f, 0.f, 0.f, 0.f, 0.f, 2.f, 0.f}).view({1, 2, 2, 2});
    FeatureAdapter a;
    a.teacherLayer = 15;
    a.studentLayer = 15;
    a.weight = torch::zeros({3, 2, 1, 1});
    a.weight[0][0] = 1.f;
    a.weight[2][1] = 1.f;
    a.bias = torch::tensor({0.f, 0.f, 0.5f});
    const auto mapped = a.apply(s);
    QCOMPARE(mapped.sizes().vec(), (std::vector<int64_t>{1, 3, 2, 2}));
    QVERIFY(torch::allclose(mapped[0][2], torch::tensor({0.5f, 0.5f, 2.5f, 0.5f}).view({2, 2})));
    QCOMPARE(a.apply(s[0]).dim(), 3); // (C, H, W) in, (C, H, W) out
    QVERIFY_THROWS_EXCEPTION(InputError, a.apply(torch::zeros({1, 3, 2, 2})));

    const ChannelPairAttention c = alignedChannelAttention(teacherFeature(), s, &a);
    QCOMPARE(c.alignment, ChannelAlignment::Adapter);
    QCOMPARE(c.teacherChannel, 2);
    QCOMPARE(c.studentChannel, 2);
    const float expected[4] = {0.f, 0.f, 1.f, 0.f};
    for (int i = 0; i < 4; ++i)
        QVERIFY2(near(c.student.at<float>(i / 2, i % 2), expected[i]),
                 qPrintable(QString("%1: %2").arg(i).arg(c.student.at<float>(i / 2, i % 2))));
}

void TestAttention::alignedChannelWithoutAdapter()
{
    const auto s = torch::tensor({4.f, 0.f, 0.f, 0.f, 0.f, 0.f, 2.f, 0.f}).view({1, 2, 2, 2});
    ChannelPairAttention c = alignedChannelAttention(teacherFeature(), s);
    QCOMPARE(c.alignment, ChannelAlignment::NotAligned);
    QCOMPARE(c.teacherChannel, 2);
    QCOMPARE(c.studentChannel, 0); // its own strongest channel, labelled as unrelated
    // An adapter of another shape (say, another run's) is not used.
    FeatureAdapter wrong;
    wrong.weight = torch::ones({3, 4, 1, 1});
    wrong.bias = torch::zeros({3});
    c = alignedChannelAttention(teacherFeature(), s, &wrong);
    QCOMPARE(c.alignment, ChannelAlignment::NotAligned);
}

void TestAttention::adaptersFromWeightsOrRunState()
{
    namespace fs = std::filesystem;
    const fs::path dir = test::tempDir("featureadapter");
    ExperimentConfig cfg;
    cfg.name = "exp";
    cfg.data = "data.yaml";
    cfg.student.arch = "yolov8n.yaml";
    cfg.distill.feature.layers = {{15, 16}, {18, 19}};
    const std::string yaml = experimentToYaml(cfg);

    // Adapters inside the weights file: distill.features.<i>.adapter.*, pair i of the config.
    SafeTensors own;
    own.tensors = {{"model.0.conv.weight", torch::zeros({1})},
                   {"distill.features.1.adapter.weight", torch::full({4, 2, 1, 1}, 0.5f)},
                   {"distill.features.1.adapter.bias", torch::ones({4})}};
    own.metadata = {{"config", yaml}};
    writeSafetensors((dir / "own.safetensors").string(), own);
    auto a = loadFeatureAdapters((dir / "own.safetensors").string());
    QCOMPARE(a.size(), size_t(1));
    QCOMPARE(a.at(19).teacherLayer, 18);
    QCOMPARE(a.at(19).studentChannels(), int64_t(2));
    QCOMPARE(a.at(19).teacherChannels(), int64_t(4));

    // A run's weights/: best.safetensors without them, last.state with the distiller's.
    const fs::path run = dir / "run" / "weights";
    fs::create_directories(run);
    SafeTensors best;
    best.tensors = {{"model.0.conv.weight", torch::zeros({1})}};
    best.metadata = {{"config", yaml}, {"experiment", "exp"}, {"arm", "baseline"}};
    writeSafetensors((run / "best.safetensors").string(), best);
    SafeTensors state;
    state.tensors = {{"model/x", torch::zeros({1})},
                     {"distiller/features.0.adapter.weight", torch::ones({3, 2, 1, 1})},
                     {"distiller/features.0.adapter.bias", torch::zeros({3})}};
    state.metadata = {{"config", yaml}, {"format", "retort-state-v1"}};
    writeSafetensors((run / "last.state").string(), state);
    a = loadFeatureAdapters((run / "best.safetensors").string());
    QCOMPARE(a.size(), size_t(1));
    QCOMPARE(a.at(16).teacherLayer, 15);
    QCOMPARE(a.at(16).teacherChannels(), int64_t(3));

    // Weights of another run next to that state, or no file at all: no adapters, no error.
    best.metadata["experiment"] = "other";
    writeSafetensors((run / "copied.safetensors").string(), best);
    QVERIFY(loadFeatureAdapters((run / "copied.safetensors").string()).empty());
    QVERIFY(loadFeatureAdapters((dir / "missing.safetensors").string()).empty());
}

void TestAttention::cosine_data()
{
    QTest::addColumn<cv::Mat>("a");
    QTest::addColumn<cv::Mat>("b");
    QTest::addColumn<double>("expected");
    QTest::newRow("half overlap") << mat(2, 2, {1, 0, 0, 0}) << mat(2, 2, {1, 1, 0, 0}) << 1.0 / std::sqrt(2.0);
    QTest::newRow("orthogonal") << mat(1, 2, {1, 0}) << mat(1, 2, {0, 1}) << 0.0;
    QTest::newRow("scaled") << mat(1, 3, {1, 2, 3}) << mat(1, 3, {2, 4, 6}) << 1.0;
    // Different sizes: both resized to 4x4; constant maps stay constant.
    QTest::newRow("resized") << cv::Mat(2, 2, CV_32F, cv::Scalar(0.5)) << cv::Mat(4, 4, CV_32F, cv::Scalar(1.0)) << 1.0;
    QTest::newRow("zero map") << cv::Mat(2, 2, CV_32F, cv::Scalar(0.0)) << cv::Mat(2, 2, CV_32F, cv::Scalar(1.0))
                              << 0.0;
}

void TestAttention::cosine()
{
    QFETCH(cv::Mat, a);
    QFETCH(cv::Mat, b);
    QFETCH(double, expected);
    const double got = cosineSimilarity(a, b);
    QVERIFY2(std::abs(got - expected) < 1e-6, qPrintable(QString("%1 vs %2").arg(got).arg(expected)));
    QVERIFY(std::abs(cosineSimilarity(b, a) - expected) < 1e-6);
}

void TestAttention::differenceIsAbsolute()
{
    const cv::Mat a = mat(1, 3, {0.f, 0.25f, 1.f});
    const cv::Mat b = mat(1, 3, {1.f, 0.75f, 1.f});
    const cv::Mat d = absDifference(a, b);
    QVERIFY(near(d.at<float>(0, 0), 1.f));
    QVERIFY(near(d.at<float>(0, 1), 0.5f));
    QVERIFY(near(d.at<float>(0, 2), 0.f));
}

void TestAttention::overlayCropsPadding()
{
    // A 4x2 image letterboxed into 8x8: scaled by 2 to 8x4, two grey rows above and below.
    LetterboxInfo lb;
    lb.origW = 4;
    lb.origH = 2;
    lb.newW = 8;
    lb.newH = 4;
    lb.ratio = 2.0;
    lb.padTop = 2;
    lb.padBottom = 2;
    // On the input grid: padding rows hot (1), content left half 0, right half 1.
    cv::Mat map(8, 8, CV_32F, cv::Scalar(1.0));
    map(cv::Rect(0, 2, 4, 4)).setTo(0.0);
    const cv::Mat image(2, 4, CV_8UC3, cv::Scalar(100, 100, 100));

    cv::Mat cold, hot;
    cv::applyColorMap(cv::Mat(1, 1, CV_8U, cv::Scalar(0)), cold, cv::COLORMAP_JET);
    cv::applyColorMap(cv::Mat(1, 1, CV_8U, cv::Scalar(255)), hot, cv::COLORMAP_JET);
    const cv::Vec3b c0 = cold.at<cv::Vec3b>(0, 0), c1 = hot.at<cv::Vec3b>(0, 0);
    // JET: 0 is dark blue, 1 dark red (BGR).
    QVERIFY(c0[0] > 100 && c0[2] == 0);
    QVERIFY(c1[2] > 100 && c1[0] == 0);

    const cv::Mat full = heatmapOverlay(image, map, lb, 1.0, cv::COLORMAP_JET);
    QCOMPARE(full.size(), cv::Size(4, 2));
    QCOMPARE(full.type(), CV_8UC3);
    // Left half cold on both rows: the hot padding rows were cropped, not squeezed in.
    for (int y = 0; y < 2; ++y) {
        QCOMPARE(full.at<cv::Vec3b>(y, 0), c0);
        QCOMPARE(full.at<cv::Vec3b>(y, 1), c0);
        QCOMPARE(full.at<cv::Vec3b>(y, 2), c1);
        QCOMPARE(full.at<cv::Vec3b>(y, 3), c1);
    }
    // alpha 0.25: 0.75 * 100 + 0.25 * colour, rounded.
    const cv::Mat blend = heatmapOverlay(image, map, lb, 0.25, cv::COLORMAP_JET);
    for (int ch = 0; ch < 3; ++ch)
        QVERIFY(std::abs(blend.at<cv::Vec3b>(0, 0)[ch] - (75.0 + 0.25 * c0[ch])) <= 0.5001);

    QVERIFY_THROWS_EXCEPTION(InputError, heatmapOverlay(cv::Mat(3, 4, CV_8UC3), map, lb, 0.5));
}

QTEST_APPLESS_MAIN(TestAttention)
#include "tst_attention.moc"
