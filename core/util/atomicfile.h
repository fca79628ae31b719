#pragma once

#include <string>

namespace retort {

/// Writes `data` to `path` through a temporary file in the same directory and an atomic
/// rename, so that readers never see a half-written file and a crash leaves the old one.
/// Creates missing parent directories. Throws Error naming the path on failure.
void writeFileAtomic(const std::string& path, const std::string& data);

/// Reads a whole file; throws InputError naming the path when it cannot.
std::string readFile(const std::string& path);

} // namespace retort
