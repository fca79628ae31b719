// Training works, not just runs: from scratch on a synthetic shapes set a small model's mAP50
// climbs far above chance; fine-tuning the real yolov8n on a held-out COCO128 split through the
// CLI lowers the losses and writes a results.csv that reads back.
#include "data/synthgenerator.h"
#include "train/experimentconfig.h"
#include "train/trainer.h"
#include "util/atomicfile.h"
#include "util/threads.h"

#include "testdata.h"

#include <QtTest>

#include <sstream>

using namespace retort;

namespace {

class ValRecorder : public TrainerObserver
{
public:
    void onValEnd(const ValMetrics& v) override { map50.push_back(v.map50); }
    std::vector<double> map50;
};

/// results.csv as columns by name.
std::map<std::string, std::vector<double>> readResults(const std::string& path)
{
    std::istringstream in(readFile(path));
    std::string line;
    std::getline(in, line);
    std::vector<std::string> names;
    std::stringstream hs(line);
    for (std::string f; std::getline(hs, f, ',');)
        names.push_back(f);
    std::map<std::string, std::vector<double>> cols;
    while (std::getline(in, line)) {
        std::stringstream ls(line);
        size_t i = 0;
        for (std::string f; std::getline(ls, f, ',') && i < names.size(); ++i)
            cols[names[i]].push_back(f.empty() ? std::nan("") : std::stod(f));
    }
    return cols;
}

} // namespace

class TestLearning : public QObject
{
    Q_OBJECT
private slots:
    void learnsShapesFromScratch();
    void finetunesYolov8nOnCoco128();
};

void TestLearning::learnsShapesFromScratch()
{
    configureThreads(0);
    const std::string root = test::tempDir("learn");
    SynthOptions so;
    so.outDir = root + "/shapes";
    so.images = 200;
    so.imgsz = 128;
    so.classes = 2;
    const std::string data = generateSynthDataset(so).yamlPath;
    const std::string yaml = "name: learn\nproject: " + root + "\ndata: " + data +
                             "\nstudent: {arch: yolov8n.yaml}\n"
                             "train: {epochs: 12, imgsz: 128, batch: 16, optimizer: AdamW, lr0: 0.002, "
                             "warmup_epochs: 1, close_mosaic: 3, seed: 0, "
                             "workers: 2, val_batch: 32}\n";
    ValRecorder rec;
    Trainer(armConfig(parseExperiment(yaml, "learn.yaml", root), "baseline")).run(&rec, nullptr);
    QCOMPARE(rec.map50.size(), size_t(12));
    QString curve;
    for (const double m : rec.map50)
        curve += QString::number(m, 'f', 3) + " ";
    qInfo("val mAP50 per epoch: %s", qPrintable(curve));
    const double best = *std::max_element(rec.map50.begin(), rec.map50.end());
    // An untrained detector scores ~0; random boxes on this set score < 0.01.
    QVERIFY2(best > 0.10, qPrintable("mAP50 stayed at " + curve));
    QVERIFY2(rec.map50.back() > rec.map50.front() + 0.05, qPrintable(curve));
}

void TestLearning::finetunesYolov8nOnCoco128()
{
    RETORT_REQUIRE_SHARED_DATA();
    const std::string root = test::tempDir("finetune");
    const std::string cfg = root + "/ft.yaml";
    writeFileAtomic(cfg, "name: ft\nproject: " + root + "\ndata: " + test::sharedPath("coco128/coco128.yaml") +
                             "\nstudent: {weights: " + test::sharedPath("weights/yolov8n.safetensors") +
                             "}\ntrain: {epochs: 3, imgsz: 320, batch: 16, train_subset: '0:96', val_subset: '96:128', "
                             "close_mosaic: 1, warmup_epochs: 1, seed: 0, workers: 2, val_batch: 16}\n");
    std::string output;
    QCOMPARE(test::runCommand(test::cliPath() + " train --config " + cfg, &output), 0);
    const auto cols = readResults(root + "/ft/baseline/results.csv");
    for (const char* c : {"epoch", "train/box_loss", "train/cls_loss", "train/dfl_loss", "metrics/mAP50-95(B)"}) {
        QVERIFY2(cols.count(c), c);
        QCOMPARE(cols.at(c).size(), size_t(3));
    }
    const auto& box = cols.at("train/box_loss");
    const auto& cls = cols.at("train/cls_loss");
    const auto& dfl = cols.at("train/dfl_loss");
    qInfo("train losses epoch 1 -> 3: box %.3f -> %.3f, cls %.3f -> %.3f, dfl %.3f -> %.3f", box[0], box[2], cls[0],
          cls[2], dfl[0], dfl[2]);
    QVERIFY(box[2] + cls[2] + dfl[2] < box[0] + cls[0] + dfl[0]);
    QVERIFY(cls[2] < cls[0]);
    const double map = cols.at("metrics/mAP50-95(B)").back();
    QVERIFY2(map > 0.2, qPrintable(QString("held-out mAP50-95 %1").arg(map))); // the pretrained model starts ~0.4
    QVERIFY(QString::fromStdString(output).contains("3 epochs done"));
}

QTEST_APPLESS_MAIN(TestLearning)
#include "tst_learning.moc"
