#include "train/studyrunner.h"

#include "data/dataconfig.h"
#include "data/labels.h"
#include "data/synthgenerator.h"
#include "eval/validator.h"
#include "model/modelinfo.h"
#include "train/studyseeds.h"
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
    m_teacherWeights = cfg.teacher.weights;
    m_teacherEpochs = 0;
    const bool finetune = cfg.hasTeacher() && !cfg.teacher.weights.empty() && cfg.teacher.finetuneEpochs > 0;
    if (cfg.hasTeacher() && (cfg.teacher.weights.empty() || finetune)) {
        if (!finetune && cfg.teacher.pretrainEpochs <= 0)
            throw InputError(cfg.sourcePath + ": 'teacher' has no weights; give 'weights' or 'pretrain_epochs' to train it first");
        // The teacher's own run: <project>/<name>/teacher, trained once with the experiment's
        // first seed and reused by every arm and seed of the study.
        ExperimentConfig t = armConfig(cfg, "teacher");
        t.runName.clear();
        t.student = finetune ? ModelRef{cfg.teacher.weights, "", 0, 0} : ModelRef{"", cfg.teacher.arch, 0, 0};
        t.teacher = ModelRef{};
        t.train.epochs = finetune ? cfg.teacher.finetuneEpochs : cfg.teacher.pretrainEpochs;
        t.train.seed = m_teacherSeed.value_or(cfg.train.seed);
        t.train.pretrained = true;
        m_teacherEpochs = t.train.epochs;
        log(finetune ? "teacher: fine-tuning " + cfg.teacher.weights + " on " + cfg.data + " for " +
                           std::to_string(t.train.epochs) + " epochs"
                     : "teacher: training " + cfg.teacher.arch + " from scratch for " + std::to_string(t.train.epochs) +
                           " epochs");
        if (!trainArm(t, observer, control))
            return; // stopped
        m_teacherWeights = (fs::path(t.runDir()) / "weights" / "best.safetensors").string();
    }
    if (cfg.hasTeacher()) {
        m_teacher = std::make_shared<LoadedModel>(loadModel(m_teacherWeights, deviceOptions(cfg.train.device)));
        m_teacher->model->eval();
    }
    m_prepared = true;
}

const DatasetIndex& StudyRunner::valIndex()
{
    if (!m_valIndex) {
        const auto& cfg = m_config;
        const DataConfig data = loadDataConfig(cfg.data);
        const auto& entries = cfg.train.split == "train" ? data.train : cfg.train.split == "test" ? data.test : data.val;
        auto images = listImages(entries, cfg.data);
        const auto [b, e] = parseSubset(cfg.train.valSubset, images.size(), "train.val_subset");
        images = std::vector<std::string>(images.begin() + static_cast<long>(b), images.begin() + static_cast<long>(e));
        m_valIndex = scanDataset(images, data.nc(), cfg.data);
    }
    return *m_valIndex;
}

ValResult StudyRunner::validate(DetectionModelImpl& model)
{
    ValOptions vo;
    vo.imgsz = m_config.train.imgsz;
    vo.batch = m_config.train.valBatch;
    return Validator(vo).run(model, valIndex().images, {}, nullptr);
}

StudyRow StudyRunner::evaluate(const std::string& weights, const std::string& arm, const std::string& method)
{
    LoadedModel m = loadModel(weights, deviceOptions(m_config.train.device));
    StudyRow row = evaluateLoaded(m, arm, method);
    row.runDir = fs::path(weights).parent_path().parent_path().string();
    return row;
}

StudyRow StudyRunner::evaluateLoaded(LoadedModel& m, const std::string& arm, const std::string& method)
{
    const auto& cfg = m_config;
    const ValResult r = validate(*m.model);
    StudyRow row;
    row.arm = arm;
    row.method = method;
    row.map50_95 = r.metrics.map50_95;
    row.map50 = r.metrics.map50;
    auto bySize = [&](const char* bucket, double SizeMetrics::*field) {
        const auto it = r.metrics.bySize.find(bucket);
        return it == r.metrics.bySize.end() || it->second.instances == 0 ? -1.0 : it->second.*field;
    };
    row.apSmall = bySize("small", &SizeMetrics::ap50_95);
    row.apMedium = bySize("medium", &SizeMetrics::ap50_95);
    row.apLarge = bySize("large", &SizeMetrics::ap50_95);
    row.recallSmall = bySize("small", &SizeMetrics::recall);
    for (const ClassMetrics& c : r.metrics.perClass)
        row.perClass.push_back({c.name, c.instances, c.ap50_95});
    const ModelInfo info = modelInfo(*m.model, cfg.train.imgsz);
    row.params = info.params;
    row.gflops = info.gflops;
    row.msPerImage = deployedLatencyMs(*m.model, cfg.train.imgsz, torch::Device(cfg.train.device));
    row.epochs = cfg.train.epochs;
    row.seed = cfg.train.seed;
    return row;
}

StudyRow StudyRunner::evaluateRun(const ExperimentConfig& a)
{
    const fs::path weights = fs::path(a.runDir()) / "weights";
    const std::string best = (weights / "best.safetensors").string();
    const std::string last = (weights / "last.safetensors").string();
    const bool haveBest = fs::exists(best);
    LoadedModel m = loadModel(haveBest ? best : last, deviceOptions(m_config.train.device));
    StudyRow row = evaluateLoaded(m, a.arm, a.distills() ? a.arm : "no distillation");
    row.seed = a.train.seed;
    row.runDir = a.runDir();
    if (haveBest) {
        try {
            row.bestEpoch = std::stoi(m.metadata["epoch"]);
        } catch (const std::exception&) {
            row.bestEpoch = -1;
        }
        LoadedModel lastModel = loadModel(last, deviceOptions(m_config.train.device));
        row.lastMap50_95 = validate(*lastModel.model).metrics.map50_95;
    } else {
        row.lastMap50_95 = row.map50_95;
    }
    return row;
}

StudyResult StudyRunner::run(TrainerObserver* observer, TrainerControl* control)
{
    StudyResult result;
    if (!m_seeds.empty())
        m_teacherSeed = m_seeds.front();
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
        StudyRow t = evaluate(m_teacherWeights, "teacher", "teacher");
        teacherMap = t.map50_95;
        t.retention = 1.0;
        t.epochs = m_teacherEpochs;
        t.lastMap50_95 = t.map50_95;
        result.rows.push_back(t);
        char buf[512];
        std::snprintf(buf, sizeof buf, "teacher %s: mAP50-95 %.4f, mAP50 %.4f", m_teacherWeights.c_str(), t.map50_95,
                      t.map50);
        log(buf);
    }
    const bool multiSeed = m_seeds.size() > 1;
    const std::vector<uint64_t> seeds = m_seeds.empty() ? std::vector<uint64_t>{cfg.train.seed} : m_seeds;
    for (const uint64_t seed : seeds) {
        double baseline = -1;
        for (const auto& arm : cfg.arms) {
            ExperimentConfig a = armConfig(cfg, arm);
            a.train.seed = seed;
            if (multiSeed)
                a.runName = arm + "-seed" + std::to_string(seed);
            if (multiSeed)
                log("seed " + std::to_string(seed) + ": " + arm);
            if (!trainArm(a, observer, control)) {
                result.stopped = true;
                break;
            }
            StudyRow row = evaluateRun(a);
            row.retention = teacherMap > 0 ? row.map50_95 / teacherMap : -1;
            if (arm == "baseline")
                baseline = row.map50_95;
            row.gain = baseline >= 0 ? row.map50_95 - baseline : 0;
            result.rows.push_back(row);
        }
        if (result.stopped)
            break;
    }
    if (result.stopped)
        return result; // a stop never records partial results
    result.csvPath = (fs::path(cfg.studyDir()) / "study.csv").string();
    result.mdPath = (fs::path(cfg.studyDir()) / "study.md").string();
    writeStudyCsv(result.csvPath, result.rows);
    result.markdown = multiSeed ? studySeedsMarkdown(result.rows, cfg.name, cfg.bestFromEpoch(), cfg.train.best)
                                : studyMarkdown(result.rows, cfg.name);
    writeFileAtomic(result.mdPath, result.markdown);
    return result;
}

} // namespace retort
