#include "train/experimentconfig.h"

#include "distill/featuredistiller.h"

#include "util/atomicfile.h"
#include "util/error.h"
#include "util/resources.h"
#include "util/yamlcheck.h"

#include <c10/core/Device.h>
#include <c10/util/Exception.h>
#include <torch/cuda.h>

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace retort {
namespace {

std::string expandEnv(const std::string& s)
{
    static const std::regex re(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)\})");
    std::string out;
    auto begin = std::sregex_iterator(s.begin(), s.end(), re);
    size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        out += s.substr(last, static_cast<size_t>(it->position()) - last);
        const std::string var = (*it)[1];
        const char* value = std::getenv(var.c_str());
        if (value && *value)
            out += value;
        else if (var == "RETORT_SHARED_DATA")
            out += "../shared/data";
        last = static_cast<size_t>(it->position() + it->length());
    }
    return out + s.substr(last);
}

/// Key paths set by `key=value` overrides while one experiment is parsed, with the override's
/// text: their nodes carry no position in the file, so errors name the override instead.
thread_local const std::map<std::string, std::string>* t_overridden = nullptr;

/// Reads one YAML mapping against a fixed set of keys and reports problems with file:line.
class Section
{
public:
    Section(const YAML::Node& node, std::string path, const std::string& origin)
        : m_node(node), m_path(std::move(path)), m_origin(origin)
    {
        if (m_node && !m_node.IsNull() && !m_node.IsMap())
            fail(m_node, "expected a mapping of keys");
    }

    std::string where(const YAML::Node& at, const std::string& keyPath) const
    {
        if (t_overridden)
            if (const auto it = t_overridden->find(keyPath); it != t_overridden->end())
                return m_origin + ": override '" + it->second + "'";
        return at.Mark().is_null() ? m_origin : m_origin + ":" + std::to_string(at.Mark().line + 1);
    }

    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const
    {
        throw InputError(where(at, m_path) + ": " + (m_path.empty() ? std::string() : "'" + m_path + "': ") + what);
    }

    std::string keyPath(const std::string& key) const { return m_path.empty() ? key : m_path + "." + key; }

    YAML::Node child(const std::string& key)
    {
        m_known.insert(key);
        if (!m_node || !m_node.IsMap())
            return YAML::Node(YAML::NodeType::Undefined); // absent, not an explicit empty value
        return m_node[key];
    }

    template <typename T>
    void get(const std::string& key, T& out, const char* expected)
    {
        const YAML::Node n = child(key);
        if (!n)
            return;
        if (n.IsNull()) {
            // An empty value's own mark is the next token's line: name the key's line.
            YAML::Node at = n;
            for (const auto& kv : m_node)
                if (kv.first.IsScalar() && kv.first.Scalar() == key)
                    at = kv.first;
            failKey(at, key, std::string("has no value (expected ") + expected + "; leave the key out for the default)");
        }
        try {
            if (!n.IsScalar())
                throw YAML::Exception(n.Mark(), "not a scalar");
            out = n.as<T>();
        } catch (const YAML::Exception&) {
            failKey(n, key, std::string("expected ") + expected + ", got '" + text(n) + "'");
        }
    }

    void getNumber(const std::string& key, double& out, double min, double max, bool minExclusive = false)
    {
        const YAML::Node n = child(key);
        get(key, out, "a number");
        if (n && !std::isfinite(out))
            failKey(n, key, "must be a finite number, got '" + text(n) + "'");
        if (n && !n.IsNull() && (out < min || out > max || (minExclusive && out <= min))) {
            std::ostringstream s;
            s << "must be " << (minExclusive ? "> " : ">= ") << min;
            if (max < 1e300)
                s << " and <= " << max;
            s << ", got " << out;
            failKey(n, key, s.str());
        }
    }

    void getInt(const std::string& key, int& out, int min, int max = 1 << 30)
    {
        const YAML::Node n = child(key);
        get(key, out, "an integer");
        if (n && !n.IsNull() && (out < min || out > max))
            failKey(n, key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                                std::to_string(out));
    }

    void getChoice(const std::string& key, std::string& out, const std::vector<std::string>& choices)
    {
        const YAML::Node n = child(key);
        get(key, out, "a string");
        if (n && !n.IsNull() && std::find(choices.begin(), choices.end(), out) == choices.end()) {
            std::string list;
            for (const auto& c : choices)
                list += (list.empty() ? "" : " | ") + c;
            failKey(n, key, "unknown value '" + out + "' (expected " + list + ")");
        }
    }

    void getPath(const std::string& key, std::string& out)
    {
        get(key, out, "a path");
        out = expandEnv(out);
    }

    [[noreturn]] void failKey(const YAML::Node& at, const std::string& key, const std::string& what) const
    {
        throw InputError(where(at, keyPath(key)) + ": '" + keyPath(key) + "' " + what);
    }

    /// Every key present must have been asked for.
    void checkUnknown() const
    {
        if (!m_node || !m_node.IsMap())
            return;
        for (const auto& kv : m_node) {
            const std::string k = kv.first.as<std::string>();
            if (!m_known.count(k)) {
                std::string list;
                for (const auto& c : m_known)
                    list += (list.empty() ? "" : ", ") + c;
                const std::string where = m_origin + ":" + std::to_string(kv.first.Mark().line + 1);
                throw InputError(where + ": unknown key '" + keyPath(k) + "' (accepted: " + list + ")");
            }
        }
    }

    static std::string text(const YAML::Node& n)
    {
        if (n.IsScalar())
            return n.Scalar();
        YAML::Emitter e;
        e << YAML::Flow << n;
        return e.c_str();
    }

private:
    YAML::Node m_node;
    std::string m_path;
    const std::string& m_origin;
    std::set<std::string> m_known;
};

void readScheduleNode(const YAML::Node& node, const std::string& path, const std::string& origin, ScheduleSettings& s)
{
    Section sec(node, path, origin);
    sec.getNumber("warmup_epochs", s.warmupEpochs, 0, 1e6);
    sec.getChoice("decay", s.decay, {"none", "linear", "cosine"});
    sec.getNumber("final", s.finalFraction, 0, 1);
    sec.checkUnknown();
}

/// The parameters each feature type accepts, in YAML names (beside type, weight, layers,
/// schedule, adapter_warmup_steps, which every type shares).
const std::map<std::string, std::vector<std::string>>& featureTypeParams()
{
    static const std::map<std::string, std::vector<std::string>> kParams = {
        {"mse", {}},
        {"at", {}},
        {"cwd", {"tau"}},
        {"mgd", {"alpha", "lambda"}},
        {"pkd", {}},
        {"score_l2", {"hidden"}},
        {"fgd", {"temperature", "alpha", "beta", "gamma", "lambda"}},
    };
    return kParams;
}

/// One feature type's parameters from `sec` (the feature block itself for the flat form, or
/// its `<type>:` sub-block).
void readFeatureParams(Section& sec, const std::string& type, FeatureKdSettings& f)
{
    if (type == "cwd")
        sec.getNumber("tau", f.tau, 0, 1e6, true);
    else if (type == "mgd") {
        sec.getNumber("alpha", f.alpha, 0, 1e6);
        sec.getNumber("lambda", f.lambda, 0, 1);
        if (f.lambda >= 1)
            sec.failKey(sec.child("lambda"), "lambda", "must be < 1 (the fraction of positions masked out)");
    } else if (type == "score_l2")
        sec.getInt("hidden", f.hidden, 0, 1 << 16);
    else if (type == "fgd") {
        sec.getNumber("temperature", f.fgdTemperature, 0, 1e6, true);
        sec.getNumber("alpha", f.fgdAlpha, 0, 1e9);
        sec.getNumber("beta", f.fgdBeta, 0, 1e9);
        sec.getNumber("gamma", f.fgdGamma, 0, 1e9);
        sec.getNumber("lambda", f.fgdLambda, 0, 1e9);
    }
}

bool contains(const std::vector<std::string>& list, const std::string& item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

void readFeatureNode(const YAML::Node& node, const std::string& origin, FeatureKdSettings& f)
{
    Section s(node, "distill.feature", origin);
    s.getChoice("type", f.type, featureKdTypes());
    s.getNumber("weight", f.weight, 0, 1e9);
    s.getInt("adapter_warmup_steps", f.adapterWarmupSteps, 0, 1 << 24);
    // Flat parameters belong to the block's own type; another type's go under `<type>:`.
    if (node && node.IsMap()) {
        const auto& own = featureTypeParams().at(f.type);
        for (const auto& kv : node) {
            const std::string key = kv.first.as<std::string>();
            if (contains(own, key))
                continue;
            std::string owners, first;
            for (const auto& [type, params] : featureTypeParams()) {
                if (!contains(params, key))
                    continue;
                owners += (owners.empty() ? "" : " or ") + type;
                if (first.empty())
                    first = type;
            }
            if (!owners.empty())
                s.failKey(kv.second, key, "is a parameter of feature type " + owners + ", not of type '" + f.type +
                                              "' (give it under distill.feature." + first + ": {" + key + ": …})");
        }
    }
    readFeatureParams(s, f.type, f);
    for (const auto& type : featureKdTypes()) {
        const YAML::Node sub = s.child(type);
        if (!sub || sub.IsNull())
            continue;
        Section ts(sub, "distill.feature." + type, origin);
        double w = -1;
        ts.getNumber("weight", w, 0, 1e9);
        if (w >= 0)
            f.typeWeights[type] = w;
        readFeatureParams(ts, type, f);
        ts.checkUnknown();
    }
    if (const YAML::Node l = s.child("layers"); l && !l.IsNull()) {
        if (!l.IsMap() || l.size() == 0)
            s.failKey(l, "layers", "expected a mapping teacher_layer: student_layer, e.g. {15: 15, 18: 18, 21: 21}");
        f.layers.clear();
        for (const auto& kv : l) {
            try {
                f.layers.emplace_back(kv.first.as<int>(), kv.second.as<int>());
            } catch (const YAML::Exception&) {
                s.failKey(kv.first, "layers", "entries must be integer layer indices, got '" + Section::text(kv.first) +
                                                  ": " + Section::text(kv.second) + "'");
            }
        }
    }
    readScheduleNode(s.child("schedule"), "distill.feature.schedule", origin, f.schedule);
    s.checkUnknown();
}

/// Applies `key=value` overrides to the YAML tree before validation; records each key path in
/// `applied` for error messages.
void applyOverrides(YAML::Node& root, const std::vector<std::string>& overrides, const std::string& origin,
                    std::map<std::string, std::string>& applied)
{
    static const std::set<std::string> kTopLevel = {"name", "data", "teacher", "student", "train", "distill",
                                                    "arms", "project", "synth", "arm", "run"};
    for (const auto& o : overrides) {
        const auto eq = o.find('=');
        if (eq == std::string::npos || eq == 0)
            throw InputError("override '" + o + "': expected key=value (e.g. train.epochs=5)");
        std::string key = o.substr(0, eq);
        const std::string value = o.substr(eq + 1);
        std::vector<std::string> parts;
        std::stringstream ss(key);
        for (std::string p; std::getline(ss, p, '.');)
            parts.push_back(p);
        if (parts.size() == 1 && !kTopLevel.count(parts[0]))
            parts.insert(parts.begin(), "train");
        if (value.find_first_not_of(" \t") == std::string::npos)
            throw InputError("override '" + o + "': empty value (give key=value, or leave the key out for the default)");
        for (const auto& p : parts)
            if (p.empty())
                throw InputError("override '" + o + "': empty key component in '" + key + "'");
        std::string path;
        std::vector<YAML::Node> chain{root};
        for (size_t i = 0; i + 1 < parts.size(); ++i) {
            path += (i ? "." : "") + parts[i];
            YAML::Node next = chain.back()[parts[i]];
            if (next && !next.IsNull() && !next.IsMap()) {
                const std::string at = next.Mark().is_null() ? origin : origin + ":" + std::to_string(next.Mark().line + 1);
                throw InputError(at + ": override '" + o + "': '" + path + "' is " +
                                 (next.IsSequence() ? "a list" : "the value '" + next.Scalar() + "'") +
                                 ", not a mapping with a key '" + parts[i + 1] + "'");
            }
            if (!next || next.IsNull())
                chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
            chain.push_back(chain.back()[parts[i]]);
        }
        try {
            chain.back()[parts.back()] = YAML::Load(value);
        } catch (const YAML::Exception&) {
            chain.back()[parts.back()] = value;
        }
        std::string full;
        for (const auto& p : parts)
            full += (full.empty() ? "" : ".") + p;
        applied[full] = o;
    }
}

} // namespace

const std::vector<std::string>& armTerms()
{
    static const std::vector<std::string> kTerms = [] {
        std::vector<std::string> terms{"logit", "loc", "feature"};
        for (const auto& type : featureKdTypes())
            terms.push_back(type);
        terms.emplace_back("relation");
        terms.emplace_back("lad");
        terms.emplace_back("inherit");
        return terms;
    }();
    return kTerms;
}

std::pair<size_t, size_t> parseSubset(const std::string& subset, size_t size, const std::string& key)
{
    if (subset.empty())
        return {0, size};
    const auto colon = subset.find(':');
    if (colon == std::string::npos)
        throw InputError("'" + key + "': expected a slice begin:end (e.g. 0:96), got '" + subset + "'");
    auto parseIndex = [&](const std::string& s, long fallback) -> long {
        if (s.empty())
            return fallback;
        try {
            size_t used = 0;
            const long v = std::stol(s, &used);
            if (used != s.size())
                throw std::invalid_argument(s);
            return v < 0 ? static_cast<long>(size) + v : v;
        } catch (const std::exception&) {
            throw InputError("'" + key + "': '" + s + "' is not an integer index");
        }
    };
    const long b = std::clamp(parseIndex(subset.substr(0, colon), 0), 0L, static_cast<long>(size));
    const long e = std::clamp(parseIndex(subset.substr(colon + 1), static_cast<long>(size)), 0L, static_cast<long>(size));
    if (e <= b)
        throw InputError("'" + key + "': slice " + subset + " selects no image of " + std::to_string(size));
    return {static_cast<size_t>(b), static_cast<size_t>(e)};
}

std::string ExperimentConfig::studyDir() const
{
    return (fs::path(project) / name).string();
}

int ExperimentConfig::bestFromEpoch() const
{
    if (!hasTeacher())
        return 0;
    const auto& d = distill;
    double warmup = 0;
    for (const ScheduleSettings* s : {&d.logit.schedule, &d.loc.schedule, &d.feature.schedule, &d.relation.schedule})
        warmup = std::max(warmup, s->warmupEpochs);
    return std::min(static_cast<int>(std::ceil(warmup - 1e-9)), std::max(train.epochs - 1, 0));
}

std::string ExperimentConfig::runDir() const
{
    return (fs::path(studyDir()) / (runName.empty() ? arm : runName)).string();
}

ExperimentConfig parseExperiment(const std::string& yamlText, const std::string& origin, const std::string& baseDir,
                                 const std::vector<std::string>& overrides)
{
    YAML::Node root;
    try {
        root = YAML::Load(yamlText);
    } catch (const YAML::Exception& e) {
        throw InputError(origin + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
    }
    if (!root || root.IsNull())
        root = YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap())
        throw InputError(origin + ": expected an experiment mapping (name, data, teacher, student, train, distill, arms)");
    rejectDuplicateKeys(root, origin);
    std::map<std::string, std::string> overridden;
    applyOverrides(root, overrides, origin, overridden);
    struct OverrideScope
    {
        explicit OverrideScope(const std::map<std::string, std::string>* m) { t_overridden = m; }
        ~OverrideScope() { t_overridden = nullptr; }
    } scope(&overridden);

    ExperimentConfig c;
    c.sourcePath = origin;
    try {
        Section top(root, "", origin);
        top.get("name", c.name, "a string");
        top.get("arm", c.arm, "an arm such as baseline or logit+loc+cwd");
        top.get("run", c.runName, "a run directory name");
        top.getPath("data", c.data);
        top.getPath("project", c.project);

        if (const YAML::Node s = top.child("synth"); s && !s.IsNull()) {
            Section sec(s, "synth", origin);
            c.synth.enabled = true;
            sec.getInt("images", c.synth.images, 8, 1000000);
            sec.getInt("imgsz", c.synth.imgsz, 32, 4096);
            sec.getInt("classes", c.synth.classes, 1, 1000);
            sec.get("seed", c.synth.seed, "a non-negative integer");
            sec.getNumber("val_fraction", c.synth.valFraction, 0, 0.9, true);
            sec.checkUnknown();
        }

        for (const char* who : {"teacher", "student"}) {
            ModelRef& m = std::string(who) == "teacher" ? c.teacher : c.student;
            const YAML::Node n = top.child(who);
            if (!n || n.IsNull())
                continue;
            if (n.IsScalar()) {
                const std::string v = expandEnv(n.as<std::string>());
                const std::string ext = fs::path(v).extension().string();
                (ext == ".yaml" || ext == ".yml" ? m.arch : m.weights) = v;
                continue;
            }
            Section sec(n, who, origin);
            sec.getPath("weights", m.weights);
            sec.getPath("arch", m.arch);
            if (std::string(who) == "teacher") {
                sec.getInt("pretrain_epochs", m.pretrainEpochs, 0, 100000);
                sec.getInt("finetune_epochs", m.finetuneEpochs, 0, 100000);
                if (m.finetuneEpochs > 0 && m.weights.empty())
                    sec.failKey(sec.child("finetune_epochs"), "finetune_epochs",
                                "needs 'teacher.weights' (the weights to fine-tune); to train an architecture "
                                "from scratch give 'arch' and 'pretrain_epochs'");
                if (m.pretrainEpochs > 0 && !m.weights.empty())
                    sec.failKey(sec.child("pretrain_epochs"), "pretrain_epochs",
                                "trains the teacher from scratch, but 'teacher.weights' is given; use "
                                "'finetune_epochs' to fine-tune those weights on the data");
            }
            sec.checkUnknown();
            if (m.empty())
                sec.fail(n, "give 'weights' (a checkpoint) or 'arch' (e.g. yolov8n.yaml)");
        }

        {
            Section t(top.child("train"), "train", origin);
            auto& s = c.train;
            t.getInt("epochs", s.epochs, 1, 100000);
            t.getInt("imgsz", s.imgsz, 32, 8192);
            if (s.imgsz % 32)
                t.failKey(t.child("imgsz"), "imgsz", "must be a multiple of 32 (the largest stride), got " +
                                                         std::to_string(s.imgsz));
            t.getInt("batch", s.batch, 1, 4096);
            t.getChoice("optimizer", s.optimizer, {"SGD", "AdamW"});
            t.getNumber("lr0", s.lr0, 0, 10, true);
            t.getNumber("lrf", s.lrf, 0, 1, true);
            t.getNumber("momentum", s.momentum, 0, 1);
            t.getNumber("weight_decay", s.weightDecay, 0, 1);
            t.getNumber("warmup_epochs", s.warmupEpochs, 0, 1e6);
            t.getNumber("warmup_momentum", s.warmupMomentum, 0, 1);
            t.getNumber("warmup_bias_lr", s.warmupBiasLr, 0, 10);
            t.get("cos_lr", s.cosLr, "true or false");
            t.getInt("nbs", s.nbs, 1, 1 << 20);
            t.getNumber("max_grad_norm", s.maxGradNorm, 0, 1e9);
            t.get("ema", s.ema, "true or false");
            t.getNumber("ema_decay", s.emaDecay, 0, 1);
            t.getNumber("ema_tau", s.emaTau, 0, 1e12, true);
            t.get("seed", s.seed, "a non-negative integer");
            t.getInt("workers", s.workers, 0, 64);
            t.getInt("threads", s.threads, 0, 1024);
            t.get("device", s.device, "cpu or cuda:N");
            try {
                const c10::Device dev(s.device);
                if (dev.is_cuda() && !torch::cuda::is_available())
                    t.failKey(t.child("device"), "device",
                              "'" + s.device + "': this libtorch build has no CUDA or no GPU is visible (use cpu)");
                if (!dev.is_cpu() && !dev.is_cuda())
                    t.failKey(t.child("device"), "device", "'" + s.device + "': expected cpu or cuda:N");
            } catch (const c10::Error&) {
                t.failKey(t.child("device"), "device", "expected cpu or cuda:N, got '" + s.device + "'");
            }
            t.getInt("close_mosaic", s.closeMosaic, 0, 100000);
            t.getInt("patience", s.patience, 0, 1 << 30);
            t.get("pretrained", s.pretrained, "true or false");
            t.getChoice("best", s.best, {"fitness", "last"});
            t.get("val", s.val, "true or false");
            t.getInt("val_batch", s.valBatch, 1, 4096);
            t.getNumber("box", s.box, 0, 1e6);
            t.getNumber("cls", s.cls, 0, 1e6);
            t.getNumber("dfl", s.dfl, 0, 1e6);
            t.getNumber("hsv_h", s.hsvH, 0, 1);
            t.getNumber("hsv_s", s.hsvS, 0, 1);
            t.getNumber("hsv_v", s.hsvV, 0, 1);
            t.getNumber("degrees", s.degrees, 0, 180);
            t.getNumber("translate", s.translate, 0, 1);
            t.getNumber("scale", s.scale, 0, 1);
            t.getNumber("shear", s.shear, 0, 180);
            t.getNumber("perspective", s.perspective, 0, 0.001);
            t.getNumber("flipud", s.flipud, 0, 1);
            t.getNumber("fliplr", s.fliplr, 0, 1);
            t.getNumber("mosaic", s.mosaic, 0, 1);
            t.get("train_subset", s.trainSubset, "a slice such as 0:96");
            t.get("val_subset", s.valSubset, "a slice such as 96:128");
            t.getChoice("split", s.split, {"val", "test", "train"});
            t.checkUnknown();
        }

        {
            Section d(top.child("distill"), "distill", origin);
            auto& k = c.distill;
            {
                Section s(d.child("logit"), "distill.logit", origin);
                s.getNumber("weight", k.logit.weight, 0, 1e9);
                s.getNumber("temperature", k.logit.temperature, 0, 1e6, true);
                s.getNumber("temperature_end", k.logit.temperatureEnd, 0, 1e6);
                s.getChoice("mode", k.logit.mode, {"bce", "kl"});
                s.getNumber("conf_threshold", k.logit.confThreshold, 0, 1);
                s.getChoice("norm", k.logit.norm, {"teacher", "anchors"});
                readScheduleNode(s.child("schedule"), "distill.logit.schedule", origin, k.logit.schedule);
                s.checkUnknown();
            }
            {
                Section s(d.child("loc"), "distill.loc", origin);
                s.getNumber("weight", k.loc.weight, 0, 1e9);
                s.getNumber("temperature", k.loc.temperature, 0, 1e6, true);
                readScheduleNode(s.child("schedule"), "distill.loc.schedule", origin, k.loc.schedule);
                s.checkUnknown();
            }
            readFeatureNode(d.child("feature"), origin, k.feature);
            {
                Section s(d.child("relation"), "distill.relation", origin);
                s.getNumber("weight", k.relation.weight, 0, 1e9);
                s.getChoice("mode", k.relation.mode, {"sample", "spatial"});
                readScheduleNode(s.child("schedule"), "distill.relation.schedule", origin, k.relation.schedule);
                s.checkUnknown();
            }
            // A shared schedule applies to every term that sets none of its own.
            if (const YAML::Node sched = d.child("schedule"); sched && !sched.IsNull()) {
                ScheduleSettings shared;
                readScheduleNode(sched, "distill.schedule", origin, shared);
                for (ScheduleSettings* s : {&k.logit.schedule, &k.loc.schedule, &k.feature.schedule, &k.relation.schedule})
                    if (s->warmupEpochs == 0 && s->decay == "none")
                        *s = shared;
            }
            d.checkUnknown();
        }

        if (const YAML::Node a = top.child("arms"); a && !a.IsNull()) {
            if (!a.IsSequence() || a.size() == 0)
                top.failKey(a, "arms", "expected a list such as [baseline, logit, logit+loc+cwd]");
            c.arms.clear();
            for (const auto& arm : a)
                c.arms.push_back(arm.as<std::string>());
        }
        top.checkUnknown();
    } catch (const YAML::Exception& e) {
        throw InputError(origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }

    if (c.data.empty())
        throw InputError(origin + ": 'data' is required (an Ultralytics data YAML)");
    if (c.student.empty())
        throw InputError(origin + ": 'student' is required ({weights: …} or {arch: yolov8n.yaml})");
    // Validates the arm names now, not hours later. A teacher's own run (trained or fine-tuned
    // inside a study) has no teacher of its own, yet its saved args.yaml keeps the study's arms:
    // those are the study's to run, not this run's.
    if (c.arm != "teacher")
        for (const auto& arm : c.arms)
            armConfig(c, arm);
    if (c.arm != "baseline")
        c = armConfig(c, c.arm); // a saved args.yaml names the arm it ran
    (void)baseDir;
    return c;
}

ExperimentConfig loadExperiment(const std::string& path, const std::vector<std::string>& overrides)
{
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        const std::string name = fs::path(path).filename().string();
        if (const auto text = embeddedResource("experiments/" + name))
            return parseExperiment(std::string(*text), path + " (built in)", ".", overrides);
    }
    const std::string text = readFile(path);
    return parseExperiment(text, path, fs::path(path).parent_path().string(), overrides);
}

std::string armFromWeights(const ExperimentConfig& c)
{
    std::vector<std::string> terms;
    if (c.distill.logit.weight > 0)
        terms.push_back("logit");
    if (c.distill.loc.weight > 0)
        terms.push_back("loc");
    if (c.distill.feature.weight > 0)
        terms.push_back(c.distill.feature.type);
    if (c.distill.relation.weight > 0)
        terms.push_back("relation");
    std::string arm;
    for (const auto& t : terms)
        arm += (arm.empty() ? "" : "+") + t;
    return arm.empty() ? "baseline" : arm;
}

ExperimentConfig armConfig(const ExperimentConfig& base, const std::string& arm)
{
    ExperimentConfig c = base;
    c.arm = arm;
    auto& d = c.distill;
    d.logitOn = d.locOn = d.featureOn = d.relationOn = d.ladOn = d.inheritOn = false;
    if (arm == "baseline" || arm == "teacher")
        return c;
    if (!base.hasTeacher())
        throw InputError(base.sourcePath + ": arm '" + arm + "' distils, but the experiment has no 'teacher'");
    std::stringstream ss(arm);
    for (std::string term; std::getline(ss, term, '+');) {
        if (term == "logit")
            d.logitOn = true;
        else if (term == "loc")
            d.locOn = true;
        else if (term == "relation")
            d.relationOn = true;
        else if (term == "lad")
            d.ladOn = true;
        else if (term == "inherit")
            d.inheritOn = true;
        else if (term == "feature")
            d.featureOn = true;
        else if (contains(featureKdTypes(), term)) {
            d.featureOn = true;
            d.feature.type = term;
        } else {
            std::string list;
            for (const auto& t : armTerms())
                list += " " + t;
            throw InputError(base.sourcePath + ": arm '" + arm + "': unknown term '" + term +
                             "' (use baseline, or '+'-joined terms of:" + list + ")");
        }
    }
    return c;
}

std::string experimentToYaml(const ExperimentConfig& c)
{
    YAML::Emitter e;
    e << YAML::BeginMap;
    e << YAML::Key << "name" << YAML::Value << c.name;
    e << YAML::Key << "arm" << YAML::Value << c.arm;
    if (!c.runName.empty())
        e << YAML::Key << "run" << YAML::Value << c.runName;
    e << YAML::Key << "data" << YAML::Value << c.data;
    e << YAML::Key << "project" << YAML::Value << c.project;
    if (c.synth.enabled) {
        e << YAML::Key << "synth" << YAML::Value << YAML::BeginMap;
        e << YAML::Key << "images" << YAML::Value << c.synth.images << YAML::Key << "imgsz" << YAML::Value << c.synth.imgsz;
        e << YAML::Key << "classes" << YAML::Value << c.synth.classes << YAML::Key << "seed" << YAML::Value << c.synth.seed;
        e << YAML::Key << "val_fraction" << YAML::Value << c.synth.valFraction << YAML::EndMap;
    }
    auto model = [&](const char* key, const ModelRef& m, bool teacher) {
        if (m.empty())
            return;
        e << YAML::Key << key << YAML::Value << YAML::BeginMap;
        if (!m.weights.empty())
            e << YAML::Key << "weights" << YAML::Value << m.weights;
        if (!m.arch.empty())
            e << YAML::Key << "arch" << YAML::Value << m.arch;
        if (teacher && m.pretrainEpochs)
            e << YAML::Key << "pretrain_epochs" << YAML::Value << m.pretrainEpochs;
        if (teacher && m.finetuneEpochs)
            e << YAML::Key << "finetune_epochs" << YAML::Value << m.finetuneEpochs;
        e << YAML::EndMap;
    };
    model("teacher", c.teacher, true);
    model("student", c.student, false);
    const auto& t = c.train;
    e << YAML::Key << "train" << YAML::Value << YAML::BeginMap;
    auto kv = [&](const char* k, const auto& v) { e << YAML::Key << k << YAML::Value << v; };
    kv("epochs", t.epochs); kv("imgsz", t.imgsz); kv("batch", t.batch); kv("optimizer", t.optimizer);
    kv("lr0", t.lr0); kv("lrf", t.lrf); kv("momentum", t.momentum); kv("weight_decay", t.weightDecay);
    kv("warmup_epochs", t.warmupEpochs); kv("warmup_momentum", t.warmupMomentum); kv("warmup_bias_lr", t.warmupBiasLr);
    kv("cos_lr", t.cosLr); kv("nbs", t.nbs); kv("max_grad_norm", t.maxGradNorm); kv("ema", t.ema);
    kv("ema_decay", t.emaDecay); kv("ema_tau", t.emaTau); kv("seed", t.seed); kv("workers", t.workers);
    kv("threads", t.threads); kv("device", t.device); kv("close_mosaic", t.closeMosaic); kv("patience", t.patience);
    kv("pretrained", t.pretrained); kv("best", t.best);
    kv("val", t.val); kv("val_batch", t.valBatch); kv("box", t.box); kv("cls", t.cls); kv("dfl", t.dfl);
    kv("hsv_h", t.hsvH); kv("hsv_s", t.hsvS); kv("hsv_v", t.hsvV); kv("degrees", t.degrees);
    kv("translate", t.translate); kv("scale", t.scale); kv("shear", t.shear); kv("perspective", t.perspective);
    kv("flipud", t.flipud); kv("fliplr", t.fliplr); kv("mosaic", t.mosaic);
    kv("train_subset", t.trainSubset); kv("val_subset", t.valSubset); kv("split", t.split);
    e << YAML::EndMap;
    auto schedule = [&](const ScheduleSettings& s) {
        e << YAML::Key << "schedule" << YAML::Value << YAML::Flow << YAML::BeginMap;
        kv("warmup_epochs", s.warmupEpochs); kv("decay", s.decay); kv("final", s.finalFraction);
        e << YAML::EndMap << YAML::Block;
    };
    const auto& d = c.distill;
    e << YAML::Key << "distill" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "logit" << YAML::Value << YAML::BeginMap;
    kv("weight", d.logit.weight); kv("temperature", d.logit.temperature);
    kv("temperature_end", d.logit.temperatureEnd); kv("mode", d.logit.mode); kv("conf_threshold", d.logit.confThreshold);
    kv("norm", d.logit.norm);
    schedule(d.logit.schedule);
    e << YAML::EndMap;
    e << YAML::Key << "loc" << YAML::Value << YAML::BeginMap;
    kv("weight", d.loc.weight); kv("temperature", d.loc.temperature); schedule(d.loc.schedule);
    e << YAML::EndMap;
    e << YAML::Key << "feature" << YAML::Value << YAML::BeginMap;
    kv("type", d.feature.type); kv("weight", d.feature.weight);
    kv("adapter_warmup_steps", d.feature.adapterWarmupSteps);
    for (const auto& [type, params] : featureTypeParams()) {
        const auto w = d.feature.typeWeights.find(type);
        if (params.empty() && w == d.feature.typeWeights.end())
            continue;
        e << YAML::Key << type << YAML::Value << YAML::Flow << YAML::BeginMap;
        if (w != d.feature.typeWeights.end())
            kv("weight", w->second);
        const auto& f = d.feature;
        if (type == "cwd") {
            kv("tau", f.tau);
        } else if (type == "mgd") {
            kv("alpha", f.alpha); kv("lambda", f.lambda);
        } else if (type == "score_l2") {
            kv("hidden", f.hidden);
        } else if (type == "fgd") {
            kv("temperature", f.fgdTemperature); kv("alpha", f.fgdAlpha); kv("beta", f.fgdBeta);
            kv("gamma", f.fgdGamma); kv("lambda", f.fgdLambda);
        }
        e << YAML::EndMap << YAML::Block;
    }
    if (!d.feature.layers.empty()) { // absent: the Detect inputs of each model
        e << YAML::Key << "layers" << YAML::Value << YAML::Flow << YAML::BeginMap;
        for (const auto& [tl, sl] : d.feature.layers)
            e << YAML::Key << tl << YAML::Value << sl;
        e << YAML::EndMap << YAML::Block;
    }
    schedule(d.feature.schedule);
    e << YAML::EndMap;
    e << YAML::Key << "relation" << YAML::Value << YAML::BeginMap;
    kv("weight", d.relation.weight); kv("mode", d.relation.mode); schedule(d.relation.schedule);
    e << YAML::EndMap;
    e << YAML::EndMap;
    e << YAML::Key << "arms" << YAML::Value << YAML::Flow << c.arms << YAML::Block;
    e << YAML::EndMap;
    return std::string(e.c_str()) + "\n";
}

} // namespace retort
