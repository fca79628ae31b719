#include "util/atomicfile.h"

#include "util/error.h"
#include "util/testhook.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace retort {

void writeFileAtomic(const std::string& path, const std::string& data)
{
    const fs::path target(path);
    std::error_code ec;
    if (target.has_parent_path())
        fs::create_directories(target.parent_path(), ec);
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw Error(path + ": cannot write (" + std::strerror(errno) + ")");
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            throw Error(path + ": write failed (" + why + ")");
        }
        done += static_cast<size_t>(n);
    }
    testKillPoint("write");
    // Data first, then the name: a crash after the rename must not expose an empty file.
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        throw Error(path + ": cannot flush to disk (" + why + ")");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        throw Error(path + ": cannot rename into place (" + why + ")");
    }
    syncDirectory(target.has_parent_path() ? target.parent_path().string() : std::string("."));
}

void syncDirectory(const std::string& dir)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        throw Error(dir + ": cannot open the directory to sync it (" + std::strerror(errno) + ")");
    const int rc = ::fsync(fd);
    const int why = errno;
    ::close(fd);
    // Some file systems cannot sync a directory (EINVAL); the rename is as durable as they allow.
    if (rc != 0 && why != EINVAL && why != EROFS)
        throw Error(dir + ": cannot sync the directory (" + std::strerror(why) + ")");
}

void renameDurable(const std::string& from, const std::string& to)
{
    if (std::rename(from.c_str(), to.c_str()) != 0)
        throw Error(to + ": cannot rename " + from + " into place (" + std::strerror(errno) + ")");
    const fs::path target(to);
    syncDirectory(target.has_parent_path() ? target.parent_path().string() : std::string("."));
}

std::string readFile(const std::string& path)
{
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw InputError(path + ": no such file");
    if (fs::is_directory(path, ec))
        throw InputError(path + ": is a directory, expected a file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path + ": cannot open (" + std::strerror(errno) + ")");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace retort
