#include "widgets/yamledit.h"

#include <yaml-cpp/yaml.h>

#include <QRegularExpression>

#include <string>

namespace retort::widgets {
namespace {

size_t matchingBracket(const std::string& s, size_t open)
{
    const char o = s[open], c = o == '[' ? ']' : '}';
    int depth = 0;
    char quote = 0;
    for (size_t i = open; i < s.size(); ++i) {
        const char ch = s[i];
        if (quote) {
            if (ch == quote)
                quote = 0;
        } else if (ch == '"' || ch == '\'') {
            quote = ch;
        } else if (ch == o) {
            ++depth;
        } else if (ch == c && --depth == 0) {
            return i + 1;
        }
    }
    return std::string::npos;
}

size_t lineEnd(const std::string& s, size_t pos)
{
    const size_t e = s.find('\n', pos);
    return e == std::string::npos ? s.size() : e;
}

size_t lineStart(const std::string& s, size_t pos)
{
    const size_t b = pos == 0 ? std::string::npos : s.rfind('\n', pos - 1);
    return b == std::string::npos ? 0 : b + 1;
}

/// [begin, end) of a node's text. `inFlow`: the node sits inside a flow collection.
std::pair<size_t, size_t> nodeSpan(const std::string& s, const YAML::Node& n, bool inFlow)
{
    const size_t begin = static_cast<size_t>(n.Mark().pos);
    if (begin >= s.size())
        return {s.size(), s.size()};
    const char first = s[begin];
    if ((first == '[' || first == '{') && !n.IsScalar()) {
        const size_t e = matchingBracket(s, begin);
        return {begin, e == std::string::npos ? s.size() : e};
    }
    if (n.IsSequence() || n.IsMap()) {
        // A block collection: through the end of the line of its last descendant.
        size_t last = begin;
        for (auto it = n.begin(); it != n.end(); ++it) {
            const YAML::Node v = n.IsMap() ? it->second : *it;
            last = std::max(last, nodeSpan(s, v, false).second);
        }
        return {begin, lineEnd(s, last)};
    }
    if (first == '"' || first == '\'') {
        size_t i = begin + 1;
        while (i < s.size() && !(s[i] == first && !(first == '"' && s[i - 1] == '\\')))
            ++i;
        return {begin, std::min(s.size(), i + 1)};
    }
    size_t end = begin;
    while (end < s.size() && s[end] != '\n' && !(inFlow && (s[end] == ',' || s[end] == '}' || s[end] == ']')) &&
           !(s[end] == '#' && end > begin && (s[end - 1] == ' ' || s[end - 1] == '\t')))
        ++end;
    while (end > begin && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        --end;
    return {begin, end};
}

/// The missing keys path[from..] with `value`, as flow text ("{a: {b: v}}" without the outer braces).
std::string flowEntry(const QStringList& path, int from, const std::string& value)
{
    std::string out = path[from].toStdString() + ": ";
    if (from + 1 == path.size())
        return out + value;
    return out + "{" + flowEntry(path, from + 1, value) + "}";
}

/// The same as block lines, indented by `indent`.
std::string blockEntry(const QStringList& path, int from, const std::string& value, int indent)
{
    std::string out = std::string(static_cast<size_t>(indent), ' ') + path[from].toStdString() + ":";
    if (from + 1 == path.size())
        return out + " " + value + "\n";
    return out + "\n" + blockEntry(path, from + 1, value, indent + 2);
}

} // namespace

QString yamlScalar(const QString& s)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./+${}~()-][^:#\\[\\]{},\"'\\n]*$"));
    if (plain.match(s).hasMatch() && !s.endsWith(' ') && !s.contains(QStringLiteral(": ")))
        return s;
    QString q = s;
    q.replace('\\', QStringLiteral("\\\\")).replace('"', QStringLiteral("\\\""));
    return '"' + q + '"';
}

QString setYamlValue(const QString& text, const QStringList& path, const QString& value)
{
    if (path.isEmpty())
        return text;
    std::string s = text.toStdString();
    const std::string v = value.toStdString();
    YAML::Node node;
    try {
        node = YAML::Load(s);
    } catch (const YAML::Exception&) {
        return text;
    }
    if (!node.IsDefined() || node.IsNull()) {
        if (!s.empty() && s.back() != '\n')
            s += '\n';
        return QString::fromStdString(s + blockEntry(path, 0, v, 0));
    }
    bool inFlow = false;
    for (int i = 0; i < path.size(); ++i) {
        if (!node.IsMap())
            return text;
        const bool flowMap = node.Style() == YAML::EmitterStyle::Flow;
        const YAML::Node child = static_cast<const YAML::Node&>(node)[path[i].toStdString()];
        if (!child.IsDefined()) {
            const size_t at = static_cast<size_t>(node.Mark().pos);
            if (flowMap) {
                const size_t close = matchingBracket(s, at) - 1;
                const bool empty = node.size() == 0;
                s.insert(close, (empty ? "" : ", ") + flowEntry(path, i, v));
            } else {
                const int indent = node.Mark().column;
                s.insert(lineStart(s, at), blockEntry(path, i, v, indent));
            }
            return QString::fromStdString(s);
        }
        if (i + 1 == path.size()) {
            auto [b, e] = nodeSpan(s, child, flowMap || inFlow);
            if (child.IsNull() && (b >= s.size() || s.compare(b, 1, "\n") == 0 || s[b] == '#')) {
                // "key:" with no value: the mark sits after the colon; put one space in front.
                s.insert(b, " " + v);
                return QString::fromStdString(s);
            }
            s.replace(b, e - b, v);
            return QString::fromStdString(s);
        }
        inFlow = inFlow || flowMap;
        node.reset(child);
    }
    return text;
}

} // namespace retort::widgets
