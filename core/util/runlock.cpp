#include "util/runlock.h"

#include "util/error.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace retort {

RunLock::RunLock(const std::string& dir) : m_path((fs::path(dir) / ".lock").string())
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0)
        throw InputError(dir + ": cannot create the run lock " + m_path + " (" + std::strerror(errno) + ")");
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        const int why = errno;
        char buf[32] = {};
        const ssize_t n = ::pread(m_fd, buf, sizeof buf - 1, 0);
        ::close(m_fd);
        m_fd = -1;
        if (why != EWOULDBLOCK)
            throw InputError(dir + ": cannot lock the run directory (" + std::strerror(why) + ")");
        const long pid = n > 0 ? std::strtol(buf, nullptr, 10) : 0;
        throw InputError(dir + ": the run directory is in use by " +
                         (pid > 0 ? "pid " + std::to_string(pid) : std::string("another process")) +
                         " (another trainer owns it; wait for it or stop it first)");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(m_fd, 0) != 0 || ::pwrite(m_fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        // The lock holds regardless; only the owner's name for a second trainer's message is lost.
    }
}

RunLock::~RunLock()
{
    if (m_fd >= 0) {
        // Truncate first so a reader racing the unlock never names a pid that has let go.
        if (::ftruncate(m_fd, 0) != 0) {
        }
        ::flock(m_fd, LOCK_UN);
        ::close(m_fd);
    }
}

long runLockOwner(const std::string& dir)
{
    const std::string path = (fs::path(dir) / ".lock").string();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    const long pid = n > 0 ? std::strtol(buf, nullptr, 10) : 0;
    if (pid <= 0)
        return 0;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM ? pid : 0;
}

int removeStaleTemporaries(const std::string& dir)
{
    int removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const auto pos = name.rfind(".tmp.");
        if (pos == std::string::npos)
            continue;
        const std::string digits = name.substr(pos + 5);
        if (digits.empty() || digits.size() > 10 || digits.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const long pid = std::strtol(digits.c_str(), nullptr, 10);
        const bool alive = pid > 0 && pid != ::getpid() && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
        if (alive)
            continue;
        std::error_code rm;
        if (fs::remove(it->path(), rm))
            ++removed;
    }
    return removed;
}

} // namespace retort
