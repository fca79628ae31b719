#include "train/trainer.h"

#include "data/batchloader.h"
#include "data/dataconfig.h"
#include "data/dataset.h"
#include "data/labels.h"
#include "distill/distiller.h"
#include "distill/weightselection.h"
#include "eval/validator.h"
#include "loss/detectionloss.h"
#include "model/modelinfo.h"
#include "train/adapterwarmup.h"
#include "train/checkpoint.h"
#include "train/lrschedule.h"
#include "train/modelema.h"
#include "train/optimizerfactory.h"
#include "train/runlogger.h"
#include "util/error.h"
#include "util/runlock.h"
#include "util/testhook.h"
#include "util/threads.h"
#include "util/yamlcheck.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

namespace fs = std::filesystem;

namespace retort {
namespace {

using Clock = std::chrono::steady_clock;

std::string fmt(const char* f, double a = 0, double b = 0, double c = 0, double d = 0)
{
    char buf[256];
    std::snprintf(buf, sizeof buf, f, a, b, c, d);
    return buf;
}

/// The images of one split, sliced by the experiment's subset.
std::vector<std::string> splitImages(const DataConfig& data, const std::string& which, const std::string& subset,
                                     const std::string& key)
{
    const auto& entries = which == "train" ? data.train : which == "test" ? data.test : data.val;
    if (entries.empty())
        throw InputError(data.yamlPath + ": no '" + which + "' entry");
    auto images = listImages(entries, data.yamlPath + " (" + which + ")");
    const auto [b, e] = parseSubset(subset, images.size(), key);
    return {images.begin() + static_cast<long>(b), images.begin() + static_cast<long>(e)};
}

std::string joinNames(const std::vector<std::string>& names)
{
    std::string out;
    for (size_t i = 0; i < names.size() && i < 6; ++i)
        out += (i ? ", " : "") + names[i];
    return names.size() > 6 ? out + ", …" : out;
}

AugmentOptions augmentOptions(const TrainSettings& t)
{
    AugmentOptions a;
    a.hsvH = t.hsvH;
    a.hsvS = t.hsvS;
    a.hsvV = t.hsvV;
    a.degrees = t.degrees;
    a.translate = t.translate;
    a.scale = t.scale;
    a.shear = t.shear;
    a.perspective = t.perspective;
    a.flipUD = t.flipud;
    a.flipLR = t.fliplr;
    a.mosaic = t.mosaic;
    a.epochs = t.epochs;
    a.closeMosaic = t.closeMosaic;
    return a;
}

} // namespace

Trainer::Trainer(ExperimentConfig config) : m_config(std::move(config)) {}

Trainer::~Trainer() = default;

RunSummary Trainer::run(TrainerObserver* observer, TrainerControl* control)
{
    TrainerObserver fallbackObserver;
    TrainerControl fallbackControl;
    TrainerObserver& obs = observer ? *observer : fallbackObserver;
    TrainerControl& ctl = control ? *control : fallbackControl;
    const auto& cfg = m_config;
    const auto& t = cfg.train;
    RunState state = RunState::Idle;
    auto setState = [&](RunState next) {
        if (next != state && canTransition(state, next)) {
            state = next;
            obs.onStateChanged(next);
        }
    };
    auto log = [&](const std::string& line) { obs.onLog(line); };

    setState(RunState::Preparing);
    RunSummary summary;
    summary.runDir = cfg.runDir();
    try {
        // Before anything touches the directory: one trainer per run, for the process's life.
        const RunLock runLock(cfg.runDir());
        for (const auto& line : recoverCheckpoint(cfg.runDir()))
            log("recovery: " + line);
        configureThreads(t.threads);
        const torch::Device device(t.device);
        torch::manual_seed(t.seed);

        // Data.
        const DataConfig data = loadDataConfig(cfg.data);
        const auto trainImages = splitImages(data, "train", t.trainSubset, "train.train_subset");
        const auto valImages = splitImages(data, t.split, t.valSubset, "train.val_subset");
        DatasetIndex trainIndex = scanDataset(trainImages, data.nc(), cfg.data + " (train)", data.maxImagePixels);
        DatasetIndex valIndex = scanDataset(valImages, data.nc(), cfg.data + " (" + t.split + ")", data.maxImagePixels);
        for (const auto& issue : trainIndex.issues)
            log("warning: " + issue.text());
        log("train: " + trainIndex.summary());
        log("val:   " + valIndex.summary());

        // Student (and teacher).
        const std::string studentPath = cfg.student.weights.empty() ? cfg.student.arch : cfg.student.weights;
        TrainingStart init = loadForTraining(studentPath, data.names, device, t.pretrained);
        if (!init.message.empty())
            log(init.message);
        LoadedModel& student = init.loaded;
        const bool distilling = cfg.distills();
        if (distilling && !m_teacher) {
            if (cfg.teacher.weights.empty())
                throw InputError(cfg.sourcePath + ": 'teacher' has no weights to distil from");
            m_teacher = std::make_shared<LoadedModel>(loadModel(cfg.teacher.weights, LoadOptions{device, 0, {}}));
        }
        if (distilling) {
            if (m_teacher->model->nc() != data.nc() || m_teacher->names != data.names)
                throw InputError(cfg.teacher.describe() + ": the teacher's classes (" +
                                 std::to_string(m_teacher->model->nc()) + ": " + joinNames(m_teacher->names) +
                                 ") differ from the data's (" + std::to_string(data.nc()) + ": " +
                                 joinNames(data.names) + " in " + cfg.data +
                                 "); fine-tune it on the data first with 'teacher: {weights: …, finetune_epochs: N}'");
            m_teacher->model->to(device);
            m_teacher->model->eval();
            for (auto& p : m_teacher->model->parameters())
                p.set_requires_grad(false);
            if (!m_teacher->model->fused())
                m_teacher->model->fuse(); // frozen and in eval mode: folding BN changes no output or tap
        }
        DetectionModel model = student.model;
        model->to(device);
        if (cfg.distill.inheritOn) {
            // The shared teacher is fused for speed; selection needs its BatchNorms: a fresh copy.
            const LoadedModel unfused = loadModel(m_teacher->source, LoadOptions{device, 0, {}});
            const InheritReport r = inheritWeights(*model, *unfused.model);
            log("inherit: the student starts from the teacher by weight selection: " + r.describe() +
                " (a resume restores its own weights)");
        }

        // Feature layers left to their default: the Detect inputs of each model, written into
        // the run's config (args.yaml, checkpoint metadata) so that the adapters can be paired
        // with their layers later (the Attention tab).
        Distiller distiller{nullptr};
        if (cfg.distill.readsTeacher()) {
            try {
                if ((cfg.distill.featureOn || cfg.distill.relationOn) && cfg.distill.feature.layers.empty())
                    m_config.distill.feature.layers = detectInputPairs(*m_teacher->model, *model);
                distiller = Distiller(cfg.distill, *m_teacher->model, *model, t.epochs, t.seed);
            } catch (const InputError& e) {
                // The tapped layers are checked against the models only now: name where they
                // were set (file:line), as a parse error would.
                static const std::string kLayers = "distill.feature.layers";
                const std::string what = e.what();
                if (what.rfind(kLayers, 0) != 0)
                    throw;
                throw InputError(yamlKeyLocation(cfg.sourcePath, kLayers) + ": " + what);
            }
            distiller->to(device);
            const ModelInfo ti = modelInfo(*m_teacher->model, t.imgsz);
            const ModelInfo si = modelInfo(*model, t.imgsz);
            log(fmt("teacher %.2fM params %.1f GFLOPs | student %.2fM params %.1f GFLOPs", ti.params / 1e6, ti.gflops,
                    si.params / 1e6, si.gflops) +
                fmt(" | ratio %.2f", static_cast<double>(si.params) / ti.params));
            const double ratio = static_cast<double>(si.params) / ti.params;
            if (ratio < 0.1 || ratio > 0.8)
                log(fmt("warning: student/teacher parameter ratio %.2f is far outside the usual 1/3 to 1/2", ratio));
            for (const auto& line : distiller->describe())
                log(line);
        }

        // Loader, loss, optimizer, EMA.
        auto trainSet = std::make_shared<DetectionDataset>(trainIndex, t.imgsz, augmentOptions(t), true, t.seed);
        BatchLoader loader(trainSet, t.batch, true, t.seed, t.workers, std::max(2, t.workers * 2));
        const int nb = static_cast<int>(loader.batchesPerEpoch());
        if (nb == 0)
            throw InputError(cfg.data + ": no training batch (0 images)");
        DetectionLossHyp hyp;
        hyp.box = t.box;
        hyp.cls = t.cls;
        hyp.dfl = t.dfl;
        const DetectionLoss criterion(model->nc(), model->strides(), model->spec().regMax, hyp);
        // YOLO26: the end-to-end loss over both heads (one-to-many share decaying per epoch).
        std::optional<EndToEndLoss> endToEnd;
        if (model->endToEnd())
            endToEnd.emplace(model->nc(), model->strides(), model->spec().regMax, hyp);
        OptimizerGroups groups = buildOptimizer(*model, distiller ? distiller.ptr().get() : nullptr, t);
        LrSchedule schedule(t, nb);
        // ema: false keeps no average: decay 0 makes the "EMA" the model itself after every step.
        ModelEMA ema(*model, t.ema ? t.emaDecay : 0.0, t.emaTau, device);
        std::vector<std::string> lossNames{"box", "cls", "dfl"};
        if (distiller)
            for (const auto& n : distiller->lossNames())
                lossNames.push_back(n);
        lossNames.push_back("total");
        RunLogger logger(cfg.runDir(), lossNames);

        // Resume.
        TrainProgress progress;
        const std::string statePath = (fs::path(cfg.runDir()) / "weights" / "last.state").string();
        const bool resumed = m_resume && fs::exists(statePath);
        if (resumed) {
            progress = loadCheckpoint(statePath, *model, ema, *groups.optimizer, distiller ? distiller.ptr().get() : nullptr);
            if (progress.batch > nb || progress.epoch > t.epochs)
                throw InputError(statePath + ": the checkpoint is at epoch " + std::to_string(progress.epoch + 1) +
                                 ", batch " + std::to_string(progress.batch) + ", beyond this run's " +
                                 std::to_string(t.epochs) + " epochs of " + std::to_string(nb) + " batches");
            for (const auto& w : logger.restore(progress.epoch, progress.step))
                log("warning: " + w);
            summary.bestMap50 = progress.bestMap50;
            summary.bestMap50_95 = progress.bestMap50_95;
            log("resuming " + statePath + " at epoch " + std::to_string(progress.epoch + 1) +
                (progress.batch >= nb ? ", validation" : ", batch " + std::to_string(progress.batch + 1)));
        } else {
            if (m_resume)
                log("no checkpoint in " + cfg.runDir() + " yet (stopped before the first one): starting from the beginning");
            std::error_code ec;
            fs::remove((fs::path(cfg.runDir()) / "events.jsonl"), ec);
            fs::remove((fs::path(cfg.runDir()) / "results.csv"), ec);
            removeCheckpoint(cfg.runDir());
        }
        logger.writeArgs(experimentToYaml(cfg));

        RunInfo info;
        info.experiment = cfg.name;
        info.arm = cfg.arm;
        info.runDir = cfg.runDir();
        info.epochs = t.epochs;
        info.startEpoch = progress.epoch;
        info.batchesPerEpoch = nb;
        info.imgsz = t.imgsz;
        info.batch = t.batch;
        info.lossNames = lossNames;
        if (distiller)
            info.featureLayers = distiller->studentLayers();
        info.teacherMap50_95 = m_teacherMap;
        info.device = t.device;
        obs.onTrainStart(info);

        const int bestFrom = cfg.bestFromEpoch();
        if (t.best == "last")
            log("best: the last epoch's weights");
        else if (bestFrom > 0)
            log("best: chosen by fitness over epochs " + std::to_string(bestFrom + 1) + "-" + std::to_string(t.epochs) +
                " (after the KD warm-up, the same epochs in every arm)");

        if (distiller && cfg.distill.featureOn && cfg.distill.feature.adapterWarmupSteps > 0 && progress.step == 0 &&
            distiller->hasTrainableFeatureParts()) {
            AdapterWarmup warm{*model, *m_teacher->model, *distiller, trainSet, t, device};
            warm.run(cfg.distill.feature.adapterWarmupSteps, log, ctl);
        }

        ValOptions valOptions;
        valOptions.imgsz = t.imgsz;
        valOptions.batch = t.valBatch;
        Validator validator(valOptions);

        const auto start = Clock::now();
        long long stepsThisSession = 0;
        const long long totalSteps = static_cast<long long>(t.epochs) * nb;
        const std::vector<int> studentTaps = distiller ? distiller->studentLayers() : std::vector<int>{};
        const std::vector<int> teacherTaps = distiller ? distiller->teacherLayers() : std::vector<int>{};
        long long lastOptStep = progress.lastOptStep;
        bool stopped = false;
        auto checkpoint = [&](TrainProgress p, bool best) {
            p.lastOptStep = lastOptStep;
            const auto paths = saveCheckpoint(cfg, *model, ema, *groups.optimizer,
                                              distiller ? distiller.ptr().get() : nullptr, student.names, p, best);
            progress.generation = paths.generation;
            summary.lastWeights = paths.weights;
            return paths;
        };
        if (ctl.stopRequested()) {
            // Stopped while preparing (or in the adapter warm-up): no step taken since the last
            // checkpoint, so there is nothing new to save; a resume starts where that one is.
            log(resumed ? "stopped before the first step; the checkpoint on disk is unchanged"
                        : "stopped before the first step; nothing to save (a resume starts from the beginning)");
            setState(RunState::Stopping);
            stopped = true;
        }
        // A stop between steps: `done` batches of `epoch` are in the weights (a partial
        // accumulation is saved with its gradients, not stepped early, so the resumed run steps
        // where the uninterrupted one does); done == nb means "validation pending".
        auto stopCheckpoint = [&](int epoch, int done, const LossMap& sums, int count) {
            setState(RunState::Stopping);
            TrainProgress p = progress;
            p.epoch = epoch;
            p.batch = done;
            p.step = static_cast<long long>(epoch) * nb + done;
            p.epochSums = sums;
            p.epochCount = count;
            const auto paths = checkpoint(p, false);
            obs.onCheckpoint({epoch, paths.weights, false});
            stopped = true;
        };

        for (int epoch = progress.epoch; epoch < t.epochs && !stopped; ++epoch) {
            if (endToEnd)
                endToEnd->setEpoch(epoch, t.epochs);
            model->train();
            if (distiller)
                distiller->train();
            if (t.mosaic > 0 && epoch == t.epochs - t.closeMosaic)
                log("closing dataloader mosaic");
            const bool resumedEpoch = resumed && epoch == progress.epoch;
            const int firstBatch = resumedEpoch ? progress.batch : 0;
            if (firstBatch < nb)
                loader.startEpoch(epoch, static_cast<size_t>(firstBatch)); // same data order as the uninterrupted run
            // The epoch's means cover every batch of it, those before a resume included.
            if (firstBatch > 0) // the lr/pg* of a resumed epoch's row are those of its last step so far
                for (size_t g = 0; g < groups.count(); ++g) {
                    const long long ni = static_cast<long long>(epoch) * nb + firstBatch - 1;
                    groups.setLrMomentum(g, schedule.lr(static_cast<int>(g), ni, epoch), schedule.momentum(ni));
                }
            LossMap epochSums = resumedEpoch ? progress.epochSums : LossMap{};
            int epochCount = resumedEpoch ? progress.epochCount : 0;
            const auto epochStart = Clock::now();
            auto stepStart = Clock::now();
            for (int i = firstBatch; i < nb; ++i) {
                // Pause between steps, as a state of its own: the UI mirrors it, and nothing
                // (a new epoch, the end of a validation) overwrites it while it lasts.
                if (ctl.pauseRequested()) {
                    setState(RunState::Paused);
                    ctl.waitWhilePaused();
                    if (ctl.stopRequested()) {
                        stopCheckpoint(epoch, i, epochSums, epochCount);
                        break;
                    }
                }
                setState(RunState::Training);
                std::optional<TrainBatch> batch = loader.next();
                if (!batch)
                    break;
                const long long ni = static_cast<long long>(epoch) * nb + i;
                const int accumulate = schedule.accumulate(ni);
                for (size_t g = 0; g < groups.count(); ++g)
                    groups.setLrMomentum(g, schedule.lr(static_cast<int>(g), ni, epoch), schedule.momentum(ni));

                const auto images = batch->images.to(device).to(torch::kFloat).div_(255.0);
                DetectionTargets targets{batch->batchIdx.to(device), batch->cls.to(device), batch->bboxes.to(device)};
                FeatureTaps sTaps;
                std::vector<torch::Tensor> oneToOne;
                const auto maps = model->forwardMaps(images, studentTaps, &sTaps, endToEnd ? &oneToOne : nullptr);
                FeatureTaps tTaps;
                std::vector<torch::Tensor> tMaps;
                if (distiller) {
                    torch::NoGradGuard noGrad;
                    tMaps = m_teacher->model->forwardMaps(images, teacherTaps, &tTaps);
                }
                const std::vector<torch::Tensor>* assignMaps =
                    distiller && distiller->assignsByTeacher() ? &tMaps : nullptr;
                DetectionLossOutput lossOut = endToEnd ? (*endToEnd)(maps, oneToOne, targets, assignMaps)
                                                       : criterion(maps, targets, assignMaps);
                torch::Tensor total = lossOut.total;
                LossMap values;
                const auto items = lossOut.items.to(torch::kCPU);
                values["box"] = items[0].item<double>();
                values["cls"] = items[1].item<double>();
                values["dfl"] = items[2].item<double>();
                if (distiller) {
                    const double epochProgress = epoch + static_cast<double>(i) / nb;
                    KdOutput kd = distiller->forward(maps, sTaps, tMaps, tTaps, lossOut, epochProgress, &targets);
                    total = total + kd.total * static_cast<double>(images.size(0));
                    for (const auto& [k, v] : kd.components)
                        values[k] = v;
                }
                double totalValue = 0;
                for (const auto& [k, v] : values)
                    totalValue += (k.rfind("kd_feat_", 0) == 0) ? 0 : v; // per-layer terms are inside kd_feat
                values["total"] = totalValue;
                if (!std::isfinite(totalValue))
                    throw TrainingError("loss became " + std::string(std::isnan(totalValue) ? "NaN" : "infinite") +
                                        " at epoch " + std::to_string(epoch + 1) + ", batch " + std::to_string(i + 1) +
                                        " (lower lr0 or the KD weights); the last good checkpoint is kept in " +
                                        cfg.runDir() + "/weights");
                total.backward();

                if (ni - lastOptStep >= accumulate) {
                    groups.step(t.maxGradNorm);
                    ema.update(*model);
                    lastOptStep = ni;
                }
                for (const auto& [k, v] : values)
                    epochSums[k] += v;
                ++epochCount;
                ++stepsThisSession;

                const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
                const double stepSeconds = std::chrono::duration<double>(Clock::now() - stepStart).count();
                stepStart = Clock::now();
                StepMetrics sm;
                sm.epoch = epoch;
                sm.epochs = t.epochs;
                sm.batch = i;
                sm.batchesPerEpoch = nb;
                sm.step = ni;
                sm.losses = values;
                sm.lr = groups.lr(0);
                sm.instances = static_cast<int>(batch->cls.size(0));
                sm.imagesPerSecond = stepSeconds > 0 ? images.size(0) / stepSeconds : 0;
                sm.etaSeconds = elapsed / stepsThisSession * static_cast<double>(totalSteps - ni - 1);
                logger.appendStep(sm);
                obs.onStep(sm);
                testKillPoint("step");

                if (ctl.stopRequested()) {
                    stopCheckpoint(epoch, i + 1, epochSums, epochCount);
                    break;
                }
            }
            if (stopped)
                break;

            EpochMetrics em;
            em.epoch = epoch;
            em.epochs = t.epochs;
            for (const auto& [k, v] : epochSums)
                em.trainLosses[k] = v / std::max(epochCount, 1);
            for (size_t g = 0; g < groups.count(); ++g)
                em.lrs.push_back(groups.lr(g));
            em.seconds = std::chrono::duration<double>(Clock::now() - epochStart).count();
            obs.onEpochEnd(em);

            ValMetrics vm;
            vm.epoch = epoch;
            bool validated = false;
            if (t.val || epoch == t.epochs - 1) {
                setState(RunState::Validating);
                // A validation-pending checkpoint is the moment before validation: the validator
                // draws from the global generator (its fused copy is built with random init), so
                // an aborted validation must not leave its draws in the saved RNG state.
                const torch::Tensor rngBeforeVal = at::detail::getDefaultCPUGenerator().get_state();
                ValResult vr = validator.run(*ema.model(), valIndex.images,
                                             [](int, int) { testKillPoint("val-batch"); }, ctl.stopFlag());
                if (ctl.stopRequested()) {
                    // The validator returned early: its metrics cover part of the images. They
                    // never reach results.csv or best; the checkpoint says "validation pending".
                    log("stopped during validation: its partial metrics are discarded; a resume validates again");
                    at::Generator cpuGen = at::detail::getDefaultCPUGenerator();
                    cpuGen.set_state(rngBeforeVal);
                    stopCheckpoint(epoch, nb, epochSums, epochCount);
                    break;
                }
                vm.precision = vr.metrics.precision;
                vm.recall = vr.metrics.recall;
                vm.map50 = vr.metrics.map50;
                vm.map50_95 = vr.metrics.map50_95;
                vm.fitness = vr.metrics.fitness;
                validated = true;
            }
            const bool eligible = t.best == "last" ? epoch == t.epochs - 1 : epoch >= bestFrom;
            vm.best = validated && eligible &&
                      (t.best == "last" || vm.fitness > progress.bestFitness || progress.bestFitness <= 0);
            if (vm.best) {
                progress.bestFitness = vm.fitness;
                progress.bestMap50 = summary.bestMap50 = vm.map50;
                progress.bestMap50_95 = summary.bestMap50_95 = vm.map50_95;
            }
            if (validated) {
                obs.onValEnd(vm);
                log(fmt("epoch %.0f/%.0f  P %.3f  R %.3f", epoch + 1, t.epochs, vm.precision, vm.recall) +
                    fmt("  mAP50 %.3f  mAP50-95 %.3f", vm.map50, vm.map50_95));
            }
            logger.addEpoch(em, validated ? &vm : nullptr);
            testKillPoint("epoch-end");
            TrainProgress p = progress;
            p.epoch = epoch + 1;
            p.batch = 0;
            p.step = static_cast<long long>(epoch + 1) * nb;
            p.epochSums.clear();
            p.epochCount = 0;
            const auto paths = checkpoint(p, vm.best);
            obs.onCheckpoint({epoch, paths.weights, false});
            if (vm.best)
                obs.onCheckpoint({epoch, paths.best, true});
            summary.epochsDone = epoch + 1;
            if (ctl.stopRequested() && epoch + 1 < t.epochs) {
                // Asked to stop while the epoch closed: that checkpoint is the stop's.
                setState(RunState::Stopping);
                stopped = true;
            }
        }
        summary.stopped = stopped;
        summary.bestFitness = progress.bestFitness;
        summary.bestWeights = (fs::path(cfg.runDir()) / "weights" / "best.safetensors").string();
        if (!stopped)
            summary.epochsDone = t.epochs;
        setState(RunState::Finished);
        obs.onFinished(summary);
        return summary;
    } catch (const std::exception& e) {
        setState(RunState::Failed);
        obs.onFailed(e.what());
        throw;
    }
}

} // namespace retort
