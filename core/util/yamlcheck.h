#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace retort {

/// yaml-cpp keeps the first of two equal keys and says nothing; a config where `lr0` appears
/// twice would silently train with the value the user did not mean. Throws InputError
/// "origin:line: duplicate key 'a.b' (first at line N)" for the first repeated key anywhere.
void rejectDuplicateKeys(const YAML::Node& node, const std::string& origin, const std::string& path = {});

/// "file:line" of a dotted key (`distill.feature.layers`) in a YAML file, for errors found
/// after parsing (when the model is built); just `file` when the file cannot be read or does not
/// hold the key (a default, or an override).
///
///   throw InputError(yamlKeyLocation(cfg.sourcePath, "distill.feature.layers") + ": " + what);
std::string yamlKeyLocation(const std::string& file, const std::string& dottedKey);

} // namespace retort
