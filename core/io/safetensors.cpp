#include "io/safetensors.h"

#include "util/atomicfile.h"
#include "util/error.h"
#include "util/json.h"

#include <cstring>
#include <limits>

namespace retort {
namespace {

constexpr uint64_t kMaxHeader = 100ull << 20; // the format's own limit

struct DtypeInfo
{
    const char* name;
    torch::ScalarType type;
    size_t size;
};

const DtypeInfo kDtypes[] = {
    {"F64", torch::kFloat64, 8}, {"F32", torch::kFloat32, 4}, {"F16", torch::kFloat16, 2},
    {"BF16", torch::kBFloat16, 2}, {"I64", torch::kInt64, 8}, {"I32", torch::kInt32, 4},
    {"I16", torch::kInt16, 2},    {"I8", torch::kInt8, 1},    {"U8", torch::kUInt8, 1},
    {"BOOL", torch::kBool, 1},
};

const DtypeInfo* dtypeByName(const std::string& name)
{
    for (const auto& d : kDtypes)
        if (name == d.name)
            return &d;
    return nullptr;
}

const DtypeInfo* dtypeByType(torch::ScalarType type)
{
    for (const auto& d : kDtypes)
        if (type == d.type)
            return &d;
    return nullptr;
}

uint64_t readU64(const std::string& node, const YAML::Node& value, const std::string& where)
{
    try {
        const std::string s = value.as<std::string>();
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
            throw InputError(where + ": " + node + " must be a non-negative integer, got '" + s + "'");
        if (s.size() > 19)
            throw InputError(where + ": " + node + " is out of range ('" + s + "')");
        return std::stoull(s);
    } catch (const YAML::Exception&) {
        throw InputError(where + ": " + node + " must be a non-negative integer");
    }
}

} // namespace

torch::Tensor SafeTensors::get(const std::string& name) const
{
    for (const auto& [key, t] : tensors)
        if (key == name)
            return t;
    return {};
}

torch::Tensor SafeTensors::at(const std::string& name, const std::string& origin) const
{
    auto t = get(name);
    if (!t.defined())
        throw InputError(origin + ": tensor '" + name + "' is missing");
    return t;
}

std::string SafeTensors::meta(const std::string& key, const std::string& fallback) const
{
    const auto it = metadata.find(key);
    return it == metadata.end() ? fallback : it->second;
}

SafeTensors parseSafetensors(const std::string& bytes, const std::string& origin)
{
    if (bytes.size() < 8)
        throw InputError(origin + ": not a safetensors file (" + std::to_string(bytes.size()) +
                         " bytes, the 8-byte header length is missing)");
    uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i)
        headerLen = (headerLen << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
    if (headerLen > kMaxHeader || headerLen > bytes.size() - 8)
        throw InputError(origin + ": header length " + std::to_string(headerLen) +
                         " runs past the end of the file (" + std::to_string(bytes.size()) + " bytes)");
    const std::string headerText = bytes.substr(8, headerLen);
    if (headerText.empty() || headerText.find_first_not_of(" \t\r\n") == std::string::npos ||
        headerText[headerText.find_first_not_of(" \t\r\n")] != '{')
        throw InputError(origin + ": header is not a JSON object");
    YAML::Node header;
    try {
        header = YAML::Load(decodeSurrogateEscapes(headerText));
    } catch (const YAML::Exception& e) {
        throw InputError(origin + ": header is not valid JSON (" + e.msg + ")");
    }
    if (!header.IsMap())
        throw InputError(origin + ": header is not a JSON object");

    const size_t dataStart = 8 + headerLen;
    const uint64_t dataSize = bytes.size() - dataStart;
    SafeTensors st;
    try {
        for (const auto& kv : header) {
            const std::string name = kv.first.as<std::string>();
            const YAML::Node& info = kv.second;
            const std::string where = origin + ": tensor '" + name + "'";
            if (name == "__metadata__") {
                if (!info.IsMap())
                    throw InputError(origin + ": __metadata__ must be an object of strings");
                for (const auto& m : info) {
                    if (!m.second.IsScalar())
                        throw InputError(origin + ": __metadata__ value of '" + m.first.as<std::string>() +
                                         "' must be a string");
                    st.metadata[m.first.as<std::string>()] = m.second.as<std::string>();
                }
                continue;
            }
            if (!info.IsMap() || !info["dtype"] || !info["shape"] || !info["data_offsets"])
                throw InputError(where + " needs dtype, shape and data_offsets");
            const std::string dtypeName = info["dtype"].as<std::string>();
            const DtypeInfo* dt = dtypeByName(dtypeName);
            if (!dt)
                throw InputError(where + ": unknown dtype '" + dtypeName +
                                 "' (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");
            if (!info["shape"].IsSequence())
                throw InputError(where + ": shape must be a list of integers");
            std::vector<int64_t> shape;
            uint64_t numel = 1;
            for (const auto& d : info["shape"]) {
                const uint64_t v = readU64("shape entry", d, where);
                if (v > (1ull << 40) || (v && numel > std::numeric_limits<uint64_t>::max() / v / 8))
                    throw InputError(where + ": shape is too large");
                numel *= v;
                shape.push_back(static_cast<int64_t>(v));
            }
            const YAML::Node& off = info["data_offsets"];
            if (!off.IsSequence() || off.size() != 2)
                throw InputError(where + ": data_offsets must be [begin, end]");
            const uint64_t begin = readU64("data_offsets", off[0], where);
            const uint64_t end = readU64("data_offsets", off[1], where);
            if (begin > end || end > dataSize)
                throw InputError(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                                 "] out of range (data section is " + std::to_string(dataSize) + " bytes)");
            if (end - begin != numel * dt->size)
                throw InputError(where + ": " + std::to_string(end - begin) + " bytes stored but shape and " +
                                 dtypeName + " need " + std::to_string(numel * dt->size));
            auto t = torch::empty(shape, torch::TensorOptions().dtype(dt->type));
            if (numel)
                std::memcpy(t.data_ptr(), bytes.data() + dataStart + begin, end - begin);
            st.tensors.emplace_back(name, std::move(t));
        }
    } catch (const YAML::Exception& e) {
        throw InputError(origin + ": malformed header (" + e.msg + ")");
    }
    return st;
}

SafeTensors readSafetensors(const std::string& path)
{
    return parseSafetensors(readFile(path), path);
}

std::string serializeSafetensors(const SafeTensors& st, std::optional<torch::ScalarType> dtype)
{
    std::vector<torch::Tensor> data;
    JsonWriter header(false);
    header.beginObject();
    if (!st.metadata.empty()) {
        header.key("__metadata__").beginObject();
        for (const auto& [k, v] : st.metadata)
            header.field(k, v);
        header.endObject();
    }
    uint64_t offset = 0;
    for (const auto& [name, tensor] : st.tensors) {
        auto t = tensor.detach().to(torch::kCPU);
        if (dtype && t.is_floating_point())
            t = t.to(*dtype);
        t = t.contiguous();
        const DtypeInfo* dt = dtypeByType(t.scalar_type());
        if (!dt)
            throw Error("cannot store tensor '" + name + "' of dtype " + std::string(c10::toString(t.scalar_type())));
        const uint64_t n = static_cast<uint64_t>(t.numel()) * dt->size;
        header.key(name).beginObject().field("dtype", std::string(dt->name)).key("shape").beginArray();
        for (const auto s : t.sizes())
            header.value(static_cast<int64_t>(s));
        header.endArray().key("data_offsets").beginArray();
        header.value(static_cast<int64_t>(offset)).value(static_cast<int64_t>(offset + n));
        header.endArray().endObject();
        offset += n;
        data.push_back(t);
    }
    header.endObject();
    std::string headerText = header.str();
    while (headerText.size() % 8)
        headerText += ' ';
    std::string out;
    out.reserve(8 + headerText.size() + offset);
    uint64_t len = headerText.size();
    for (int i = 0; i < 8; ++i)
        out += static_cast<char>((len >> (8 * i)) & 0xff);
    out += headerText;
    for (const auto& t : data)
        out.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
    return out;
}

void writeSafetensors(const std::string& path, const SafeTensors& st, std::optional<torch::ScalarType> dtype)
{
    writeFileAtomic(path, serializeSafetensors(st, dtype));
}

} // namespace retort
