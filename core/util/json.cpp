#include "util/json.h"

#include "util/error.h"

#include <cmath>
#include <cstdio>

namespace retort {

void JsonWriter::newline()
{
    if (!m_pretty)
        return;
    m_out += '\n';
    m_out.append(2 * m_first.size(), ' ');
}

void JsonWriter::beforeValue()
{
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (!m_first.empty()) {
        if (!m_first.back())
            m_out += ',';
        m_first.back() = false;
        newline();
    }
}

JsonWriter& JsonWriter::beginObject()
{
    beforeValue();
    m_out += '{';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endObject()
{
    const bool empty = m_first.back();
    m_first.pop_back();
    if (!empty)
        newline();
    m_out += '}';
    return *this;
}

JsonWriter& JsonWriter::beginArray()
{
    beforeValue();
    m_out += '[';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endArray()
{
    const bool empty = m_first.back();
    m_first.pop_back();
    if (!empty)
        newline();
    m_out += ']';
    return *this;
}

JsonWriter& JsonWriter::key(const std::string& k)
{
    beforeValue();
    m_out += quote(k);
    m_out += m_pretty ? ": " : ":";
    m_afterKey = true;
    return *this;
}

JsonWriter& JsonWriter::value(const std::string& v)
{
    beforeValue();
    m_out += quote(v);
    return *this;
}

JsonWriter& JsonWriter::value(double v)
{
    beforeValue();
    if (!std::isfinite(v)) {
        m_out += "null";
        return *this;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    m_out += buf;
    return *this;
}

JsonWriter& JsonWriter::value(int64_t v)
{
    beforeValue();
    m_out += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::value(bool v)
{
    beforeValue();
    m_out += v ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null()
{
    beforeValue();
    m_out += "null";
    return *this;
}

JsonWriter& JsonWriter::raw(const std::string& json)
{
    beforeValue();
    m_out += json;
    return *this;
}

std::string JsonWriter::quote(const std::string& s)
{
    std::string out = "\"";
    for (const unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
    return out;
}

namespace {

void appendUtf8(std::string& out, uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

int hex4(const std::string& s, size_t pos)
{
    if (pos + 4 > s.size())
        return -1;
    int v = 0;
    for (size_t i = pos; i < pos + 4; ++i) {
        const char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

} // namespace

std::string decodeSurrogateEscapes(const std::string& text)
{
    // yaml-cpp rejects the UTF-16 surrogate pairs (\ud83d\ude80) that Python's json.dumps
    // writes for characters outside the BMP: turn them into UTF-8 bytes first.
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\' || i + 1 >= text.size()) {
            out += text[i];
            continue;
        }
        if (text[i + 1] != 'u') {
            out += text[i];
            out += text[i + 1];
            ++i;
            continue;
        }
        const int hi = hex4(text, i + 2);
        if (hi >= 0xD800 && hi <= 0xDFFF) {
            const int lo = (i + 7 < text.size() && text[i + 6] == '\\' && text[i + 7] == 'u') ? hex4(text, i + 8) : -1;
            if (hi <= 0xDBFF && lo >= 0xDC00 && lo <= 0xDFFF) {
                appendUtf8(out, 0x10000 + ((static_cast<uint32_t>(hi) - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00));
                i += 11;
            } else {
                appendUtf8(out, 0xFFFD);
                i += 5;
            }
            continue;
        }
        out += text[i];
    }
    return out;
}

YAML::Node parseJson(const std::string& text, const std::string& what)
{
    try {
        return YAML::Load(decodeSurrogateEscapes(text));
    } catch (const YAML::Exception& e) {
        throw InputError(what + ": malformed JSON (line " + std::to_string(e.mark.line + 1) + "): " + e.msg);
    }
}

} // namespace retort
