#include "data/batchloader.h"
#include "data/synthgenerator.h"
#include "data/dataconfig.h"

#include "testdata.h"

#include <QtTest>

#include <chrono>

using namespace retort;

namespace {

std::shared_ptr<DetectionDataset> synthDataset(int images, uint64_t seed = 0)
{
    SynthOptions o;
    o.outDir = test::tempDir("batchloader");
    o.images = images;
    o.imgsz = 128;
    o.classes = 4;
    o.valFraction = 0;
    const DataConfig cfg = loadDataConfig(generateSynthDataset(o).yamlPath);
    return std::make_shared<DetectionDataset>(scanDataset(listImages(cfg.train, "train"), cfg.nc(), "train"), 96,
                                              AugmentOptions{}, true, seed);
}

std::vector<TrainBatch> epochOf(BatchLoader& loader, int epoch)
{
    loader.startEpoch(epoch);
    std::vector<TrainBatch> out;
    while (auto b = loader.next())
        out.push_back(std::move(*b));
    return out;
}

} // namespace

class TestBatchLoader : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { m_ds = synthDataset(21); }
    void targetLayout();
    void sameBatchesForAnyWorkerCount_data();
    void sameBatchesForAnyWorkerCount();
    void shuffleDependsOnEpoch();
    void stopIsPrompt();

private:
    std::shared_ptr<DetectionDataset> m_ds;
};

void TestBatchLoader::targetLayout()
{
    BatchLoader loader(m_ds, 8, false, 0, 2, 2);
    QCOMPARE(loader.batchesPerEpoch(), size_t(3));
    const auto batches = epochOf(loader, 0);
    QCOMPARE(batches.size(), size_t(3));
    QCOMPARE(batches[2].size(), int64_t(5));   // drop_last = False
    for (const auto& b : batches) {
        QCOMPARE(b.images.dtype(), torch::kUInt8);
        QCOMPARE(b.images.dim(), int64_t(4));
        QCOMPARE(b.images.size(1), int64_t(3));
        QCOMPARE(b.images.size(2), int64_t(96));
        QCOMPARE(b.images.size(3), int64_t(96));
        const int64_t M = b.batchIdx.size(0);
        QCOMPARE(b.batchIdx.dtype(), torch::kFloat32);
        QCOMPARE(b.cls.sizes(), (torch::IntArrayRef{M, 1}));
        QCOMPARE(b.bboxes.sizes(), (torch::IntArrayRef{M, 4}));
        QCOMPARE(b.files.size(), size_t(b.size()));
        if (M == 0)
            continue;
        // batch_idx non-decreasing within [0, B), classes in range, boxes normalised xywh.
        QVERIFY((b.batchIdx.slice(0, 1) >= b.batchIdx.slice(0, 0, M - 1)).all().item<bool>());
        QVERIFY(b.batchIdx.max().item<float>() < b.size());
        QVERIFY(b.cls.min().item<float>() >= 0 && b.cls.max().item<float>() < 4);
        const auto xy = b.bboxes.slice(1, 0, 2), wh = b.bboxes.slice(1, 2, 4);
        QVERIFY(((xy - wh / 2) >= -1e-5).all().item<bool>());
        QVERIFY(((xy + wh / 2) <= 1 + 1e-5).all().item<bool>());
        QVERIFY((wh > 0).all().item<bool>());
    }
    // Every image is delivered once per epoch.
    std::set<std::string> files;
    for (const auto& b : batches)
        files.insert(b.files.begin(), b.files.end());
    QCOMPARE(files.size(), size_t(21));
}

void TestBatchLoader::sameBatchesForAnyWorkerCount_data()
{
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("prefetch");
    QTest::newRow("1 worker") << 1 << 1;
    QTest::newRow("3 workers") << 3 << 2;
    QTest::newRow("4 workers, deep queue") << 4 << 8;
}

void TestBatchLoader::sameBatchesForAnyWorkerCount()
{
    QFETCH(int, workers);
    QFETCH(int, prefetch);
    BatchLoader reference(m_ds, 4, true, 9, 0, 1);
    BatchLoader loader(m_ds, 4, true, 9, workers, prefetch);
    for (int epoch : {0, 1}) {
        const auto a = epochOf(reference, epoch), b = epochOf(loader, epoch);
        QCOMPARE(a.size(), b.size());
        for (size_t k = 0; k < a.size(); ++k) {
            QCOMPARE(a[k].files, b[k].files);
            QVERIFY(torch::equal(a[k].images, b[k].images));
            QVERIFY(torch::equal(a[k].bboxes, b[k].bboxes));
            QVERIFY(torch::equal(a[k].batchIdx, b[k].batchIdx));
        }
    }
}

void TestBatchLoader::shuffleDependsOnEpoch()
{
    BatchLoader loader(m_ds, 21, true, 5, 1, 1);
    loader.startEpoch(0);
    const auto order0 = loader.order();
    loader.startEpoch(1);
    QVERIFY(order0 != loader.order());
    loader.startEpoch(0);
    QCOMPARE(loader.order(), order0);
    BatchLoader plain(m_ds, 21, false, 5, 1, 1);
    plain.startEpoch(3);
    for (size_t i = 0; i < plain.order().size(); ++i)
        QCOMPARE(plain.order()[i], i);
}

void TestBatchLoader::stopIsPrompt()
{
    const auto big = synthDataset(64);
    auto loader = std::make_unique<BatchLoader>(big, 32, true, 0, 2, 4);
    loader->startEpoch(0);
    QVERIFY(loader->next().has_value());
    const auto t0 = std::chrono::steady_clock::now();
    loader->stop();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    QVERIFY2(ms < 500, qPrintable(QString("stop took %1 ms").arg(ms)));
    QVERIFY(!loader->next().has_value());
    // Destroying a loader mid-epoch joins its workers.
    loader->startEpoch(1);
    loader.reset();
}

QTEST_APPLESS_MAIN(TestBatchLoader)
#include "tst_batchloader.moc"
