#include "testdata.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace fs = std::filesystem;

namespace retort::test {

std::string sharedDataDir()
{
    const char* env = std::getenv("RETORT_SHARED_DATA");
    const std::string dir = env && *env ? env : "../shared/data";
    std::error_code ec;
    if (!fs::is_directory(fs::path(dir) / "weights", ec))
        return {};
    return fs::absolute(dir).lexically_normal().string();
}

std::string sharedPath(const std::string& relative)
{
    const std::string root = sharedDataDir();
    return root.empty() ? std::string() : root + "/" + relative;
}

std::string cliPath()
{
    const char* env = std::getenv("RETORT_CLI");
    return env ? env : "retort-cli";
}

namespace {
struct TempDirs
{
    std::vector<fs::path> dirs;
    ~TempDirs()
    {
        if (std::getenv("RETORT_KEEP_TEST_FILES"))
            return;
        std::error_code ec;
        for (const auto& d : dirs)
            fs::remove_all(d, ec);
    }
};
TempDirs& tempDirs()
{
    static TempDirs dirs;
    return dirs;
}
} // namespace

std::string tempDir(const std::string& tag)
{
    std::string pattern = (fs::temp_directory_path() / ("retort-" + tag + "-XXXXXX")).string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    const char* made = mkdtemp(buf.data());
    if (!made)
        return {};
    tempDirs().dirs.emplace_back(made);
    return made;
}

int runCommand(const std::string& command, std::string* output)
{
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe)
        return -1;
    std::array<char, 4096> buf{};
    std::string text;
    size_t n = 0;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0)
        text.append(buf.data(), n);
    const int status = pclose(pipe);
    if (output)
        *output = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace retort::test
