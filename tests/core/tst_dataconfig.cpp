#include "data/dataconfig.h"
#include "data/labels.h"
#include "util/error.h"

#include "testdata.h"

#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace retort;

namespace {

void writeText(const fs::path& p, const std::string& text)
{
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

void writeImage(const fs::path& p, int w = 64, int h = 48)
{
    fs::create_directories(p.parent_path());
    cv::imwrite(p.string(), cv::Mat(h, w, CV_8UC3, cv::Scalar(40, 80, 120)));
}

bool hasIssue(const DatasetIndex& index, const std::string& fileEnd, int line, const std::string& part)
{
    for (const auto& i : index.issues)
        if (i.line == line && i.file.size() >= fileEnd.size() &&
            i.file.compare(i.file.size() - fileEnd.size(), fileEnd.size(), fileEnd) == 0 &&
            i.what.find(part) != std::string::npos)
            return true;
    return false;
}

} // namespace

class TestDataConfig : public QObject
{
    Q_OBJECT
private slots:
    void coco128Parity();
    void labelPath_data();
    void labelPath();
    void namesAsListOrMap();
    void splitsAsListsAndTxt();
    void malformedYaml_data();
    void malformedYaml();
    void labelProblems();
    void missingLabelsDirIsBackgrounds();
};

void TestDataConfig::coco128Parity()
{
    RETORT_REQUIRE_SHARED_DATA();
    const DataConfig cfg = loadDataConfig(test::sharedPath("coco128/coco128.yaml"));
    QCOMPARE(cfg.nc(), int64_t(80));
    QCOMPARE(cfg.names[0], std::string("person"));
    QCOMPARE(cfg.names[79], std::string("toothbrush"));
    QCOMPARE(cfg.train.size(), size_t(1));
    QVERIFY(cfg.test.empty());
    const auto images = listImages(cfg.train, "coco128 train");
    QCOMPARE(images.size(), size_t(128));
    const DatasetIndex index = scanDataset(images, cfg.nc(), "coco128 train");
    QCOMPARE(index.images.size(), size_t(128));
    QCOMPARE(index.backgrounds, 2);
    QCOMPARE(index.skipped, 0);
    QCOMPARE(index.instances, int64_t(929));
    QVERIFY2(index.issues.empty(), index.issues.empty() ? "" : index.issues[0].text().c_str());
    QCOMPARE(index.summary(), std::string("126 images, 2 backgrounds, 0 corrupt; 929 instances"));
    std::set<int> classes;
    for (const auto& r : index.images)
        for (const auto& l : r.labels)
            classes.insert(l.cls);
    QCOMPARE(classes.size(), size_t(71));
    // 000000000357.jpg is 640x218 (reference/raw/index.json).
    const auto it = std::find_if(index.images.begin(), index.images.end(),
                                 [](const ImageRecord& r) { return r.image.find("000000000357.jpg") != std::string::npos; });
    QVERIFY(it != index.images.end());
    QCOMPARE(it->width, 640);
    QCOMPARE(it->height, 218);
    QCOMPARE(it->labels.size(), size_t(17));
}

void TestDataConfig::labelPath_data()
{
    QTest::addColumn<QString>("image");
    QTest::addColumn<QString>("label");
    QTest::newRow("plain") << "/d/images/train/a.jpg" << "/d/labels/train/a.txt";
    QTest::newRow("last images wins") << "/images/x/images/b.PNG" << "/images/x/labels/b.txt";
    QTest::newRow("dots in dir") << "/d.v1/images/c.d.jpeg" << "/d.v1/labels/c.d.txt";
    QTest::newRow("no images dir") << "/d/pics/e.jpg" << "/d/pics/e.txt";
}

void TestDataConfig::labelPath()
{
    QFETCH(QString, image);
    QFETCH(QString, label);
    QCOMPARE(QString::fromStdString(labelPathFor(image.toStdString())), label);
}

void TestDataConfig::namesAsListOrMap()
{
    const fs::path dir = test::tempDir("dataconfig");
    writeImage(dir / "ds/images/a.jpg");
    writeText(dir / "list.yaml", "path: ds\ntrain: images\nval: images\nnames: [cat, dog]\nnc: 2\n");
    writeText(dir / "map.yaml", "path: ds\ntrain: images\nval: images\nnames:\n  1: dog\n  0: cat\n");
    for (const char* f : {"list.yaml", "map.yaml"}) {
        const DataConfig cfg = loadDataConfig((dir / f).string());
        QCOMPARE(cfg.names, (std::vector<std::string>{"cat", "dog"}));
        QCOMPARE(cfg.root, (dir / "ds").lexically_normal().string());
        QCOMPARE(cfg.train, (std::vector<std::string>{(dir / "ds/images").string()}));
    }
}

void TestDataConfig::splitsAsListsAndTxt()
{
    const fs::path dir = test::tempDir("dataconfig");
    writeImage(dir / "images/a/1.jpg");
    writeImage(dir / "images/b/sub/2.png");
    writeImage(dir / "images/c/3.jpg");
    writeText(dir / "images/b/notes.md", "not an image");
    writeText(dir / "c.txt", "./images/c/3.jpg\n\n" + (dir / "images/a/1.jpg").string() + "\n");
    writeText(dir / "d.yaml", "train: [images/a, images/b]\nval: c.txt\nnames: [x]\n");
    const DataConfig cfg = loadDataConfig((dir / "d.yaml").string());
    QCOMPARE(cfg.root, dir.string());
    const auto train = listImages(cfg.train, "train");
    QCOMPARE(train.size(), size_t(2));
    QVERIFY(train[1].find("sub/2.png") != std::string::npos);
    const auto val = listImages(cfg.val, "val");
    QCOMPARE(val, (std::vector<std::string>{(dir / "images/a/1.jpg").string(), (dir / "images/c/3.jpg").string()}));
}

void TestDataConfig::malformedYaml_data()
{
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QString>("expected");   // substrings of the message, '|'-separated
    QTest::newRow("missing train") << "path: .\nval: images\nnames: [a]\n" << "bad.yaml:1:|'train'";
    QTest::newRow("names scalar") << "train: images\nval: images\nnames: cat\n" << "bad.yaml:3:|'names'|list";
    QTest::newRow("names gap") << "train: images\nval: images\nnames: {0: a, 2: b}\n" << "bad.yaml:3:|class 1 is missing";
    QTest::newRow("nc disagrees") << "train: images\nval: images\nnames: [a, b]\nnc: 3\n" << "bad.yaml:4:|'nc' is 3|2 classes";
    QTest::newRow("nonexistent train") << "train: images\nval:\n  - images\n  - nowhere\nnames: [a]\n"
                                       << "bad.yaml:4:|'val'|nowhere|does not exist";
    QTest::newRow("nonexistent path") << "path: ../missing\ntrain: images\nval: images\nnames: [a]\n"
                                      << "bad.yaml:1:|'path'|missing";
    QTest::newRow("not yaml") << "train: [images\nnames: [a]\n" << "bad.yaml:";
}

void TestDataConfig::malformedYaml()
{
    QFETCH(QString, yaml);
    QFETCH(QString, expected);
    const fs::path dir = test::tempDir("dataconfig");
    writeImage(dir / "images/a.jpg");
    writeText(dir / "bad.yaml", yaml.toStdString());
    try {
        loadDataConfig((dir / "bad.yaml").string());
        QFAIL("no InputError");
    } catch (const InputError& e) {
        const QString msg = e.what();
        for (const QString& part : expected.split('|'))
            QVERIFY2(msg.contains(part), qPrintable(msg + " lacks " + part));
    }
}

void TestDataConfig::labelProblems()
{
    const fs::path dir = test::tempDir("dataconfig");
    writeImage(dir / "images/good.jpg");
    writeText(dir / "labels/good.txt", "0 0.5 0.5 0.2 0.2\n1 0.5 0.5 1.005 0.3\n");
    writeImage(dir / "images/bad.jpg");
    writeText(dir / "labels/bad.txt",
              "0 0.5 0.5 0.2 0.2\n"        // 1 kept
              "0 0.5 0.5\n"                // 2 columns
              "7 0.5 0.5 0.1 0.1\n"        // 3 class out of range
              "1 0.5 1.5 0.1 0.1\n"        // 4 out of bounds
              "0 0.5 0.5 0.2 0.2\n"        // 5 duplicate of 1
              "x 0.5 0.5 0.1 0.1\n"        // 6 not a number
              "\n"
              "1 0.1 0.1 0.3 0.1 0.2 0.4\n"); // 8 polygon -> box
    writeImage(dir / "images/empty.jpg");
    writeText(dir / "labels/empty.txt", "");
    writeImage(dir / "images/missing.jpg");
    writeImage(dir / "images/garbage.jpg");
    writeText(dir / "labels/garbage.txt", std::string("\x89PNG\r\n\x1a\n\0\0\0", 11));
    writeText(dir / "images/corrupt.jpg", "definitely not a jpeg");
    writeImage(dir / "images/tiny.png", 5, 5);

    const auto images = listImages({(dir / "images").string()}, "test");
    QCOMPARE(images.size(), size_t(7));
    const DatasetIndex index = scanDataset(images, 2, "test");
    for (const auto& i : index.issues)
        qDebug("%s", i.text().c_str());
    QCOMPARE(index.images.size(), size_t(4));
    QCOMPARE(index.skipped, 3);
    QCOMPARE(index.backgrounds, 2);
    QCOMPARE(index.instances, int64_t(4));
    QVERIFY(hasIssue(index, "labels/bad.txt", 2, "3 columns"));
    QVERIFY(hasIssue(index, "labels/bad.txt", 3, "class 7 outside [0, 2)"));
    QVERIFY(hasIssue(index, "labels/bad.txt", 4, "coordinate 1.5 outside [0, 1]"));
    QVERIFY(hasIssue(index, "labels/bad.txt", 5, "duplicate of line 1"));
    QVERIFY(hasIssue(index, "labels/bad.txt", 6, "'x' is not a number"));
    QVERIFY(hasIssue(index, "labels/garbage.txt", 0, "binary"));
    QVERIFY(hasIssue(index, "images/corrupt.jpg", 0, "corrupt"));
    QVERIFY(hasIssue(index, "images/tiny.png", 0, "under 10 pixels"));
    QCOMPARE(index.issues.size(), size_t(8));

    const auto good = std::find_if(index.images.begin(), index.images.end(),
                                   [](const ImageRecord& r) { return r.image.find("good.jpg") != std::string::npos; });
    QCOMPARE(good->labels.size(), size_t(2));
    QCOMPARE(good->labels[1].w, 1.0f);   // 1.005 clipped, within tolerance
    QCOMPARE(good->width, 64);
    QCOMPARE(good->height, 48);
    const auto bad = std::find_if(index.images.begin(), index.images.end(),
                                  [](const ImageRecord& r) { return r.image.find("bad.jpg") != std::string::npos; });
    QCOMPARE(bad->labels.size(), size_t(2));
    QCOMPARE(bad->labels[1].cls, 1);
    QVERIFY(std::abs(bad->labels[1].cx - 0.2f) < 1e-6f);
    QVERIFY(std::abs(bad->labels[1].h - 0.3f) < 1e-6f);
}

void TestDataConfig::missingLabelsDirIsBackgrounds()
{
    const fs::path dir = test::tempDir("dataconfig");
    for (int i = 0; i < 3; ++i)
        writeImage(dir / "ds/images/val" / (std::to_string(i) + ".jpg"));
    writeText(dir / "d.yaml", "path: ds\ntrain: images/val\nval: images/val\nnames: [a]\n");
    const DataConfig cfg = loadDataConfig((dir / "d.yaml").string());
    const DatasetIndex index = scanDataset(listImages(cfg.val, "val"), cfg.nc(), "val");
    QCOMPARE(index.backgrounds, 3);
    QCOMPARE(index.issues.size(), size_t(1));
    QVERIFY(hasIssue(index, "ds/labels/val", 0, "labels directory does not exist: 3 images"));
    QCOMPARE(index.summary(), std::string("0 images, 3 backgrounds, 0 corrupt; 0 instances"));
}

QTEST_APPLESS_MAIN(TestDataConfig)
#include "tst_dataconfig.moc"
