#include "args.h"

namespace retort::cli {

Args::Args(const std::string& command, int argc, char** argv, const std::set<std::string>& valued,
           const std::set<std::string>& booleans)
    : m_command(command)
{
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0) {
            m_positional.push_back(a);
            continue;
        }
        std::string name = a.substr(2);
        std::string value;
        bool inlineValue = false;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inlineValue = true;
        }
        if (booleans.count(name)) {
            if (inlineValue)
                throw UsageError("retort-cli " + command + ": --" + name + " takes no value");
            m_values.emplace(name, "true");
        } else if (valued.count(name)) {
            if (!inlineValue) {
                if (i + 1 >= argc)
                    throw UsageError("retort-cli " + command + ": --" + name + " needs a value");
                value = argv[++i];
            }
            m_values.emplace(name, value);
            // Further bare values belong to the same flag (--imgsz 640 480).
            while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0 &&
                   std::string(argv[i + 1]).find('=') == std::string::npos && name == "imgsz")
                m_values.emplace(name, argv[++i]);
        } else {
            throw UsageError("retort-cli " + command + ": unknown option --" + name +
                             " (see retort-cli " + command + " --help)");
        }
    }
}

bool Args::has(const std::string& flag) const
{
    return m_values.count(flag) > 0;
}

std::string Args::get(const std::string& flag, const std::string& fallback) const
{
    const auto it = m_values.find(flag);
    return it == m_values.end() ? fallback : it->second;
}

std::string Args::required(const std::string& flag) const
{
    if (!has(flag))
        throw UsageError("retort-cli " + m_command + ": --" + flag + " is required");
    return get(flag);
}

int Args::getInt(const std::string& flag, int fallback) const
{
    if (!has(flag))
        return fallback;
    const std::string v = get(flag);
    try {
        size_t used = 0;
        const int n = std::stoi(v, &used);
        if (used != v.size())
            throw std::invalid_argument(v);
        return n;
    } catch (const std::exception&) {
        throw UsageError("retort-cli " + m_command + ": --" + flag + " expects an integer, got '" + v + "'");
    }
}

double Args::getDouble(const std::string& flag, double fallback) const
{
    if (!has(flag))
        return fallback;
    const std::string v = get(flag);
    try {
        size_t used = 0;
        const double d = std::stod(v, &used);
        if (used != v.size())
            throw std::invalid_argument(v);
        return d;
    } catch (const std::exception&) {
        throw UsageError("retort-cli " + m_command + ": --" + flag + " expects a number, got '" + v + "'");
    }
}

std::vector<std::string> Args::getAll(const std::string& flag) const
{
    std::vector<std::string> out;
    const auto range = m_values.equal_range(flag);
    for (auto it = range.first; it != range.second; ++it)
        out.push_back(it->second);
    return out;
}

} // namespace retort::cli
