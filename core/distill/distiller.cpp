#include "distill/distiller.h"

#include "distill/featuredistiller.h"
#include "distill/kdlosses.h"
#include "util/error.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <set>
#include <sstream>

namespace retort {
namespace {

std::string num(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

std::string shapeText(const torch::Tensor& t)
{
    std::string out;
    for (const int64_t d : t.sizes())
        out += (out.empty() ? "" : "x") + std::to_string(d);
    return out;
}

void requireNonNegative(double v, const std::string& key)
{
    if (!(v >= 0))
        throw InputError(key + ": expected a value >= 0, got " + num(v));
}

void requirePositive(double v, const std::string& key)
{
    if (!(v > 0))
        throw InputError(key + ": expected a value > 0, got " + num(v));
}

void requireChoice(const std::string& v, const std::vector<std::string>& choices, const std::string& key)
{
    if (std::find(choices.begin(), choices.end(), v) != choices.end())
        return;
    std::string list;
    for (const auto& c : choices)
        list += (list.empty() ? "" : ", ") + c;
    throw InputError(key + ": '" + v + "' is not one of " + list);
}

/// The outputs of `layers` for one no-grad 1x3x128x128 forward in eval mode (and the head
/// maps into `maps` when given); the model's train/eval mode is restored afterwards.
FeatureTaps dryRunTaps(DetectionModelImpl& model, const std::vector<int>& layers, std::vector<torch::Tensor>* maps = nullptr)
{
    const bool wasTraining = model.is_training();
    const auto params = model.parameters();
    const auto opts = params.empty() ? torch::TensorOptions() : torch::TensorOptions().device(params[0].device()).dtype(params[0].dtype());
    FeatureTaps taps;
    {
        torch::NoGradGuard noGrad;
        model.eval();
        auto out = model.forwardMaps(torch::zeros({1, 3, 128, 128}, opts), layers, &taps);
        if (maps)
            *maps = std::move(out);
    }
    model.train(wasTraining);
    return taps;
}

void checkLayer(int layer, const DetectionModelImpl& model, const char* who)
{
    // The last layer is Detect, whose output is the head maps, not a feature map.
    const int last = model.numLayers() - 2;
    if (layer < 0 || layer > last)
        throw InputError("distill.feature.layers: " + std::string(who) + " layer " + std::to_string(layer) +
                         " does not exist (the " + who + " has feature layers 0.." + std::to_string(last) + ")");
}

const torch::Tensor& tap(const FeatureTaps& taps, int layer, const char* who)
{
    const auto it = taps.find(layer);
    if (it == taps.end())
        throw Error(std::string("Distiller: the ") + who + " forward did not capture layer " + std::to_string(layer) +
                    " (pass Distiller::" + who + "Layers() to forwardMaps)");
    return it->second;
}

/// The Detect level whose map is h x w (score_l2 takes the teacher's confidence there), or -1.
int matchingLevel(const std::vector<torch::Tensor>& headMaps, int64_t h, int64_t w)
{
    for (size_t i = 0; i < headMaps.size(); ++i)
        if (headMaps[i].dim() == 4 && headMaps[i].size(2) == h && headMaps[i].size(3) == w)
            return static_cast<int>(i);
    return -1;
}

std::string joinInts(const std::vector<int>& v)
{
    std::string out;
    for (const int i : v)
        out += (out.empty() ? "" : "/") + std::to_string(i);
    return out;
}

} // namespace

std::vector<std::pair<int, int>> detectInputPairs(const DetectionModelImpl& teacher, const DetectionModelImpl& student)
{
    const auto tIn = teacher.spec().headInputs();
    const auto sIn = student.spec().headInputs();
    if (tIn.size() != sIn.size())
        throw InputError("distill.feature.layers: the teacher's Detect reads " + std::to_string(tIn.size()) +
                         " levels and the student's " + std::to_string(sIn.size()) +
                         "; give the teacher_layer: student_layer pairs explicitly");
    std::vector<std::pair<int, int>> pairs;
    for (size_t i = 0; i < tIn.size(); ++i)
        pairs.emplace_back(tIn[i], sIn[i]);
    return pairs;
}

DistillerImpl::DistillerImpl(const DistillSettings& settings, DetectionModelImpl& teacher, DetectionModelImpl& student,
                             int epochs, uint64_t seed)
    : m_settings(settings), m_epochs(std::max(epochs, 1)), m_nc(student.nc()),
      m_teacherNc(teacher.nc()), m_regMax(student.detectHead()->regMax()),
      m_teacherRegMax(teacher.detectHead()->regMax()), m_strides(student.strides()), m_generator(at::detail::createCPUGenerator(seed))
{
    const auto& s = m_settings;
    std::vector<std::string> lines;
    if (s.logitOn) {
        requireNonNegative(s.logit.weight, "distill.logit.weight");
        requirePositive(s.logit.temperature, "distill.logit.temperature");
        requireNonNegative(s.logit.temperatureEnd, "distill.logit.temperature_end");
        requireChoice(s.logit.mode, {"bce", "kl"}, "distill.logit.mode");
        requireChoice(s.logit.norm, {"teacher", "anchors"}, "distill.logit.norm");
        if (!(s.logit.confThreshold >= 0 && s.logit.confThreshold < 1))
            throw InputError("distill.logit.conf_threshold: expected a value in [0, 1), got " + num(s.logit.confThreshold));
        const auto& sched = m_schedules.emplace("logit", KdSchedule(s.logit.schedule, m_epochs, "distill.logit.schedule")).first->second;
        std::string line = "logit KD: " + s.logit.mode + ", weight " + num(s.logit.weight) + ", temperature " +
                           num(s.logit.temperature);
        if (s.logit.temperatureEnd > 0)
            line += " -> " + num(s.logit.temperatureEnd) + " over the run";
        if (s.logit.confThreshold > 0)
            line += ", anchors with teacher score > " + num(s.logit.confThreshold);
        line += s.logit.norm == "teacher" ? ", normalised by the teacher's score mass" : ", mean over anchors";
        lines.push_back(line + ", " + sched.describe());
    }
    if (s.locOn) {
        requireNonNegative(s.loc.weight, "distill.loc.weight");
        requirePositive(s.loc.temperature, "distill.loc.temperature");
        const auto& sched = m_schedules.emplace("loc", KdSchedule(s.loc.schedule, m_epochs, "distill.loc.schedule")).first->second;
        const int64_t tBins = teacher.detectHead()->regMax();
        const int64_t sBins = student.detectHead()->regMax();
        if (tBins == sBins && sBins > 1)
            lines.push_back("loc KD (DFL bins): weight " + num(s.loc.weight) + ", temperature " + num(s.loc.temperature) +
                            ", " + sched.describe());
        else
            lines.push_back("loc KD (decoded boxes: L1 + IoU on the teacher's confident anchors; teacher reg_max " +
                            std::to_string(tBins) + ", student reg_max " + std::to_string(sBins) + "): weight " +
                            num(s.loc.weight) + ", " + sched.describe());
    }
    if (s.ladOn)
        lines.push_back("label assignment by the teacher (lad): the task loss matches ground truth to anchors by the "
                        "teacher's class scores and boxes");
    if (s.logitOn || s.locOn || s.ladOn) {
        const std::string key = s.logitOn ? "distill.logit" : s.locOn ? "distill.loc" : "arm term 'lad'";
        if (teacher.nc() != student.nc())
            throw InputError(key + ": the teacher has " + std::to_string(teacher.nc()) + " classes and the student " +
                             std::to_string(student.nc()) + "; logit, loc KD and lad need equal class counts");
        if (teacher.strides() != student.strides())
            throw InputError(key + ": teacher and student head strides differ, so their anchors do not correspond");
    }
    if (s.featureOn) {
        const auto& f = s.feature;
        requireChoice(f.type, featureKdTypes(), "distill.feature.type");
        const bool ownWeight = f.typeWeights.count(f.type) > 0;
        requireNonNegative(f.activeWeight(), ownWeight ? "distill.feature." + f.type + ".weight" : "distill.feature.weight");
        requireNonNegative(f.adapterWarmupSteps, "distill.feature.adapter_warmup_steps");
        if (f.type == "cwd")
            requirePositive(f.tau, "distill.feature.tau");
        if (f.type == "mgd") {
            requireNonNegative(f.alpha, "distill.feature.alpha");
            if (!(f.lambda >= 0 && f.lambda < 1))
                throw InputError("distill.feature.lambda: expected a value in [0, 1), got " + num(f.lambda));
        }
        if (f.type == "score_l2")
            requireNonNegative(f.hidden, "distill.feature.hidden");
        if (f.type == "fgd") {
            requirePositive(f.fgdTemperature, "distill.feature.temperature");
            requireNonNegative(f.fgdAlpha, "distill.feature.alpha");
            requireNonNegative(f.fgdBeta, "distill.feature.beta");
            requireNonNegative(f.fgdGamma, "distill.feature.gamma");
            requireNonNegative(f.fgdLambda, "distill.feature.lambda");
        }
        const auto& sched = m_schedules.emplace("feature", KdSchedule(f.schedule, m_epochs, "distill.feature.schedule")).first->second;
        std::string line = "feature KD: " + f.type + ", weight " + num(f.activeWeight());
        if (f.type == "cwd")
            line += ", tau " + num(f.tau);
        if (f.type == "mgd")
            line += ", alpha " + num(f.alpha) + ", lambda " + num(f.lambda);
        if (f.type == "pkd")
            line += ", Pearson correlation per image and channel, MSE/2 of the standardised maps";
        if (f.type == "score_l2")
            line += ", projector hidden " + (f.hidden > 0 ? std::to_string(f.hidden) : std::string("= teacher channels")) +
                    ", squared error weighted by the teacher's class confidence";
        if (f.type == "fgd")
            line += ", temperature " + num(f.fgdTemperature) + ", alpha " + num(f.fgdAlpha) + ", beta " + num(f.fgdBeta) +
                    ", gamma " + num(f.fgdGamma) + ", lambda " + num(f.fgdLambda) +
                    " (focal mask from the ground-truth boxes; without targets all background)";
        if (f.adapterWarmupSteps > 0)
            line += ", adapter warm-up " + std::to_string(f.adapterWarmupSteps) + " steps";
        lines.push_back(line + ", " + sched.describe());
    }
    if (s.relationOn) {
        requireNonNegative(s.relation.weight, "distill.relation.weight");
        requireChoice(s.relation.mode, {"sample", "spatial"}, "distill.relation.mode");
        const auto& sched = m_schedules.emplace("relation", KdSchedule(s.relation.schedule, m_epochs, "distill.relation.schedule")).first->second;
        lines.push_back("relation KD: " + s.relation.mode + ", weight " + num(s.relation.weight) + ", " + sched.describe());
    }

    m_features = register_module("features", torch::nn::ModuleList());
    if (s.featureOn || s.relationOn) {
        std::vector<std::pair<int, int>> layers = s.feature.layers;
        if (layers.empty()) {
            layers = detectInputPairs(teacher, student);
            lines.push_back("feature layers: the Detect inputs of each model (teacher " +
                            joinInts(teacher.spec().headInputs()) + ", student " +
                            joinInts(student.spec().headInputs()) + ")");
        }
        std::set<int> seen;
        std::vector<int> tLayers, sLayers;
        for (const auto& [t, st] : layers) {
            checkLayer(t, teacher, "teacher");
            checkLayer(st, student, "student");
            if (!seen.insert(st).second)
                throw InputError("distill.feature.layers: student layer " + std::to_string(st) + " appears twice");
            m_pairs.emplace_back(t, st);
            tLayers.push_back(t);
            sLayers.push_back(st);
        }
        std::vector<torch::Tensor> tHead;
        const FeatureTaps tTaps = dryRunTaps(teacher, tLayers, &tHead);
        const FeatureTaps sTaps = dryRunTaps(student, sLayers);
        int64_t smallest = -1;
        for (size_t i = 0; i < m_pairs.size(); ++i) {
            const auto& [t, st] = m_pairs[i];
            const auto& tt = tap(tTaps, t, "teacher");
            const auto& ss = tap(sTaps, st, "student");
            if (tt.size(2) != ss.size(2) || tt.size(3) != ss.size(3))
                throw InputError("distill.feature.layers: teacher layer " + std::to_string(t) + " (" + shapeText(tt) +
                                 ") and student layer " + std::to_string(st) + " (" + shapeText(ss) +
                                 ") differ in spatial size");
            m_channels.emplace_back(tt.size(1), ss.size(1));
            if (smallest < 0 || tt.size(2) * tt.size(3) < smallest) {
                smallest = tt.size(2) * tt.size(3);
                m_smallestPair = i;
            }
            std::string line = "  teacher layer " + std::to_string(t) + " (" + shapeText(tt) + ") -> student layer " +
                               std::to_string(st) + " (" + shapeText(ss) + ")";
            if (s.featureOn) {
                const auto& f = s.feature;
                const auto opts = FeatureDistillerOptions(f.type, ss.size(1), tt.size(1))
                                      .tau(f.tau)
                                      .alpha(f.alpha)
                                      .lambda(f.lambda)
                                      .hidden(f.hidden)
                                      .fgdTemperature(f.fgdTemperature)
                                      .fgdAlpha(f.fgdAlpha)
                                      .fgdBeta(f.fgdBeta)
                                      .fgdGamma(f.fgdGamma)
                                      .fgdLambda(f.fgdLambda);
                FeatureDistiller fd(opts);
                if (f.type == "score_l2") {
                    const int64_t hidden = f.hidden > 0 ? f.hidden : tt.size(1);
                    line += ", projector " + std::to_string(ss.size(1)) + "->" + std::to_string(hidden) + "->" +
                            std::to_string(tt.size(1));
                    const std::string hw = std::to_string(tt.size(2)) + "x" + std::to_string(tt.size(3));
                    const int level = matchingLevel(tHead, tt.size(2), tt.size(3));
                    line += level >= 0 ? ", weighted by the teacher's confidence at Detect level " + std::to_string(level) +
                                             " (" + hw + ")"
                                       : ", uniform weights (no Detect level is " + hw + ")";
                } else {
                    line += fd->hasAdapter() ? ", adapter " + std::to_string(ss.size(1)) + "->" + std::to_string(tt.size(1))
                                             : ", no adapter";
                }
                if (f.type == "fgd")
                    line += ", GcBlocks " + std::to_string(tt.size(1)) + "->" +
                            std::to_string(fd->gcStudent->options.hidden()) + "->" + std::to_string(tt.size(1)) +
                            " (student and teacher side)";
                m_features->push_back(fd);
            }
            lines.push_back(line);
        }
        if (s.relationOn && s.relation.mode == "spatial")
            lines.push_back("  spatial relation on teacher layer " + std::to_string(m_pairs[m_smallestPair].first) +
                            " / student layer " + std::to_string(m_pairs[m_smallestPair].second));
    }
    if (s.featureOn && s.feature.type == "mgd")
        m_rngState = register_buffer("mgd_rng_state", m_generator.get_state());
    m_describe = std::move(lines);
}

std::vector<int> DistillerImpl::teacherLayers() const
{
    std::vector<int> out;
    for (const auto& p : m_pairs)
        out.push_back(p.first);
    return out;
}

std::vector<int> DistillerImpl::studentLayers() const
{
    std::vector<int> out;
    for (const auto& p : m_pairs)
        out.push_back(p.second);
    return out;
}

std::vector<std::string> DistillerImpl::lossNames() const
{
    std::vector<std::string> out;
    if (m_settings.logitOn)
        out.emplace_back("kd_logit");
    if (m_settings.locOn)
        out.emplace_back("kd_loc");
    if (m_settings.featureOn) {
        for (const auto& p : m_pairs)
            out.push_back("kd_feat_" + std::to_string(p.second));
        out.emplace_back("kd_feat");
    }
    if (m_settings.relationOn)
        out.emplace_back("kd_relation");
    return out;
}

std::vector<std::string> DistillerImpl::describe() const
{
    return m_describe;
}

KdOutput DistillerImpl::forward(const std::vector<torch::Tensor>& studentMaps, const FeatureTaps& studentTaps,
                                const std::vector<torch::Tensor>& teacherMaps, const FeatureTaps& teacherTaps,
                                const DetectionLossOutput& task, double epochProgress, const DetectionTargets* targets)
{
    const auto& s = m_settings;
    std::vector<std::pair<std::string, torch::Tensor>> terms;
    torch::Tensor total = torch::zeros({}, studentMaps.at(0).options().requires_grad(false));
    const auto add = [&](const std::string& name, const torch::Tensor& value, bool inTotal) {
        terms.emplace_back(name, value);
        if (inTotal)
            total = total + value;
    };

    if (s.logitOn || s.locOn) {
        std::vector<torch::Tensor> tMaps;
        for (const auto& m : teacherMaps)
            tMaps.push_back(m.detach());
        const FlatHeadOutput t = flattenHeadMaps(tMaps, m_nc, m_teacherRegMax);
        if (t.scores.sizes() != task.predScores.sizes())
            throw Error("Distiller: teacher scores " + shapeText(t.scores) + " and student scores " +
                        shapeText(task.predScores) + " differ (same images and strides are required)");
        const auto teacherConf = t.scores.sigmoid().amax(-1); // (B, N)
        if (s.logitOn) {
            const double temp = annealTemperature(s.logit.temperature, s.logit.temperatureEnd, epochProgress, m_epochs);
            const auto mask = s.logit.confThreshold > 0 ? teacherConf.gt(s.logit.confThreshold) : torch::Tensor();
            const auto mass = s.logit.norm == "teacher" ? teacherConf : torch::Tensor();
            const auto l = s.logit.mode == "kl" ? logitKdKl(task.predScores, t.scores, temp, mask, mass)
                                                : logitKdBce(task.predScores, t.scores, temp, mask, mass);
            add("kd_logit", l * (s.logit.weight * m_schedules.at("logit").factor(epochProgress)), true);
        }
        if (s.locOn) {
            const auto l = m_teacherRegMax == m_regMax && m_regMax > 1
                               ? locKd(task.predDistri, t.distri, teacherConf, m_regMax, s.loc.temperature)
                               : boxKd(task.predDistri, m_regMax, t.distri, m_teacherRegMax, task.anchorPoints, teacherConf);
            add("kd_loc", l * (s.loc.weight * m_schedules.at("loc").factor(epochProgress)), true);
        }
    }

    if (s.featureOn) {
        const double w = s.feature.activeWeight() * m_schedules.at("feature").factor(epochProgress);
        const auto& first = studentMaps.at(0);
        const auto imageH = static_cast<int64_t>(std::llround(static_cast<double>(first.size(2)) * m_strides.at(0)));
        const auto imageW = static_cast<int64_t>(std::llround(static_cast<double>(first.size(3)) * m_strides.at(0)));
        const auto losses = featureLosses(studentTaps, teacherTaps, teacherMaps, targets, imageH, imageW, false);
        torch::Tensor sum;
        for (size_t i = 0; i < m_pairs.size(); ++i) {
            const auto l = losses[i] * w;
            add("kd_feat_" + std::to_string(m_pairs[i].second), l, false);
            sum = sum.defined() ? sum + l : l;
        }
        add("kd_feat", sum, true);
    }

    if (s.relationOn) {
        torch::Tensor l;
        if (s.relation.mode == "spatial") {
            const auto& [tl, sl] = m_pairs[m_smallestPair];
            l = spatialRelationKd(tap(studentTaps, sl, "student"), tap(teacherTaps, tl, "teacher").detach());
        } else {
            for (const auto& [tl, sl] : m_pairs) {
                const auto r = sampleRelationKd(tap(studentTaps, sl, "student"), tap(teacherTaps, tl, "teacher").detach());
                l = l.defined() ? l + r : r;
            }
            l = l / static_cast<double>(m_pairs.size());
        }
        add("kd_relation", l * (s.relation.weight * m_schedules.at("relation").factor(epochProgress)), true);
    }

    KdOutput out;
    out.total = total;
    if (!terms.empty()) {
        std::vector<torch::Tensor> values;
        for (const auto& [name, v] : terms)
            values.push_back(v.detach().to(torch::kDouble));
        const auto cpu = torch::stack(values).to(torch::kCPU);
        const auto acc = cpu.accessor<double, 1>();
        for (size_t i = 0; i < terms.size(); ++i)
            out.components[terms[i].first] = acc[static_cast<int64_t>(i)];
    }
    return out;
}

torch::Tensor DistillerImpl::adapterFitLoss(const FeatureTaps& studentTaps, const FeatureTaps& teacherTaps,
                                            const std::vector<torch::Tensor>& teacherMaps,
                                            const DetectionTargets* targets, int64_t imageH, int64_t imageW)
{
    if (!m_settings.featureOn)
        return {};
    torch::Tensor sum;
    for (const auto& l : featureLosses(studentTaps, teacherTaps, teacherMaps, targets, imageH, imageW, true))
        sum = sum.defined() ? sum + l : l;
    return sum;
}

bool DistillerImpl::hasTrainableFeatureParts() const
{
    for (size_t i = 0; i < m_features->size(); ++i)
        if (m_features->ptr<FeatureDistillerImpl>(i)->hasTrainableParts())
            return true;
    return false;
}

std::vector<torch::Tensor> DistillerImpl::featureLosses(const FeatureTaps& studentTaps, const FeatureTaps& teacherTaps,
                                                        const std::vector<torch::Tensor>& teacherMaps,
                                                        const DetectionTargets* targets, int64_t imageH,
                                                        int64_t imageW, bool detachStudent)
{
    const std::string& type = m_settings.feature.type;
    if (m_rngState.defined()) {
        std::lock_guard<std::mutex> lock(m_generator.mutex());
        m_generator.set_state(m_rngState.to(torch::kCPU));
    }
    std::vector<torch::Tensor> out;
    for (size_t i = 0; i < m_pairs.size(); ++i) {
        const auto& [tl, sl] = m_pairs[i];
        auto fd = m_features->ptr<FeatureDistillerImpl>(i);
        const auto& studentTap = tap(studentTaps, sl, "student");
        const auto teacherTap = tap(teacherTaps, tl, "teacher").detach();
        FeatureKdGuide guide;
        if (type == "score_l2") {
            const int level = matchingLevel(teacherMaps, teacherTap.size(2), teacherTap.size(3));
            if (level >= 0)
                guide.positionWeights = teacherConfidence(teacherMaps[static_cast<size_t>(level)].detach(), m_teacherNc);
        }
        if (type == "fgd" && targets && targets->bboxes.defined())
            guide.foreground = fgdForegroundMask(targets->batchIdx, targets->bboxes, teacherTap.size(0), teacherTap.size(2),
                                                 teacherTap.size(3), imageH, imageW, teacherTap.options());
        out.push_back(fd->forward(detachStudent ? studentTap.detach() : studentTap, teacherTap, m_generator, guide));
    }
    if (m_rngState.defined()) {
        torch::NoGradGuard noGrad;
        std::lock_guard<std::mutex> lock(m_generator.mutex());
        m_rngState.copy_(m_generator.get_state());
    }
    return out;
}

} // namespace retort
