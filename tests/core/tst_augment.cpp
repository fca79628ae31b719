#include "data/augment.h"
#include "data/dataconfig.h"
#include "data/dataset.h"
#include "io/safetensors.h"

#include "testdata.h"

#include <QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace retort;

namespace {

// Four images, each black with one white square labelled as class i.
DatasetIndex squaresDataset(const fs::path& dir)
{
    std::vector<std::string> images;
    const int sizes[4][2] = {{200, 150}, {120, 260}, {300, 300}, {90, 60}};
    for (int i = 0; i < 4; ++i) {
        const int w = sizes[i][0], h = sizes[i][1];
        cv::Mat img(h, w, CV_8UC3, cv::Scalar::all(0));
        const cv::Rect sq(w / 4 + i * 3, h / 3, w / 3, h / 3);
        img(sq).setTo(cv::Scalar::all(255));
        const fs::path p = dir / "images" / (std::to_string(i) + ".png");
        fs::create_directories(p.parent_path());
        fs::create_directories(dir / "labels");
        cv::imwrite(p.string(), img);
        std::ofstream(dir / "labels" / (std::to_string(i) + ".txt"))
            << i << " " << (sq.x + sq.width / 2.0) / w << " " << (sq.y + sq.height / 2.0) / h << " "
            << double(sq.width) / w << " " << double(sq.height) / h << "\n";
        images.push_back(p.string());
    }
    return scanDataset(images, 4, "squares");
}

} // namespace

class TestAugment : public QObject
{
    Q_OBJECT
private slots:
    void boxesFollowPixels_data();
    void boxesFollowPixels();
    void deterministicPerSeed();
    void closeMosaic();
    void boxCandidates();
    void hsvKeepsGreyAndShiftsColour();
    void letterboxMatchesUltralyticsBatch();
};

void TestAugment::boxesFollowPixels_data()
{
    QTest::addColumn<double>("mosaic");
    QTest::addColumn<double>("degrees");
    QTest::addColumn<double>("flipUD");
    QTest::newRow("mosaic+affine+flips") << 1.0 << 0.0 << 0.5;
    QTest::newRow("letterbox+affine") << 0.0 << 0.0 << 0.0;
    QTest::newRow("mosaic+rotation") << 1.0 << 20.0 << 0.5;
}

void TestAugment::boxesFollowPixels()
{
    QFETCH(double, mosaic);
    QFETCH(double, degrees);
    QFETCH(double, flipUD);
    const fs::path dir = test::tempDir("augment");
    AugmentOptions aug;
    aug.mosaic = mosaic;
    aug.degrees = degrees;
    aug.flipUD = flipUD;
    aug.hsvH = aug.hsvS = aug.hsvV = 0;   // keep white white
    const DetectionDataset ds(squaresDataset(dir), 160, aug, true, 7);
    int checked = 0;
    for (int epoch = 0; epoch < 3; ++epoch)
        for (size_t i = 0; i < ds.size(); ++i) {
            const TrainSample s = ds.get(i, epoch);
            QCOMPARE(s.image.rows, 160);
            QCOMPARE(s.image.cols, 160);
            cv::Mat grey, white;
            cv::cvtColor(s.image, grey, cv::COLOR_RGB2GRAY);
            cv::threshold(grey, white, 200, 255, cv::THRESH_BINARY);
            cv::Mat covered = cv::Mat::zeros(white.size(), CV_8UC1);
            for (const auto& l : s.labels) {
                const float x1 = (l.cx - l.w / 2) * 160, y1 = (l.cy - l.h / 2) * 160;
                const float x2 = (l.cx + l.w / 2) * 160, y2 = (l.cy + l.h / 2) * 160;
                QVERIFY(x1 >= -1e-3f && y1 >= -1e-3f && x2 <= 160.001f && y2 <= 160.001f);
                // The labelled box holds mostly white pixels (a rotated square fills >= half its box).
                const cv::Rect r(cv::Point(cvRound(x1), cvRound(y1)), cv::Point(cvRound(x2), cvRound(y2)));
                const double fill = cv::countNonZero(white(r)) / double(std::max(1, r.area()));
                QVERIFY2(fill > (degrees > 0 ? 0.4 : 0.8), qPrintable(QString("fill %1").arg(fill)));
                cv::rectangle(covered, cv::Rect(r.x - 2, r.y - 2, r.width + 4, r.height + 4), 255, cv::FILLED);
                ++checked;
            }
            // Every white region is inside some label box, except slivers cut by the crop that
            // box_candidates drops (as Ultralytics does): those touch the border.
            cv::Mat stray, components, stats, centroids;
            cv::bitwise_and(white, ~covered, stray);
            const int n = cv::connectedComponentsWithStats(stray, components, stats, centroids);
            for (int c = 1; c < n; ++c) {
                const int x = stats.at<int>(c, cv::CC_STAT_LEFT), y = stats.at<int>(c, cv::CC_STAT_TOP);
                const int w = stats.at<int>(c, cv::CC_STAT_WIDTH), h = stats.at<int>(c, cv::CC_STAT_HEIGHT);
                const bool border = x == 0 || y == 0 || x + w == 160 || y + h == 160;
                QVERIFY2(border || stats.at<int>(c, cv::CC_STAT_AREA) < 4,
                         qPrintable(QString("unlabelled white region at %1,%2 (%3x%4)").arg(x).arg(y).arg(w).arg(h)));
            }
        }
    QVERIFY(checked > 6);
}

void TestAugment::deterministicPerSeed()
{
    const fs::path dir = test::tempDir("augment");
    const DatasetIndex index = squaresDataset(dir);
    const DetectionDataset a(index, 128, {}, true, 1), b(index, 128, {}, true, 1), c(index, 128, {}, true, 2);
    const TrainSample sa = a.get(2, 5), sb = b.get(2, 5), sc = c.get(2, 5), sa1 = a.get(2, 6);
    QCOMPARE(cv::norm(sa.image, sb.image, cv::NORM_INF), 0.0);
    QCOMPARE(sa.labels.size(), sb.labels.size());
    for (size_t k = 0; k < sa.labels.size(); ++k)
        QCOMPARE(sa.labels[k].cx, sb.labels[k].cx);
    QVERIFY(cv::norm(sa.image, sc.image, cv::NORM_INF) > 0);
    QVERIFY(cv::norm(sa.image, sa1.image, cv::NORM_INF) > 0);
}

void TestAugment::closeMosaic()
{
    AugmentOptions o;
    o.epochs = 30;
    QVERIFY(o.mosaicOpen(19));
    QVERIFY(!o.mosaicOpen(20));
    o.epochs = 0;
    QVERIFY(o.mosaicOpen(1000));
    // Without mosaic each output shows one source image: the other squares' classes never appear.
    const fs::path dir = test::tempDir("augment");
    AugmentOptions aug;
    aug.epochs = 10;
    aug.closeMosaic = 10;
    aug.translate = 0;
    aug.scale = 0;
    const DetectionDataset ds(squaresDataset(dir), 128, aug, true, 3);
    for (size_t i = 0; i < ds.size(); ++i) {
        const TrainSample s = ds.get(i, 0);
        QCOMPARE(s.labels.size(), size_t(1));
        QCOMPARE(s.labels[0].cls, int(i));
    }
}

void TestAugment::boxCandidates()
{
    const PixelBox before{0, 0, 0, 100, 100};
    QVERIFY(boxCandidate(before, {0, 10, 10, 60, 60}));
    QVERIFY(!boxCandidate(before, {0, 0, 0, 2, 50}));     // too narrow (wh_thr 2)
    QVERIFY(!boxCandidate(before, {0, 0, 0, 9, 9}));      // under 10 % of the area
    QVERIFY(!boxCandidate({0, 0, 0, 2000, 30}, {0, 0, 0, 1000, 9}));   // aspect ratio > 100
}

void TestAugment::hsvKeepsGreyAndShiftsColour()
{
    cv::Mat img(8, 8, CV_8UC3, cv::Scalar(30, 90, 200));
    img.row(0).setTo(cv::Scalar::all(128));
    AugmentOptions o;
    AugmentRng rng(11);
    cv::Mat out = img.clone();
    randomHsv(out, o, rng);
    const cv::Vec3b grey = out.at<cv::Vec3b>(0, 0);
    QCOMPARE(int(grey[0]), int(grey[1]));   // saturation 0 stays 0
    QCOMPARE(int(grey[1]), int(grey[2]));
    QVERIFY(cv::norm(out.row(1), img.row(1), cv::NORM_INF) > 0);
}

void TestAugment::letterboxMatchesUltralyticsBatch()
{
    // reference/loss/batch.safetensors: Ultralytics' YOLODataset(augment=False) + collate_fn at 640.
    RETORT_REQUIRE_SHARED_DATA();
    const SafeTensors ref = readSafetensors(test::sharedPath("reference/loss/batch.safetensors"));
    std::vector<std::string> images;
    for (const char* f : {"000000000009", "000000000049", "000000000357", "000000000250"})
        images.push_back(test::sharedPath(std::string("coco128/images/train2017/") + f + ".jpg"));
    const DetectionDataset ds(scanDataset(images, 80, "ref"), 640, {}, false, 0);
    std::vector<TrainSample> samples;
    for (size_t i = 0; i < ds.size(); ++i)
        samples.push_back(ds.get(i, 0));
    const TrainBatch b = collate(samples);
    const torch::Tensor refImg = ref.at("img_u8", "ref");
    QCOMPARE(b.images.sizes(), refImg.sizes());
    const double maxPx = (b.images.to(torch::kInt32) - refImg.to(torch::kInt32)).abs().max().item<int>();
    QVERIFY2(maxPx == 0, qPrintable(QString("max pixel difference %1").arg(maxPx)));
    QVERIFY(torch::equal(b.batchIdx, ref.at("batch_idx", "ref")));
    QVERIFY(torch::equal(b.cls, ref.at("cls", "ref")));
    const double boxErr = (b.bboxes - ref.at("bboxes", "ref")).abs().max().item<double>();
    QVERIFY2(boxErr < 1e-6, qPrintable(QString("max box difference %1").arg(boxErr)));
    qInfo("reference batch: pixels identical, max box difference %.2g", boxErr);
}

QTEST_APPLESS_MAIN(TestAugment)
#include "tst_augment.moc"
