#pragma once

#include <cstdint>
#include <string>

namespace retort {

/// SHA-256 of a byte string, as 64 lowercase hex digits (FIPS 180-4).
///
///   std::string digest = sha256Hex(readFile("yolov8n.safetensors"));
std::string sha256Hex(const std::string& data);

/// SHA-256 of a file's content; throws InputError naming the path when it cannot be read.
std::string sha256File(const std::string& path);

} // namespace retort
