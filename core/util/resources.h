#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace retort {

/// Text files compiled into the binary (architecture YAMLs under "models/", default
/// experiments under "experiments/").
///
///   auto yaml = embeddedResource("models/yolov8.yaml");
std::optional<std::string_view> embeddedResource(std::string_view name);
std::vector<std::string> embeddedResourceNames();

} // namespace retort
