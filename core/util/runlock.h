#pragma once

#include <string>

namespace retort {

/// An advisory lock (flock) on a run directory, held while a Trainer owns it and released by
/// the kernel when the process dies, however it dies. The lock file `<dir>/.lock` holds the
/// owner's pid so that a second trainer can say who has the run.
///
///   RunLock lock(runDir);   // throws InputError "… is in use by pid 4242 …"
class RunLock
{
public:
    explicit RunLock(const std::string& dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

    const std::string& path() const { return m_path; }

private:
    std::string m_path;
    int m_fd = -1;
};

/// Removes `<name>.tmp.<pid>` files in `dir` (not recursive) left by processes that no longer
/// run, or by this one. Returns how many were removed.
int removeStaleTemporaries(const std::string& dir);

} // namespace retort
