#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace retort::cli {

/// Bad command-line usage: printed as one line, exit status 2.
struct UsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/// `--flag value`, `--flag=value`, boolean `--flag`, and positional `key=value` overrides.
class Args
{
public:
    /// `valued` flags take a value; `booleans` do not. Anything else is a UsageError.
    Args(const std::string& command, int argc, char** argv, const std::set<std::string>& valued,
         const std::set<std::string>& booleans = {});

    bool has(const std::string& flag) const;
    std::string get(const std::string& flag, const std::string& fallback = {}) const;
    std::string required(const std::string& flag) const;
    int getInt(const std::string& flag, int fallback) const;
    double getDouble(const std::string& flag, double fallback) const;
    /// All values of a flag given several times (e.g. --imgsz 640 --imgsz 480 or --imgsz 640 480).
    std::vector<std::string> getAll(const std::string& flag) const;
    const std::vector<std::string>& positional() const { return m_positional; }

private:
    std::string m_command;
    std::multimap<std::string, std::string> m_values;
    std::vector<std::string> m_positional;
};

} // namespace retort::cli
