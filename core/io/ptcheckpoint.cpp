#include "io/ptcheckpoint.h"

#include "io/pickle.h"
#include "io/weights.h"
#include "io/zipreader.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/json.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <regex>
#include <set>

namespace fs = std::filesystem;

namespace retort {
namespace {

using pickle::Kind;
using pickle::Value;

constexpr int kMaxModuleDepth = 64;
constexpr int kMaxDims = 16;

/// Turns tensor rebuilds into tensors: each storage record is read once (its size checked
/// against the declared element count) and every tensor is a bounds-checked view of it.
class StorageReader
{
public:
    StorageReader(const ZipReader& zip, std::string prefix, bool bigEndian, const std::string& origin)
        : m_zip(zip), m_prefix(std::move(prefix)), m_bigEndian(bigEndian), m_origin(origin)
    {
    }

    torch::Tensor tensor(const Value& t, const std::string& name)
    {
        const Value& s = *t.storage;
        const std::string what = m_origin + ": tensor '" + name + "'";
        if (!s.known)
            throw InputError(what + " has storage type " + s.cls->text +
                             ", which Retort does not read (float 32/16/64, bfloat16, integer and bool storages)");
        torch::Tensor base = storage(s, what);
        if (t.sizes.size() > kMaxDims)
            throw InputError(what + " has " + std::to_string(t.sizes.size()) + " dimensions");
        __int128 last = t.integer, numel = 1;
        if (t.integer < 0)
            throw InputError(what + " has a negative storage offset");
        for (size_t i = 0; i < t.sizes.size(); ++i) {
            if (t.sizes[i] < 0 || t.strides[i] < 0)
                throw InputError(what + " has a negative size or stride");
            numel *= t.sizes[i];
            if (numel > (__int128(1) << 62))
                throw InputError(what + " declares an impossible number of elements");
            if (t.sizes[i] > 0)
                last += __int128(t.sizes[i] - 1) * t.strides[i];
        }
        const int64_t have = base.numel();
        if (numel > 0 && last >= have)
            throw InputError(what + " reaches element " + std::to_string(static_cast<long long>(last)) +
                             " of a storage of " + std::to_string(have) + " (out of range)");
        if (numel > std::max<int64_t>(have, 1))
            throw InputError(what + " has more elements (" + std::to_string(static_cast<long long>(numel)) +
                             ") than its storage (" + std::to_string(have) + ")");
        if (numel == 0)
            return torch::empty(t.sizes, base.options());
        return base.as_strided(t.sizes, t.strides, t.integer);
    }

private:
    torch::Tensor storage(const Value& s, const std::string& what)
    {
        const auto it = m_cache.find(s.text);
        if (it != m_cache.end()) {
            if (it->second.scalar_type() != s.dtype || it->second.numel() != s.integer)
                throw InputError(what + ": storage '" + s.text + "' is declared twice with different types or sizes");
            return it->second;
        }
        const std::string record = m_prefix + "/data/" + s.text;
        if (!m_zip.has(record))
            throw InputError(what + ": its storage record '" + record + "' is not in the archive");
        const size_t es = c10::elementSize(s.dtype);
        const uint64_t size = m_zip.recordSize(record);
        if (static_cast<uint64_t>(s.integer) > size / es)
            throw InputError(what + ": storage '" + s.text + "' declares " + std::to_string(s.integer) +
                             " elements but its record holds " + std::to_string(size) + " bytes");
        const std::string_view bytes = m_zip.record(record);
        torch::Tensor t = torch::empty({s.integer}, torch::TensorOptions().dtype(s.dtype));
        if (s.integer > 0)
            std::memcpy(t.data_ptr(), bytes.data(), static_cast<size_t>(s.integer) * es);
        if (m_bigEndian && es > 1) {
            auto* p = static_cast<unsigned char*>(t.data_ptr());
            for (int64_t i = 0; i < s.integer; ++i)
                std::reverse(p + i * static_cast<int64_t>(es), p + (i + 1) * static_cast<int64_t>(es));
        }
        m_cache.emplace(s.text, t);
        return t;
    }

    const ZipReader& m_zip;
    std::string m_prefix;
    bool m_bigEndian;
    const std::string& m_origin;
    std::map<std::string, torch::Tensor> m_cache;
};

/// Collects a module tree's parameters and persistent buffers under state-dict names.
class ModuleWalker
{
public:
    ModuleWalker(StorageReader& storages, const std::string& origin, size_t budget, PtCheckpoint& out)
        : m_storages(storages), m_origin(origin), m_budget(budget), m_out(out)
    {
    }

    void walk(const Value& module, const std::string& prefix, int depth)
    {
        const std::string where = prefix.empty() ? "the model" : "module '" + prefix.substr(0, prefix.size() - 1) + "'";
        if (depth > kMaxModuleDepth)
            throw InputError(m_origin + ": " + where + " nests deeper than " + std::to_string(kMaxModuleDepth) +
                             " modules");
        if (m_budget-- == 0)
            throw InputError(m_origin + ": the module tree visits more modules than the pickle holds values (cyclic?)");
        if (module.kind != Kind::Object || !module.state || module.state->kind != Kind::Dict)
            throw InputError(m_origin + ": " + where + " is " + module.describe() + ", not a torch module");
        const Value& state = *module.state;
        std::set<std::string> transient;
        if (const Value* np = state.get("_non_persistent_buffers_set"); np && np->kind == Kind::Set)
            for (const Value* n : np->items)
                if (n->kind == Kind::Str)
                    transient.insert(n->text);
        tensors(state.get("_parameters"), prefix, {}, where, "_parameters");
        tensors(state.get("_buffers"), prefix, transient, where, "_buffers");
        const Value* modules = state.get("_modules");
        if (!modules)
            return;
        if (modules->kind != Kind::Dict)
            throw InputError(m_origin + ": " + where + " has _modules that are " + modules->describe());
        for (const auto& [k, v] : modules->entries) {
            if (k->kind != Kind::Str)
                throw InputError(m_origin + ": " + where + " has a submodule named by " + k->describe());
            if (!v->isNone())
                walk(*v, prefix + k->text + ".", depth + 1);
        }
    }

    void tensors(const Value* dict, const std::string& prefix, const std::set<std::string>& skip,
                 const std::string& where, const char* field)
    {
        if (!dict)
            return;
        if (dict->kind != Kind::Dict)
            throw InputError(m_origin + ": " + where + " has " + field + " that are " + dict->describe());
        for (const auto& [k, v] : dict->entries) {
            if (k->kind != Kind::Str)
                throw InputError(m_origin + ": " + where + " has a tensor named by " + k->describe());
            if (v->isNone() || skip.count(k->text))
                continue;
            add(prefix + k->text, *v);
        }
    }

    void add(const std::string& name, const Value& v)
    {
        if (v.kind != Kind::Tensor)
            throw InputError(m_origin + ": '" + name + "' is " + v.describe() +
                             " where a tensor is expected (only tensor rebuilds are read; nothing is executed)");
        if (!m_seen.insert(name).second)
            throw InputError(m_origin + ": tensor '" + name + "' appears twice");
        m_out.tensors.emplace_back(name, m_storages.tensor(v, name));
    }

private:
    StorageReader& m_storages;
    const std::string& m_origin;
    size_t m_budget;
    PtCheckpoint& m_out;
    std::set<std::string> m_seen;
};

bool isModuleKey(const std::string& key)
{
    return key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
           std::string::npos;
}

/// The model's `yaml` dict as architecture YAML: one `key: value` line per entry, the
/// backbone/head rows one per line in flow style (JSON is valid YAML flow).
std::string archYaml(const Value& yaml, const std::string& origin)
{
    std::string out = "# architecture from the checkpoint's model.yaml\n";
    for (const auto& [k, v] : yaml.entries) {
        if (k->kind != Kind::Str || !isModuleKey(k->text))
            throw InputError(origin + ": model.yaml has a key that is not a plain name");
        if ((v->kind == Kind::List || v->kind == Kind::Tuple) && (k->text == "backbone" || k->text == "head")) {
            out += k->text + ":\n";
            for (const Value* row : v->items)
                out += "  - " + pickle::toJson(*row, origin + " (model.yaml)") + "\n";
        } else if (v->kind == Kind::Dict) {
            out += k->text + ":\n";
            for (const auto& [k2, v2] : v->entries)
                out += "  " + pickle::toJson(*k2, origin + " (model.yaml)") + ": " +
                       pickle::toJson(*v2, origin + " (model.yaml)") + "\n";
        } else {
            out += k->text + ": " + pickle::toJson(*v, origin + " (model.yaml)") + "\n";
        }
        if (out.size() > (1u << 20))
            throw InputError(origin + ": model.yaml expands to more than 1 MiB");
    }
    return out;
}

std::vector<std::string> namesOf(const Value& v, const std::string& origin)
{
    std::vector<std::string> names;
    if (v.kind == Kind::List || v.kind == Kind::Tuple) {
        for (const Value* n : v.items) {
            if (n->kind != Kind::Str)
                throw InputError(origin + ": model.names holds " + n->describe() + ", not a str");
            names.push_back(n->text);
        }
        return names;
    }
    if (v.kind != Kind::Dict)
        throw InputError(origin + ": model.names is " + v.describe() + ", not a list or dict");
    std::map<int64_t, std::string> byIndex;
    for (const auto& [k, n] : v.entries) {
        if (k->kind != Kind::Int || n->kind != Kind::Str || k->integer < 0)
            throw InputError(origin + ": model.names must map class indices to strs");
        byIndex[k->integer] = n->text;
    }
    int64_t expect = 0;
    for (const auto& [i, n] : byIndex) {
        if (i != expect)
            throw InputError(origin + ": model.names skips class index " + std::to_string(expect));
        names.push_back(n);
        ++expect;
    }
    return names;
}

std::string guessScale(const Value* yamlFile)
{
    if (!yamlFile || yamlFile->kind != Kind::Str)
        return {};
    static const std::regex re(R"(yolo(?:v\d+|\d+)([nslmx]))");
    std::smatch m;
    const std::string stem = fs::path(yamlFile->text).stem().string();
    return std::regex_search(stem, m, re) ? std::string(m[1]) : std::string();
}

void readModelAttributes(const Value& model, StorageReader& storages, const std::string& origin, PtCheckpoint& out)
{
    const Value& state = *model.state;
    const Value* yaml = state.get("yaml");
    if (!yaml || yaml->kind != Kind::Dict)
        throw InputError(origin + ": the model has no 'yaml' architecture dict");
    out.arch = archYaml(*yaml, origin);
    out.metadata["arch_ckpt"] = pickle::toJson(*yaml, origin + " (model.yaml)");
    if (const Value* s = yaml->get("scale"); s && s->kind == Kind::Str)
        out.scale = s->text;
    else if (!yaml->get("scales"))
        out.scale = guessScale(state.get("yaml_file"));
    if (const Value* nc = state.get("nc"); nc && nc->kind == Kind::Int)
        out.nc = nc->integer;
    else if (const Value* ync = yaml->get("nc"); ync && ync->kind == Kind::Int)
        out.nc = ync->integer;
    if (const Value* names = state.get("names"); names && !names->isNone())
        out.names = namesOf(*names, origin);
    if (const Value* stride = state.get("stride"); stride && stride->kind == Kind::Tensor) {
        torch::Tensor t = storages.tensor(*stride, "stride");
        if (t.dim() == 1 && t.numel() <= 8 && t.is_floating_point()) {
            t = t.to(torch::kFloat64);
            for (int64_t i = 0; i < t.numel(); ++i)
                out.stride.push_back(t[i].item<double>());
        }
    }
}

/// Bytes of a value: `bytes`, or `_codecs.encode(str, 'latin1')` (how protocol 2 pickles bytes).
bool bytesOf(const Value* v, std::string& out)
{
    if (v && v->kind == Kind::Bytes) {
        out = v->text;
        return true;
    }
    if (!v || v->className() != "_codecs.encode" || !v->args || v->args->items.size() != 2 ||
        v->args->items[0]->kind != Kind::Str)
        return false;
    const std::string& u = v->args->items[0]->text; // UTF-8 of code points < 256
    out.clear();
    for (size_t i = 0; i < u.size(); ++i) {
        const auto c = static_cast<unsigned char>(u[i]);
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if ((c & 0xE0) == 0xC0 && c <= 0xC3 && i + 1 < u.size()) {
            out += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(u[++i]) & 0x3F));
        } else {
            return false;
        }
    }
    return true;
}

/// A numpy float64/float32 scalar (`numpy.core.multiarray.scalar(dtype, bytes)`), which is
/// what Ultralytics' trainer stores as best_fitness; decoded as data, nothing is called.
bool numpyScalar(const Value& v, double& x)
{
    const std::string cls = v.className();
    if ((cls != "numpy.core.multiarray.scalar" && cls != "numpy._core.multiarray.scalar") || !v.args ||
        v.args->items.size() != 2)
        return false;
    const Value* dtype = v.args->items[0];
    if (dtype->kind != Kind::Object || !dtype->args || dtype->args->items.empty() ||
        dtype->args->items[0]->kind != Kind::Str)
        return false;
    const std::string code = dtype->args->items[0]->text;
    std::string raw;
    if (!bytesOf(v.args->items[1], raw))
        return false;
    if (code == "f8" && raw.size() == 8) {
        std::memcpy(&x, raw.data(), 8);
        return true;
    }
    if (code == "f4" && raw.size() == 4) {
        float f;
        std::memcpy(&f, raw.data(), 4);
        x = f;
        return true;
    }
    return false;
}

void readCheckpointFields(const Value& root, const std::string& origin, PtCheckpoint& out)
{
    if (root.kind != Kind::Dict)
        return;
    for (const char* key : {"date", "version", "license", "docs"})
        if (const Value* v = root.get(key); v && v->kind == Kind::Str)
            out.metadata[key] = v->text;
    if (const Value* v = root.get("epoch"); v && v->kind == Kind::Int)
        out.metadata["epoch"] = std::to_string(v->integer);
    double fitness = 0;
    if (const Value* v = root.get("best_fitness"); v && (v->kind == Kind::Float || v->kind == Kind::Int))
        out.metadata["best_fitness"] = pickle::toJson(*v, origin);
    else if (v && numpyScalar(*v, fitness) && std::isfinite(fitness)) {
        Value f;
        f.kind = Kind::Float;
        f.real = fitness;
        out.metadata["best_fitness"] = pickle::toJson(f, origin);
    }
    if (const Value* v = root.get("train_args"); v && v->kind == Kind::Dict) {
        out.metadata["train_args"] = pickle::toJson(*v, origin + " (train_args)");
        if (const Value* s = v->get("imgsz"); s && s->kind == Kind::Int && s->integer > 0 && s->integer < 65536)
            out.imgsz = static_cast<int>(s->integer);
        else if (s && (s->kind == Kind::List || s->kind == Kind::Tuple) && !s->items.empty() &&
                 s->items[0]->kind == Kind::Int && s->items[0]->integer > 0 && s->items[0]->integer < 65536)
            out.imgsz = static_cast<int>(s->items[0]->integer);
    }
}

const char* const kOtherTasks[] = {"SegmentationModel", "PoseModel",  "ClassificationModel", "OBBModel",
                                   "WorldModel",        "YOLOEModel", "RTDETRDetectionModel"};

void checkModelClass(const Value& model, const std::string& entry, const std::string& origin)
{
    const std::string cls = model.className();
    if (cls == "ultralytics.nn.tasks.DetectionModel")
        return;
    for (const char* t : kOtherTasks)
        if (cls == std::string("ultralytics.nn.tasks.") + t)
            throw InputError(origin + ": '" + entry + "' is an Ultralytics " + t +
                             "; Retort reads detection models (DetectionModel) only");
    if (cls == "models.yolo.DetectionModel" || cls == "models.yolo.Model")
        throw InputError(origin + ": '" + entry + "' is a YOLOv5 model (" + cls +
                         "); Retort reads Ultralytics YOLOv8/YOLO11 detection models");
    throw InputError(origin + ": '" + entry + "' is " + model.describe() + ", not an Ultralytics DetectionModel");
}

bool isStateDict(const Value& v)
{
    if (v.kind != Kind::Dict || v.entries.empty())
        return false;
    for (const auto& [k, t] : v.entries)
        if (k->kind != Kind::Str || (t->kind != Kind::Tensor && !t->isNone()))
            return false;
    return true;
}

/// Before a model is built from a checkpoint's (untrusted) architecture: every layer's width
/// and repeat count must be those of the weights the file holds, so that the model allocated
/// is the size of the file, not of what its yaml declares.
void checkArchAgainstWeights(const ArchSpec& spec, const PtCheckpoint& ck, const std::string& origin)
{
    std::map<std::string, const torch::Tensor*> byName;
    for (const auto& [name, t] : ck.tensors)
        byName.emplace(name, &t);
    auto expect = [&](const std::string& name, int64_t dim0, const LayerSpec& l) {
        const auto it = byName.find(name);
        if (it == byName.end())
            throw InputError(origin + ": layer " + std::to_string(l.index) + " (" + l.module + ") has no weight '" +
                             name + "'; the architecture does not match the weights");
        if (it->second->dim() == 0 || it->second->size(0) != dim0)
            throw InputError(origin + ": layer " + std::to_string(l.index) + " (" + l.module + ") declares " +
                             std::to_string(dim0) + " output channels but '" + name + "' has shape " +
                             c10::str(it->second->sizes()));
    };
    if (spec.layers.size() > ck.tensors.size())
        throw InputError(origin + ": the architecture has more layers than the file has tensors");
    for (const LayerSpec& l : spec.layers) {
        const std::string p = "model." + std::to_string(l.index) + ".";
        if (l.repeats > 1)
            throw InputError(origin + ": layer " + std::to_string(l.index) + " repeats a " + l.module + " " +
                             std::to_string(l.repeats) + " times, which Ultralytics detection models do not");
        if (l.module == "Conv" || l.module == "DWConv") {
            expect(p + "conv.weight", l.outChannels, l);
        } else if (l.module == "C2f" || l.module == "C3k2" || l.module == "C2PSA" || l.module == "SPPF") {
            expect(p + "cv2.conv.weight", l.outChannels, l);
            if (l.module != "SPPF") {
                // The last block must exist and no block after it (the block's own layout differs:
                // Bottleneck, C3k, Bottleneck+PSABlock, PSABlock; its first weight name is enough).
                const auto hasBlock = [&](int64_t b) {
                    const std::string prefix = p + "m." + std::to_string(b) + ".";
                    const auto it = byName.lower_bound(prefix);
                    return it != byName.end() && it->first.compare(0, prefix.size(), prefix) == 0;
                };
                if (l.module == "C2f")
                    expect(p + "m." + std::to_string(l.blockRepeats - 1) + ".cv1.conv.weight", l.outChannels / 2, l);
                else if (!hasBlock(l.blockRepeats - 1))
                    throw InputError(origin + ": layer " + std::to_string(l.index) + " (" + l.module + ") declares " +
                                     std::to_string(l.blockRepeats) + " blocks but the weights hold fewer");
                if (hasBlock(l.blockRepeats))
                    throw InputError(origin + ": layer " + std::to_string(l.index) + " declares " +
                                     std::to_string(l.blockRepeats) + " bottlenecks but the weights hold more");
            }
        } else if (l.module == "Detect") {
            for (size_t k = 0; k < l.detectChannels.size(); ++k) {
                const std::string level = std::to_string(k);
                expect(p + "cv3." + level + ".2.weight", spec.nc, l);
                expect(p + "cv2." + level + ".2.weight", 4 * spec.regMax, l);
            }
        }
    }
}

} // namespace

bool isTorchScriptArchive(std::string_view bytes)
{
    if (bytes.substr(0, 4) != std::string_view("PK\x03\x04", 4))
        return false;
    try {
        const ZipReader zip(bytes, "");
        for (const auto& n : zip.names()) {
            const size_t slash = n.find('/');
            if (slash != std::string::npos && (n.compare(slash, std::string::npos, "/constants.pkl") == 0 ||
                                               n.compare(slash, 6, "/code/") == 0))
                return true;
        }
    } catch (const InputError&) {
    }
    return false;
}

PtCheckpoint parsePtCheckpoint(std::string_view bytes, const std::string& origin)
{
    if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x80 && bytes[1] >= 1 && bytes[1] <= 5)
        throw InputError(origin + ": a legacy (before PyTorch 1.6) torch.save file; re-save it with a newer torch "
                                  "(torch.save(torch.load(f), f)) to get the zip format Retort reads");
    if (bytes.substr(0, 4) != std::string_view("PK\x03\x04", 4) && bytes.substr(0, 4) != std::string_view("PK\x05\x06", 4))
        throw InputError(origin + ": not a PyTorch checkpoint (not a zip archive)");
    const ZipReader zip(bytes, origin);
    if (zip.names().empty())
        throw InputError(origin + ": the archive is empty");
    const std::string& first = zip.names().front();
    const std::string prefix = first.substr(0, first.find('/'));
    if (!zip.has(prefix + "/data.pkl"))
        throw InputError(origin + ": no '" + prefix + "/data.pkl' record (not a torch.save checkpoint)");
    bool bigEndian = false;
    if (zip.has(prefix + "/byteorder")) {
        const std::string_view order = zip.record(prefix + "/byteorder");
        if (order != "little" && order != "big")
            throw InputError(origin + ": byteorder record says '" + std::string(order.substr(0, 16)) + "'");
        bigEndian = order == "big";
    }
    const pickle::Pickle p = pickle::unpickle(zip.record(prefix + "/data.pkl"), origin);
    const Value& root = *p.root();

    PtCheckpoint out;
    StorageReader storages(zip, prefix, bigEndian, origin);
    ModuleWalker walker(storages, origin, p.size(), out);
    const Value* model = nullptr;
    if (root.kind == Kind::Object) {
        model = &root;
        out.object = "model";
    } else if (root.kind == Kind::Dict) {
        for (const char* entry : {"ema", "model"})
            if (const Value* m = root.get(entry); m && !m->isNone() && !model) {
                model = m;
                out.object = entry;
            }
    } else {
        throw InputError(origin + ": the checkpoint holds " + root.describe() + ", not a dict or a model");
    }
    const Value* stateDict = model && isStateDict(*model) ? model : (!model && isStateDict(root) ? &root : nullptr);
    if (stateDict) {
        out.object = "state_dict";
        for (const auto& [k, t] : stateDict->entries)
            if (!t->isNone())
                walker.add(k->text, *t);
    } else if (model) {
        checkModelClass(*model, out.object, origin);
        out.modelClass = model->className();
        walker.walk(*model, "", 0);
        readModelAttributes(*model, storages, origin, out);
        if (out.tensors.empty())
            throw InputError(origin + ": the model holds no tensors");
    } else {
        throw InputError(origin + ": holds neither 'ema' nor 'model' nor a state dict of tensors");
    }
    readCheckpointFields(root, origin, out);
    bool bn = false, convBias = false;
    for (const auto& [name, t] : out.tensors) {
        bn = bn || name.find(".bn.") != std::string::npos;
        convBias = convBias || (name.size() > 10 && name.compare(name.size() - 10, 10, ".conv.bias") == 0);
    }
    out.fused = convBias && !bn;
    for (const auto& [name, t] : out.tensors)
        if (t.is_floating_point()) {
            const auto d = t.scalar_type();
            out.metadata["dtype"] = d == torch::kFloat16 ? "F16" : d == torch::kBFloat16 ? "BF16" : d == torch::kFloat64 ? "F64" : "F32";
            break;
        }
    out.metadata["pt_object"] = out.object;
    if (!out.modelClass.empty())
        out.metadata["pt_class"] = out.modelClass;
    return out;
}

PtCheckpoint readPtCheckpoint(const std::string& path)
{
    return parsePtCheckpoint(readFile(path), path);
}

LoadedModel loadPtModel(const std::string& path, const LoadOptions& options)
{
    return loadPtModel(readFile(path), path, options);
}

LoadedModel loadPtModel(std::string_view bytes, const std::string& path, const LoadOptions& options)
{
    PtCheckpoint ck = parsePtCheckpoint(bytes, path);
    LoadedModel out;
    if (ck.bare()) {
        if (options.arch.empty())
            throw InputError(path + ": a bare state_dict (" + std::to_string(ck.tensors.size()) +
                             " tensors, no architecture); give the architecture, e.g. --arch yolov8n.yaml");
        const ArchSpec spec = loadArch(options.arch, options.nc);
        checkArchAgainstWeights(spec, ck, path);
        out.model = DetectionModel(spec);
    } else {
        const ArchSpec spec = parseArch(ck.arch, path + " (model.yaml)", ck.scale, ck.nc);
        checkArchAgainstWeights(spec, ck, path);
        out.model = DetectionModel(spec);
    }
    if (ck.fused)
        out.model->makeFusedLayout();
    loadStateDict(*out.model, ck.tensors, path);
    out.model->to(options.device);
    out.names = !ck.names.empty() ? ck.names : !options.names.empty() ? options.names : defaultNames(out.model->nc());
    if (static_cast<int64_t>(out.names.size()) != out.model->nc())
        throw InputError(path + ": " + std::to_string(out.names.size()) + " class names but the model has " +
                         std::to_string(out.model->nc()) + " classes");
    out.source = path;
    out.format = "pt";
    out.imgsz = ck.imgsz;
    out.metadata = std::move(ck.metadata);
    JsonWriter src(false);
    src.beginObject().field("file", fs::path(path).filename().string()).field("bytes", bytes.size());
    src.field("format", "pytorch-zip").field("object", out.metadata["pt_object"]);
    if (out.metadata.count("date"))
        src.field("date", out.metadata["date"]);
    if (out.metadata.count("version"))
        src.field("ultralytics_version", out.metadata["version"]);
    out.metadata["source"] = src.endObject().str();
    return out;
}

} // namespace retort
