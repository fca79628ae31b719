#pragma once

#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace retort {

/// Contents of a safetensors file: named tensors in file order plus the string metadata.
struct SafeTensors
{
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    std::map<std::string, std::string> metadata;

    /// The tensor called `name`, or an undefined tensor.
    torch::Tensor get(const std::string& name) const;
    /// The tensor called `name`; throws InputError naming `origin` when absent.
    torch::Tensor at(const std::string& name, const std::string& origin) const;
    std::string meta(const std::string& key, const std::string& fallback = {}) const;
};

/// Parses safetensors bytes. `origin` (usually the file path) prefixes every error message.
/// Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL. Every malformation
/// (short file, header past the end, bad JSON, offsets out of range or overlapping the header,
/// size not matching the shape, unknown dtype) throws InputError; nothing is read out of bounds.
SafeTensors parseSafetensors(const std::string& bytes, const std::string& origin);

/// Reads a safetensors file.
///
///   auto st = readSafetensors("yolov8n.safetensors");
///   torch::Tensor w = st.at("model.0.conv.weight", "yolov8n.safetensors");
SafeTensors readSafetensors(const std::string& path);

/// Serialises tensors (contiguous CPU copies are made as needed) with metadata. `dtype`, when
/// set, converts every floating-point tensor to it (F32, F16 or BF16).
std::string serializeSafetensors(const SafeTensors& st,
                                 std::optional<torch::ScalarType> dtype = std::nullopt);

/// Writes a safetensors file atomically.
void writeSafetensors(const std::string& path, const SafeTensors& st,
                      std::optional<torch::ScalarType> dtype = std::nullopt);

} // namespace retort
