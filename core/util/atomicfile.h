#pragma once

#include <string>

namespace retort {

/// Writes `data` to `path` through a temporary file in the same directory and an atomic
/// rename, so that readers never see a half-written file and a crash leaves the old one.
/// The data is fsynced before the rename and the directory after it, and every result is
/// checked. Creates missing parent directories. Throws Error naming the path on failure.
void writeFileAtomic(const std::string& path, const std::string& data);

/// fsync()s a directory so that the renames in it survive a power loss. Throws Error on failure.
void syncDirectory(const std::string& dir);

/// rename(2) then syncDirectory of the target's directory. Throws Error naming both paths.
void renameDurable(const std::string& from, const std::string& to);

/// Reads a whole file; throws InputError naming the path when it cannot.
std::string readFile(const std::string& path);

} // namespace retort
