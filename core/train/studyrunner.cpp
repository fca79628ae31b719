#include "train/studyrunner.h"

#include "data/dataconfig.h"
#include "data/labels.h"
#include "data/synthgenerator.h"
#include "eval/validator.h"
#include "model/modelinfo.h"
#include "train/trainer.h"
#include "util/atomicfile.h"
#include "util/error.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

namespace fs = std::filesystem;

namespace retort {
namespace {

LoadOptions deviceOptions(const std::string& device)
{
    LoadOptions o;
    o.device = torch::Device(device);
    return o;
}

/// Batch-1 latency (ms) of the model as it would be deployed: Conv+BN folded, channels-last, one
/// square imgsz input, the fastest of 15 runs after 3 warm-up runs. The validator's own timing
/// (batches of val_batch, right after training) and even a median varied by up to 2x between
/// arms of the same architecture on a shared 2-core machine; the minimum is what stays put.
double deployedLatencyMs(DetectionModelImpl& model, int imgsz, const torch::Device& device)
{
    constexpr int kWarmup = 3;
    constexpr int kRuns = 15;
    torch::NoGradGuard noGrad;
    model.eval();
    if (!model.fused())
        model.fuse();
    model.toChannelsLast();
    const auto x = torch::rand({1, 3, imgsz, imgsz}, torch::TensorOptions().device(device))
                       .contiguous(torch::MemoryFormat::ChannelsLast);
    double fastest = std::numeric_limits<double>::infinity();
    for (int i = 0; i < kWarmup + kRuns; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto y = model.forward(x);
        if (device.is_cuda())
            y.cpu();
        if (i >= kWarmup)
            fastest = std::min(fastest, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    return fastest;
}

} // namespace

bool runFinished(const std::string& runDir, int epochs)
{
    std::ifstream in((fs::path(runDir) / "results.csv").string());
    if (!in || !fs::exists(fs::path(runDir) / "weights" / "last.safetensors"))
        return false;
    std::string line;
    int rows = -1; // header
    while (std::getline(in, line))
        if (!line.empty())
            ++rows;
    return rows >= epochs;
}

StudyRunner::StudyRunner(ExperimentConfig config) : m_config(std::move(config)) {}

bool StudyRunner::trainArm(const ExperimentConfig& cfg, TrainerObserver* observer, TrainerControl* control)
{
    const std::string runDir = cfg.runDir();
    if (m_reuse && runFinished(runDir, cfg.train.epochs)) {
        if (observer)
            observer->onLog(cfg.arm + ": reusing the finished run in " + runDir);
        return true;
    }
    Trainer trainer(cfg);
    trainer.setResume(fs::exists(fs::path(runDir) / "weights" / "last.state"));
    if (cfg.distills())
        trainer.setTeacher(m_teacher);
    const RunSummary s = trainer.run(observer, control);
    return !s.stopped;
}

void StudyRunner::prepare(TrainerObserver* observer, TrainerControl* control)
{
    if (m_prepared)
        return;
    auto log = [&](const std::string& line) {
        if (observer)
            observer->onLog(line);
    };
    auto& cfg = m_config;
    if (!fs::exists(cfg.data)) {
        if (!cfg.synth.enabled)
            throw InputError(cfg.sourcePath + ": data '" + cfg.data + "' does not exist");
        SynthOptions so;
        so.outDir = fs::path(cfg.data).parent_path().string();
        so.images = cfg.synth.images;
        so.imgsz = cfg.synth.imgsz;
        so.classes = cfg.synth.classes;
        so.seed = cfg.synth.seed;
        so.valFraction = cfg.synth.valFraction;
        so.yamlName = fs::path(cfg.data).filename().string();
        log("generating the synthetic dataset " + cfg.data + " (" + std::to_string(so.images) + " images)");
        generateSynthDataset(so);
    }
    if (cfg.hasTeacher() && cfg.teacher.weights.empty()) {
        if (cfg.teacher.pretrainEpochs <= 0)
            throw InputError(cfg.sourcePath + ": 'teacher' has no weights; give 'weights' or 'pretrain_epochs' to train it first");
        ExperimentConfig t = armConfig(cfg, "teacher");
        t.student = ModelRef{"", cfg.teacher.arch, 0};
        t.teacher = ModelRef{};
        t.train.epochs = cfg.teacher.pretrainEpochs;
        log("teacher: training " + cfg.teacher.arch + " from scratch for " + std::to_string(t.train.epochs) + " epochs");
        if (!trainArm(t, observer, control))
            return; // stopped
        cfg.teacher.weights = (fs::path(t.runDir()) / "weights" / "best.safetensors").string();
    }
    if (cfg.hasTeacher()) {
        m_teacher = std::make_shared<LoadedModel>(loadModel(cfg.teacher.weights, deviceOptions(cfg.train.device)));
        m_teacher->model->eval();
    }
    m_prepared = true;
}

StudyRow StudyRunner::evaluate(const std::string& weights, const std::string& arm, const std::string& method)
{
    const auto& cfg = m_config;
    const DataConfig data = loadDataConfig(cfg.data);
    const auto& entries = cfg.train.split == "train" ? data.train : cfg.train.split == "test" ? data.test : data.val;
    auto images = listImages(entries, cfg.data);
    const auto [b, e] = parseSubset(cfg.train.valSubset, images.size(), "train.val_subset");
    images = std::vector<std::string>(images.begin() + static_cast<long>(b), images.begin() + static_cast<long>(e));
    const DatasetIndex index = scanDataset(images, data.nc(), cfg.data);
    LoadedModel m = loadModel(weights, deviceOptions(cfg.train.device));
    ValOptions vo;
    vo.imgsz = cfg.train.imgsz;
    vo.batch = cfg.train.valBatch;
    Validator validator(vo);
    const ValResult r = validator.run(*m.model, index.images, {}, nullptr);
    StudyRow row;
    row.arm = arm;
    row.method = method;
    row.map50_95 = r.metrics.map50_95;
    row.map50 = r.metrics.map50;
    const ModelInfo info = modelInfo(*m.model, cfg.train.imgsz);
    row.params = info.params;
    row.gflops = info.gflops;
    row.msPerImage = deployedLatencyMs(*m.model, cfg.train.imgsz, torch::Device(cfg.train.device));
    row.epochs = cfg.train.epochs;
    row.seed = cfg.train.seed;
    row.runDir = fs::path(weights).parent_path().parent_path().string();
    return row;
}

StudyResult StudyRunner::run(TrainerObserver* observer, TrainerControl* control)
{
    StudyResult result;
    prepare(observer, control);
    if (!m_prepared || (control && control->stopRequested())) {
        result.stopped = true;
        return result;
    }
    auto log = [&](const std::string& line) {
        if (observer)
            observer->onLog(line);
    };
    const auto& cfg = m_config;
    double teacherMap = -1;
    if (m_teacher) {
        StudyRow t = evaluate(cfg.teacher.weights, "teacher", "teacher");
        teacherMap = t.map50_95;
        t.retention = 1.0;
        t.epochs = cfg.teacher.pretrainEpochs;
        result.rows.push_back(t);
        char buf[160];
        std::snprintf(buf, sizeof buf, "teacher %s: mAP50-95 %.4f, mAP50 %.4f", cfg.teacher.weights.c_str(), t.map50_95,
                      t.map50);
        log(buf);
    }
    double baseline = -1;
    for (const auto& arm : cfg.arms) {
        const ExperimentConfig a = armConfig(cfg, arm);
        if (!trainArm(a, observer, control)) {
            result.stopped = true;
            break;
        }
        const std::string best = (fs::path(a.runDir()) / "weights" / "best.safetensors").string();
        StudyRow row = evaluate(fs::exists(best) ? best : (fs::path(a.runDir()) / "weights" / "last.safetensors").string(),
                                arm, a.distills() ? arm : "no distillation");
        row.retention = teacherMap > 0 ? row.map50_95 / teacherMap : -1;
        if (arm == "baseline")
            baseline = row.map50_95;
        row.gain = baseline >= 0 ? row.map50_95 - baseline : 0;
        result.rows.push_back(row);
    }
    result.csvPath = (fs::path(cfg.studyDir()) / "study.csv").string();
    result.mdPath = (fs::path(cfg.studyDir()) / "study.md").string();
    writeStudyCsv(result.csvPath, result.rows);
    result.markdown = studyMarkdown(result.rows, cfg.name);
    writeFileAtomic(result.mdPath, result.markdown);
    return result;
}

} // namespace retort
