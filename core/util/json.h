#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

namespace retort {

/// Minimal streaming JSON writer (core has no JSON library; yaml-cpp parses JSON input).
///
///   JsonWriter w;
///   w.beginObject(); w.key("mAP50"); w.value(0.61); w.endObject();
///   std::string text = w.str();
class JsonWriter
{
public:
    explicit JsonWriter(bool pretty = true) : m_pretty(pretty) {}

    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(const std::string& k);
    JsonWriter& value(const std::string& v);
    JsonWriter& value(const char* v) { return value(std::string(v)); }
    JsonWriter& value(double v);
    JsonWriter& value(int64_t v);
    JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
    JsonWriter& value(size_t v) { return value(static_cast<int64_t>(v)); }
    JsonWriter& value(bool v);
    JsonWriter& null();
    /// Inserts already-serialised JSON text as a value.
    JsonWriter& raw(const std::string& json);

    template <typename T>
    JsonWriter& field(const std::string& k, const T& v)
    {
        key(k);
        return value(v);
    }
    template <typename T>
    JsonWriter& array(const std::string& k, const std::vector<T>& values)
    {
        key(k);
        beginArray();
        for (const auto& v : values)
            value(v);
        return endArray();
    }

    const std::string& str() const { return m_out; }
    static std::string quote(const std::string& s);

private:
    void beforeValue();
    void newline();

    std::string m_out;
    std::vector<bool> m_first; // per open container: no element written yet
    bool m_pretty;
    bool m_afterKey = false;
};

/// Parses JSON text (through yaml-cpp: JSON is a subset of YAML 1.2 flow style).
/// Throws InputError naming `what` on malformed input.
YAML::Node parseJson(const std::string& text, const std::string& what);

/// Replaces JSON \uD8xx\uDCxx surrogate-pair escapes with UTF-8 (yaml-cpp cannot parse them).
std::string decodeSurrogateEscapes(const std::string& text);

} // namespace retort
