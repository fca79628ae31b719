#include "data/letterbox.h"
#include "eval/predictor.h"
#include "io/safetensors.h"
#include "util/json.h"
#include "util/atomicfile.h"

#include "testdata.h"

#include <QtTest>

#include <opencv2/imgcodecs.hpp>

using namespace retort;

class TestLetterbox : public QObject
{
    Q_OBJECT
private slots:
    void matchesUltralyticsExactly_data();
    void matchesUltralyticsExactly();
    void geometry();
};

void TestLetterbox::matchesUltralyticsExactly_data()
{
    QTest::addColumn<QString>("image");
    for (const char* img : {"bus", "zidane", "coco049", "coco357"})
        QTest::newRow(img) << QString(img);
}

void TestLetterbox::matchesUltralyticsExactly()
{
    RETORT_REQUIRE_SHARED_DATA();
    QFETCH(QString, image);
    const YAML::Node index = parseJson(readFile(test::sharedPath("reference/raw/index.json")), "index.json");
    const YAML::Node entry = index["images"][image.toStdString()];
    const cv::Mat bgr = cv::imread(test::sharedPath(entry["source"].as<std::string>()));
    QVERIFY(!bgr.empty());
    LetterboxInfo info;
    const cv::Mat boxed = letterbox(bgr, {}, &info);
    const auto x = imageToTensor(boxed).mul(255).round().to(torch::kUInt8);
    const auto ref = readSafetensors(test::sharedPath("reference/raw/input_" + image.toStdString() + ".safetensors"))
                         .at("input_u8", "ref");
    QCOMPARE(x.sizes(), ref.sizes());
    QVERIFY2(torch::equal(x, ref), "letterboxed pixels differ");
    QCOMPARE(info.padTop, entry["letterbox"]["pad_top"].as<int>());
    QCOMPARE(info.padLeft, entry["letterbox"]["pad_left"].as<int>());
    QCOMPARE(info.newW, entry["letterbox"]["resized_wh"][0].as<int>());
}

void TestLetterbox::geometry()
{
    const cv::Mat img(218, 640, CV_8UC3, cv::Scalar(10, 20, 30));
    LetterboxInfo info;
    LetterboxOptions full;
    full.minimal = false;
    const cv::Mat out = letterbox(img, full, &info);
    QCOMPARE(out.rows, 640);
    QCOMPARE(out.cols, 640);
    QCOMPARE(info.padTop, 211);     // (640-218)/2 = 211 split evenly
    QCOMPARE(info.padBottom, 211);
    QCOMPARE(out.at<cv::Vec3b>(0, 0), cv::Vec3b(114, 114, 114));
    LetterboxOptions noUp;
    noUp.scaleUp = false;
    const cv::Mat small(100, 50, CV_8UC3);
    letterbox(small, noUp, &info);
    QCOMPARE(info.ratio, 1.0);
    QCOMPARE(info.height(), 128);
    QCOMPARE(info.width(), 64);
}

QTEST_APPLESS_MAIN(TestLetterbox)
#include "tst_letterbox.moc"
