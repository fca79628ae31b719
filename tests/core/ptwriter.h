#pragma once
// Test-only writer of torch.save-style `.pt` files (stored zip + protocol-2 pickle), so that the
// .pt tests can craft valid, odd and hostile checkpoints in-process without Python.

#include "io/zipreader.h"

#include <torch/torch.h>
#include <yaml-cpp/yaml.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace retort::test {

inline const char* const kNanoArch = R"(# a tiny three-level detector for crafted checkpoints
nc: 2
backbone:
  - [-1, 1, Conv, [8, 3, 2]]
  - [-1, 1, Conv, [8, 3, 2]]
  - [-1, 1, C2f, [8, True]]
  - [-1, 1, Conv, [8, 3, 2]]
  - [-1, 1, Conv, [16, 3, 2]]
  - [-1, 1, Conv, [16, 3, 2]]
  - [-1, 1, SPPF, [16, 5]]
head:
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [[-1, 4], 1, Concat, [1]]
  - [[3, 8, 6], 1, Detect, [nc]]
)";


/// Emits pickle opcodes; the caller composes them like Python's pickler would.
class PickleWriter
{
public:
    std::string out;

    PickleWriter& op(char c) { out += c; return *this; }
    PickleWriter& raw(const std::string& s) { out += s; return *this; }
    PickleWriter& proto(int p) { out += '\x80'; out += static_cast<char>(p); return *this; }
    PickleWriter& mark() { return op('('); }
    PickleWriter& none() { return op('N'); }
    PickleWriter& boolean(bool b) { return op(b ? '\x88' : '\x89'); }
    PickleWriter& integer(int64_t v)
    {
        if (v >= 0 && v < 256) {
            op('K');
            out += static_cast<char>(v);
        } else if (v >= 0 && v < 65536) {
            op('M');
            le(static_cast<uint64_t>(v), 2);
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
            op('J');
            le(static_cast<uint32_t>(static_cast<int32_t>(v)), 4);
        } else {
            op('\x8a');
            out += '\x08';
            le(static_cast<uint64_t>(v), 8);
        }
        return *this;
    }
    PickleWriter& real(double d)
    {
        op('G');
        uint64_t u;
        std::memcpy(&u, &d, 8);
        for (int i = 7; i >= 0; --i)
            out += static_cast<char>((u >> (8 * i)) & 0xFF);
        return *this;
    }
    PickleWriter& str(const std::string& s)
    {
        op('X');
        le(s.size(), 4);
        out += s;
        return *this;
    }
    PickleWriter& global(const std::string& module, const std::string& name)
    {
        op('c');
        out += module + "\n" + name + "\n";
        return *this;
    }
    PickleWriter& put(uint32_t i) { op('r'); le(i, 4); return *this; }
    PickleWriter& get(uint32_t i) { op('j'); le(i, 4); return *this; }
    PickleWriter& stop() { return op('.'); }

    void le(uint64_t v, int n)
    {
        for (int i = 0; i < n; ++i)
            out += static_cast<char>((v >> (8 * i)) & 0xFF);
    }
};

/// A Python value tree to pickle: enough of Python for torch checkpoints.
struct Py
{
    enum class K { None, Bool, Int, Float, Str, List, Tuple, Dict, OrderedDict, Module, Tensor, Parameter, Raw };
    K k = K::None;
    int64_t i = 0;
    double f = 0;
    std::string s;                         // Str; Module: "module.Class"; Raw: pickle bytes
    std::vector<std::shared_ptr<Py>> items; // List, Tuple
    std::vector<std::pair<std::shared_ptr<Py>, std::shared_ptr<Py>>> entries; // Dict, OrderedDict, Module state
    torch::Tensor t;
    bool stateDictMetadata = false;        // OrderedDict: carries `_metadata` as state_dict() does

    using P = std::shared_ptr<Py>;
    static P make(K k) { auto p = std::make_shared<Py>(); p->k = k; return p; }
    static P none() { return make(K::None); }
    static P boolean(bool b) { auto p = make(K::Bool); p->i = b; return p; }
    static P integer(int64_t v) { auto p = make(K::Int); p->i = v; return p; }
    static P real(double v) { auto p = make(K::Float); p->f = v; return p; }
    static P str(const std::string& v) { auto p = make(K::Str); p->s = v; return p; }
    static P tensor(torch::Tensor v, bool param = false) { auto p = make(param ? K::Parameter : K::Tensor); p->t = v; return p; }
    static P raw(const std::string& pickleBytes) { auto p = make(K::Raw); p->s = pickleBytes; return p; }
    static P list(std::vector<P> v = {}) { auto p = make(K::List); p->items = std::move(v); return p; }
    static P tuple(std::vector<P> v = {}) { auto p = make(K::Tuple); p->items = std::move(v); return p; }
    static P dict(K kind = K::Dict) { return make(kind); }
    P& operator[](const std::string& key)
    {
        for (auto& kv : entries)
            if (kv.first->k == K::Str && kv.first->s == key)
                return kv.second;
        entries.emplace_back(str(key), nullptr);
        return entries.back().second;
    }
    P& at(int64_t key)
    {
        entries.emplace_back(integer(key), nullptr);
        return entries.back().second;
    }

    /// A YAML document as Python values (ints, floats, None, strs, lists, dicts).
    static P fromYaml(const YAML::Node& n)
    {
        if (n.IsMap()) {
            auto d = dict();
            for (const auto& kv : n)
                (*d)[kv.first.as<std::string>()] = fromYaml(kv.second);
            return d;
        }
        if (n.IsSequence()) {
            auto l = list();
            for (const auto& e : n)
                l->items.push_back(fromYaml(e));
            return l;
        }
        if (n.IsNull())
            return none();
        const std::string v = n.as<std::string>();
        if (v == "None")
            return none();
        if (v == "True" || v == "true" || v == "False" || v == "false")
            return boolean(v[0] == 'T' || v[0] == 't');
        try {
            size_t used = 0;
            const long long x = std::stoll(v, &used);
            if (used == v.size())
                return integer(x);
            const double d = std::stod(v, &used);
            if (used == v.size())
                return real(d);
        } catch (const std::exception&) {
        }
        return str(v);
    }
};

/// Pickles a Py tree the way torch.save does (tensors as persistent-id storages), collecting the
/// storages' bytes for the archive.
class TorchPickler
{
public:
    PickleWriter w;
    std::vector<std::pair<std::string, std::string>> storages; // key -> raw bytes
    std::map<std::string, std::string> storageTypeOverride;     // key -> "torch.XStorage"

    std::string pickle(const Py::P& root)
    {
        w.proto(2);
        emit(root);
        w.stop();
        return w.out;
    }

    static const char* storageType(torch::ScalarType t)
    {
        switch (t) {
        case torch::kFloat32: return "FloatStorage";
        case torch::kFloat16: return "HalfStorage";
        case torch::kBFloat16: return "BFloat16Storage";
        case torch::kFloat64: return "DoubleStorage";
        case torch::kInt64: return "LongStorage";
        case torch::kInt32: return "IntStorage";
        case torch::kUInt8: return "ByteStorage";
        case torch::kBool: return "BoolStorage";
        default: return "UnknownStorage";
        }
    }

    void emitTensor(const torch::Tensor& t0, bool param)
    {
        const torch::Tensor t = t0.contiguous().cpu();
        const std::string key = std::to_string(storages.size());
        storages.emplace_back(key, std::string(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size()));
        if (param)
            w.global("torch._utils", "_rebuild_parameter");
        w.global("torch._utils", "_rebuild_tensor_v2");
        w.mark();
        // persistent id ('storage', torch.XStorage, key, 'cpu', numel)
        w.mark().str("storage");
        const auto ov = storageTypeOverride.find(key);
        if (ov != storageTypeOverride.end())
            w.global(ov->second.substr(0, ov->second.rfind('.')), ov->second.substr(ov->second.rfind('.') + 1));
        else
            w.global("torch", storageType(t.scalar_type()));
        w.str(key).str("cpu").integer(t.numel()).op('t').op('Q');
        w.integer(0);
        w.mark();
        for (const auto s : t.sizes())
            w.integer(s);
        w.op('t');
        w.mark();
        for (const auto s : t.strides())
            w.integer(s);
        w.op('t');
        w.boolean(false);
        w.global("collections", "OrderedDict").op(')').op('R');
        w.op('t').op('R');
        if (param)
            w.boolean(true).global("collections", "OrderedDict").op(')').op('R').op('\x87').op('R');
    }

    void emit(const Py::P& v)
    {
        using K = Py::K;
        switch (v->k) {
        case K::None: w.none(); break;
        case K::Bool: w.boolean(v->i != 0); break;
        case K::Int: w.integer(v->i); break;
        case K::Float: w.real(v->f); break;
        case K::Str: w.str(v->s); break;
        case K::Raw: w.raw(v->s); break;
        case K::List:
            w.op(']');
            if (!v->items.empty()) {
                w.mark();
                for (const auto& e : v->items)
                    emit(e);
                w.op('e');
            }
            break;
        case K::Tuple:
            w.mark();
            for (const auto& e : v->items)
                emit(e);
            w.op('t');
            break;
        case K::Dict:
        case K::OrderedDict:
            if (v->k == K::OrderedDict)
                w.global("collections", "OrderedDict").op(')').op('R');
            else
                w.op('}');
            if (!v->entries.empty()) {
                w.mark();
                for (const auto& [k, x] : v->entries) {
                    emit(k);
                    emit(x);
                }
                w.op('u');
            }
            if (v->stateDictMetadata) {
                w.op('}').mark().str("_metadata").global("collections", "OrderedDict").op(')').op('R');
                w.op('u').op('b');
            }
            break;
        case K::Module: {
            const std::string cls = v->s.empty() ? "torch.nn.modules.module.Module" : v->s;
            w.global(cls.substr(0, cls.rfind('.')), cls.substr(cls.rfind('.') + 1)).op(')').op('\x81');
            auto state = Py::dict();
            state->entries = v->entries;
            emit(state);
            w.op('b');
            break;
        }
        case K::Tensor:
        case K::Parameter: emitTensor(v->t, v->k == K::Parameter); break;
        }
    }
};

/// A module (torch.nn.Module pickled state) with parameters, buffers and submodules.
inline Py::P moduleNode(const std::string& cls)
{
    auto m = Py::make(Py::K::Module);
    m->s = cls;
    (*m)["training"] = Py::boolean(false);
    (*m)["_parameters"] = Py::dict(Py::K::OrderedDict);
    (*m)["_buffers"] = Py::dict(Py::K::OrderedDict);
    (*m)["_modules"] = Py::dict(Py::K::OrderedDict);
    return m;
}

/// A module tree holding `tensors` under their dotted names (BN statistics as buffers).
inline Py::P moduleTree(const std::string& rootClass, const std::vector<std::pair<std::string, torch::Tensor>>& tensors)
{
    auto root = moduleNode(rootClass);
    for (const auto& [name, t] : tensors) {
        Py::P m = root;
        size_t at = 0;
        for (size_t dot; (dot = name.find('.', at)) != std::string::npos; at = dot + 1) {
            auto& sub = (*(*m)["_modules"])[name.substr(at, dot - at)];
            if (!sub)
                sub = moduleNode("");
            m = sub;
        }
        const std::string leaf = name.substr(at);
        const bool buffer = leaf == "running_mean" || leaf == "running_var" || leaf == "num_batches_tracked";
        (*(*m)[buffer ? "_buffers" : "_parameters"])[leaf] = Py::tensor(t, !buffer);
    }
    return root;
}

/// The slot of parameter `name` ("model.0.conv.weight") in the model of an ultralyticsCheckpoint().
inline Py::P& parameterSlot(const Py::P& ck, const std::string& name)
{
    Py::P m = (*ck)["model"];
    size_t at = 0;
    for (size_t dot; (dot = name.find('.', at)) != std::string::npos; at = dot + 1)
        m = (*(*m)["_modules"])[name.substr(at, dot - at)];
    return (*(*m)["_parameters"])[name.substr(at)];
}

/// A torch.save zip: `<prefix>/data.pkl`, `<prefix>/data/<key>` (64-byte aligned), version.
inline std::string zipArchive(const std::vector<std::pair<std::string, std::string>>& records)
{
    std::string out, dir;
    auto le = [](std::string& s, uint64_t v, int n) {
        for (int i = 0; i < n; ++i)
            s += static_cast<char>((v >> (8 * i)) & 0xFF);
    };
    for (const auto& [name, data] : records) {
        const uint64_t offset = out.size();
        const uint32_t crc = crc32(data);
        size_t pad = (64 - (offset + 30 + name.size() + 4) % 64) % 64;
        le(out, 0x04034b50, 4); le(out, 0, 2); le(out, 0, 2); le(out, 0, 2); le(out, 0, 4);
        le(out, crc, 4); le(out, data.size(), 4); le(out, data.size(), 4);
        le(out, name.size(), 2); le(out, pad + 4, 2);
        out += name;
        le(out, 0x4246, 2); le(out, pad, 2); out += std::string(pad, 'Z');
        out += data;
        le(dir, 0x02014b50, 4); le(dir, 0, 2); le(dir, 0, 2); le(dir, 0, 2); le(dir, 0, 2); le(dir, 0, 4);
        le(dir, crc, 4); le(dir, data.size(), 4); le(dir, data.size(), 4);
        le(dir, name.size(), 2); le(dir, 0, 2); le(dir, 0, 2); le(dir, 0, 2); le(dir, 0, 2); le(dir, 0, 4);
        le(dir, offset, 4);
        dir += name;
    }
    const uint64_t dirOffset = out.size();
    out += dir;
    le(out, 0x06054b50, 4); le(out, 0, 2); le(out, 0, 2);
    le(out, records.size(), 2); le(out, records.size(), 2);
    le(out, dir.size(), 4); le(out, dirOffset, 4); le(out, 0, 2);
    return out;
}

/// The records of a checkpoint whose pickle is `pickleBytes` with `storages`.
inline std::vector<std::pair<std::string, std::string>> ptRecords(const std::string& pickleBytes,
                                                                  const std::vector<std::pair<std::string, std::string>>& storages,
                                                                  const std::string& prefix = "archive")
{
    std::vector<std::pair<std::string, std::string>> r;
    r.emplace_back(prefix + "/data.pkl", pickleBytes);
    r.emplace_back(prefix + "/byteorder", "little");
    for (const auto& [k, b] : storages)
        r.emplace_back(prefix + "/data/" + k, b);
    r.emplace_back(prefix + "/version", "3\n");
    return r;
}

/// A .pt file of a Py tree.
inline std::string ptFile(const Py::P& root, TorchPickler* pickler = nullptr)
{
    TorchPickler local;
    TorchPickler& p = pickler ? *pickler : local;
    const std::string pk = p.pickle(root);
    return zipArchive(ptRecords(pk, p.storages));
}

/// An Ultralytics-style checkpoint dict: {'epoch', 'model': DetectionModel(yaml, names, stride), …}.
inline Py::P ultralyticsCheckpoint(const std::string& archYaml, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                                   int64_t nc, const std::string& modelClass = "ultralytics.nn.tasks.DetectionModel")
{
    auto model = moduleTree(modelClass, tensors);
    (*model)["yaml"] = Py::fromYaml(YAML::Load(archYaml));
    auto names = Py::dict();
    for (int64_t i = 0; i < nc; ++i)
        names->at(i) = Py::str("c" + std::to_string(i));
    (*model)["names"] = names;
    (*model)["nc"] = Py::integer(nc);
    (*model)["stride"] = Py::tensor(torch::tensor({8.f, 16.f, 32.f}));
    auto ck = Py::dict();
    (*ck)["date"] = Py::str("2026-12-02T10:00:00");
    (*ck)["version"] = Py::str("8.3.229");
    (*ck)["epoch"] = Py::integer(7);
    (*ck)["best_fitness"] = Py::real(0.25);
    (*ck)["model"] = model;
    (*ck)["ema"] = Py::none();
    auto args = Py::dict();
    (*args)["task"] = Py::str("detect");
    (*args)["imgsz"] = Py::integer(320);
    (*args)["epochs"] = Py::integer(3);
    (*ck)["train_args"] = args;
    return ck;
}

} // namespace retort::test
