// bench train / bench distill: where a training step's time goes, measured on real batches from
// the pipelined loader, so that the figures compare with the Python peer (bench/peer_train.py).
#include "commands.h"

#include "data/batchloader.h"
#include "data/dataconfig.h"
#include "distill/distiller.h"
#include "io/weights.h"
#include "loss/detectionloss.h"
#include "train/experimentconfig.h"
#include "train/optimizerfactory.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/json.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

namespace retort::cli {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}

/// Peak resident memory of the process so far (VmHWM), in MiB.
double peakRssMiB()
{
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmHWM:") {
            double kb = 0;
            in >> kb;
            return kb / 1024.0;
        }
        in.ignore(1 << 12, '\n');
    }
    return 0;
}

std::string defaultData()
{
    const char* env = std::getenv("RETORT_SHARED_DATA");
    return std::string(env && *env ? env : "../shared/data") + "/coco128/coco128.yaml";
}

/// Phases of one step, in milliseconds, one vector entry per timed step.
struct Phases
{
    std::map<std::string, std::vector<double>> ms;
    std::vector<std::string> order;
    void add(const std::string& phase, double v)
    {
        if (!ms.count(phase))
            order.push_back(phase);
        ms[phase].push_back(v);
    }
    double med(const std::string& phase) const { return ms.count(phase) ? median(ms.at(phase)) : 0; }
};

/// An endless stream of augmented training batches (mosaic on, as in the first epochs).
class BatchStream
{
public:
    BatchStream(const std::string& data, int imgsz, int batch, int workers)
    {
        const DataConfig cfg = loadDataConfig(data);
        DatasetIndex index = scanDataset(listImages(cfg.train, data + ": train"), cfg.nc(), data + ": train");
        m_nc = cfg.nc();
        m_names = cfg.names;
        auto ds = std::make_shared<DetectionDataset>(std::move(index), imgsz, AugmentOptions{}, true, 0);
        m_loader = std::make_unique<BatchLoader>(ds, batch, true, 0, workers, 2 * std::max(1, workers));
        m_loader->startEpoch(m_epoch);
    }
    TrainBatch next()
    {
        auto b = m_loader->next();
        if (!b || b->size() < m_loader->dataset().size() / std::max<size_t>(1, m_loader->batchesPerEpoch()) / 2) {
            m_loader->startEpoch(++m_epoch); // skip a short last batch: every timed step has a full batch
            b = m_loader->next();
        }
        return std::move(*b);
    }
    int64_t nc() const { return m_nc; }
    const std::vector<std::string>& names() const { return m_names; }

private:
    std::unique_ptr<BatchLoader> m_loader;
    int m_epoch = 0;
    int64_t m_nc = 0;
    std::vector<std::string> m_names;
};

DetectionTargets targetsOf(const TrainBatch& b, const torch::Device& device)
{
    return {b.batchIdx.to(device), b.cls.to(device), b.bboxes.to(device)};
}

void printPhases(const char* title, const Phases& p, int batch)
{
    std::printf("%s\n", title);
    double total = 0;
    for (const auto& name : p.order) {
        const double v = p.med(name);
        std::printf("  %-10s %9.1f ms\n", name.c_str(), v);
        if (name != "data")
            total += v;
    }
    std::printf("  %-10s %9.1f ms  (%.1f img/s, data wait excluded)\n", "step", total, 1000.0 * batch / total);
}

void writePhases(JsonWriter& w, const std::string& key, const Phases& p)
{
    w.key(key).beginObject();
    for (const auto& name : p.order)
        w.field(name + "_ms", p.med(name));
    w.endObject();
}

} // namespace

int runBenchTrain(int argc, char** argv)
{
    const Args args("bench train", argc, argv,
                    {"model", "data", "imgsz", "batch", "steps", "warmup", "workers", "json", "device", "threads"});
    applyThreads(args);
    const torch::Device device = deviceFromArgs(args);
    const int imgsz = args.getInt("imgsz", 320), batch = args.getInt("batch", 16);
    const int steps = args.getInt("steps", 10), warmup = args.getInt("warmup", 2);
    if (imgsz < 32 || imgsz % 32 || batch < 1 || steps < 1 || warmup < 0)
        throw UsageError("retort-cli bench train: --imgsz must be a multiple of 32, --batch and --steps positive");
    const std::string data = args.get("data", defaultData());
    BatchStream stream(data, imgsz, batch, args.getInt("workers", 2));
    LoadedModel m = loadModel(args.required("model"), {device, stream.nc(), stream.names()});
    if (m.model->nc() != stream.nc())
        throw InputError(m.source + ": " + std::to_string(m.model->nc()) + " classes, " + data + " has " +
                         std::to_string(stream.nc()));
    DetectionModel model = m.model;
    model->to(device);
    model->train();
    TrainSettings t;
    t.batch = batch;
    OptimizerGroups opt = buildOptimizer(*model, nullptr, t);
    const DetectionLoss criterion(model->nc(), model->strides(), model->spec().regMax);

    Phases p;
    for (int i = 0; i < warmup + steps; ++i) {
        auto t0 = Clock::now();
        const TrainBatch b = stream.next();
        const double dataMs = msSince(t0);
        t0 = Clock::now();
        const auto images = b.images.to(device).to(torch::kFloat).div_(255.0);
        const auto maps = model->forwardMaps(images);
        const double fwd = msSince(t0);
        t0 = Clock::now();
        const DetectionLossOutput out = criterion(maps, targetsOf(b, device));
        out.items.to(torch::kCPU);
        const double loss = msSince(t0);
        t0 = Clock::now();
        out.total.backward();
        const double bwd = msSince(t0);
        t0 = Clock::now();
        opt.step(t.maxGradNorm);
        const double step = msSince(t0);
        if (i < warmup)
            continue;
        p.add("data", dataMs);
        p.add("forward", fwd);
        p.add("loss", loss);
        p.add("backward", bwd);
        p.add("optimizer", step);
    }
    char title[256];
    std::snprintf(title, sizeof title, "bench train: %s, batch %d at %d, %d threads, median of %d steps",
                  m.source.c_str(), batch, imgsz, torch::get_num_threads(), steps);
    printPhases(title, p, batch);
    std::printf("  peak RSS   %9.0f MiB\n", peakRssMiB());
    if (args.has("json")) {
        JsonWriter w;
        w.beginObject().field("benchmark", "train").field("model", m.source).field("imgsz", imgsz).field("batch", batch);
        w.field("threads", static_cast<int64_t>(torch::get_num_threads())).field("steps", steps);
        writePhases(w, "median", p);
        w.field("step_ms", p.med("forward") + p.med("loss") + p.med("backward") + p.med("optimizer"));
        w.field("peak_rss_mib", peakRssMiB()).endObject();
        writeFileAtomic(args.get("json"), w.str() + "\n");
    }
    return 0;
}

int runBenchDistill(int argc, char** argv)
{
    const Args args("bench distill", argc, argv,
                    {"config", "arm", "steps", "warmup", "workers", "json", "device", "threads"});
    applyThreads(args);
    ExperimentConfig base = loadExperiment(args.required("config"), {});
    if (args.has("device"))
        base.train.device = args.get("device");
    std::string armName = args.get("arm");
    if (armName.empty())
        for (const auto& a : base.arms)
            if (a != "baseline")
                armName = a;
    if (armName.empty())
        throw UsageError("retort-cli bench distill: the experiment has no distillation arm; give --arm (e.g. logit+loc+cwd)");
    const ExperimentConfig cfg = armConfig(base, armName);
    if (cfg.teacher.weights.empty())
        throw InputError(cfg.sourcePath + ": bench distill needs teacher weights (train the teacher first)");
    const torch::Device device(cfg.train.device);
    const auto& t = cfg.train;
    const int steps = args.getInt("steps", 10), warmup = args.getInt("warmup", 2);
    if (steps < 1 || warmup < 0)
        throw UsageError("retort-cli bench distill: --steps must be positive");
    BatchStream stream(cfg.data, t.imgsz, t.batch, args.getInt("workers", t.workers));
    const LoadOptions lo{device, stream.nc(), stream.names()};
    LoadedModel teacher = loadModel(cfg.teacher.weights, lo);
    LoadedModel student = loadModel(cfg.student.weights.empty() ? cfg.student.arch : cfg.student.weights, lo);
    teacher.model->to(device);
    teacher.model->eval();
    for (auto& q : teacher.model->parameters())
        q.set_requires_grad(false);
    if (!teacher.model->fused())
        teacher.model->fuse(); // frozen: folding BN changes no tapped output
    DetectionModel model = student.model;
    model->to(device);
    model->train();
    Distiller distiller(cfg.distill, *teacher.model, *model, t.epochs, t.seed);
    distiller->to(device);
    distiller->train();
    OptimizerGroups opt = buildOptimizer(*model, distiller.ptr().get(), t);
    const DetectionLoss criterion(model->nc(), model->strides(), model->spec().regMax);
    const auto sLayers = distiller->studentLayers(), tLayers = distiller->teacherLayers();

    // Interleaved per step, on the same batch: (a) plain student step, (b) teacher no-grad
    // forward, (c) distillation step; so machine noise hits all three alike.
    Phases plain, teach, kd;
    double peakPlain = 0;
    for (int i = 0; i < warmup + steps; ++i) {
        const TrainBatch b = stream.next();
        const auto images = b.images.to(device).to(torch::kFloat).div_(255.0);
        const DetectionTargets targets = targetsOf(b, device);

        auto t0 = Clock::now();
        {
            const DetectionLossOutput out = criterion(model->forwardMaps(images), targets);
            out.total.backward();
            opt.step(t.maxGradNorm);
        }
        const double plainMs = msSince(t0);
        peakPlain = std::max(peakPlain, peakRssMiB());

        t0 = Clock::now();
        FeatureTaps tTaps;
        std::vector<torch::Tensor> tMaps;
        {
            torch::NoGradGuard ng;
            tMaps = teacher.model->forwardMaps(images, tLayers, &tTaps);
        }
        const double teacherMs = msSince(t0);

        t0 = Clock::now();
        {
            torch::NoGradGuard ng;
            tMaps = teacher.model->forwardMaps(images, tLayers, &tTaps);
        }
        const double kdTeacher = msSince(t0);
        t0 = Clock::now();
        FeatureTaps sTaps;
        const auto maps = model->forwardMaps(images, sLayers, &sTaps);
        const double kdFwd = msSince(t0);
        t0 = Clock::now();
        const DetectionLossOutput out = criterion(maps, targets);
        const double kdTask = msSince(t0);
        t0 = Clock::now();
        const KdOutput k = distiller->forward(maps, sTaps, tMaps, tTaps, out, 0.5);
        const double kdLoss = msSince(t0);
        t0 = Clock::now();
        (out.total + k.total * static_cast<double>(images.size(0))).backward();
        const double kdBwd = msSince(t0);
        t0 = Clock::now();
        opt.step(t.maxGradNorm);
        const double kdOpt = msSince(t0);
        if (i < warmup)
            continue;
        plain.add("step", plainMs);
        teach.add("forward", teacherMs);
        kd.add("teacher", kdTeacher);
        kd.add("forward", kdFwd);
        kd.add("task_loss", kdTask);
        kd.add("kd_loss", kdLoss);
        kd.add("backward", kdBwd);
        kd.add("optimizer", kdOpt);
    }
    double kdStep = 0;
    for (const auto& name : kd.order)
        kdStep += kd.med(name);
    const double ref = plain.med("step") + teach.med("forward");
    std::printf("bench distill: %s, arm %s, batch %d at %d, %d threads, median of %d steps\n", cfg.name.c_str(),
                armName.c_str(), t.batch, t.imgsz, torch::get_num_threads(), steps);
    std::printf("  student train step        %9.1f ms\n", plain.med("step"));
    std::printf("  teacher no-grad forward   %9.1f ms\n", teach.med("forward"));
    std::printf("  sum                       %9.1f ms\n", ref);
    std::printf("  distillation step         %9.1f ms  = %.3fx the sum\n", kdStep, kdStep / ref);
    for (const auto& name : kd.order)
        std::printf("    %-22s %9.1f ms\n", name.c_str(), kd.med(name));
    std::printf("  peak RSS: %.0f MiB after plain steps, %.0f MiB overall\n", peakPlain, peakRssMiB());
    if (args.has("json")) {
        JsonWriter w;
        w.beginObject().field("benchmark", "distill").field("experiment", cfg.name).field("arm", armName);
        w.field("imgsz", t.imgsz).field("batch", t.batch).field("threads", static_cast<int64_t>(torch::get_num_threads()));
        w.field("student_step_ms", plain.med("step")).field("teacher_forward_ms", teach.med("forward"));
        w.field("distill_step_ms", kdStep).field("ratio", kdStep / ref);
        writePhases(w, "distill_phases", kd);
        w.field("peak_rss_plain_mib", peakPlain).field("peak_rss_mib", peakRssMiB()).endObject();
        writeFileAtomic(args.get("json"), w.str() + "\n");
    }
    return 0;
}

} // namespace retort::cli
