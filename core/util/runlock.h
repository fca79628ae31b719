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

/// Who holds `<dir>/.lock`, read without locking (a probe by flock could make a trainer that
/// is just starting fail to take it): the pid the file names when that process is alive (this
/// one included), 0 when the file names no live process (released, or its owner was killed),
/// -1 when there is no lock file (a run written by another tool).
long runLockOwner(const std::string& dir);

/// Removes `<name>.tmp.<pid>` files in `dir` (not recursive) left by processes that no longer
/// run, or by this one. Returns how many were removed.
int removeStaleTemporaries(const std::string& dir);

} // namespace retort
