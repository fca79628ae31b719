#include "util/yamlcheck.h"

#include "util/error.h"

#include <filesystem>
#include <map>
#include <sstream>

namespace retort {

void rejectDuplicateKeys(const YAML::Node& node, const std::string& origin, const std::string& path)
{
    if (!node)
        return;
    if (node.IsSequence()) {
        for (const auto& item : node)
            rejectDuplicateKeys(item, origin, path);
        return;
    }
    if (!node.IsMap())
        return;
    std::map<std::string, int> seen;
    for (const auto& kv : node) {
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("<complex key>");
        const std::string full = path.empty() ? key : path + "." + key;
        const int line = kv.first.Mark().is_null() ? 0 : kv.first.Mark().line + 1;
        if (const auto [it, fresh] = seen.emplace(key, line); !fresh)
            throw InputError(origin + ":" + std::to_string(line) + ": duplicate key '" + full + "' (first at line " +
                             std::to_string(it->second) + ")");
        rejectDuplicateKeys(kv.second, origin, full);
    }
}

std::string yamlKeyLocation(const std::string& file, const std::string& dottedKey)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        return file;
    try {
        YAML::Node node = YAML::LoadFile(file);
        YAML::Node key;
        std::stringstream parts(dottedKey);
        for (std::string part; std::getline(parts, part, '.');) {
            if (!node || !node.IsMap())
                return file;
            bool found = false;
            for (const auto& kv : node)
                if (kv.first.IsScalar() && kv.first.Scalar() == part) {
                    key = kv.first;
                    node = kv.second;
                    found = true;
                    break;
                }
            if (!found)
                return file;
        }
        return key && !key.Mark().is_null() ? file + ":" + std::to_string(key.Mark().line + 1) : file;
    } catch (const YAML::Exception&) {
        return file;
    }
}

} // namespace retort
