#pragma once

#include <QString>
#include <QStringList>

namespace retort::widgets {

/// Sets one value in YAML text in place, keeping comments, order and the rest of the text:
/// the value's characters are replaced, or a missing key is inserted into its (block or flow)
/// mapping. `value` is YAML text (use yamlScalar() for a plain string). Returns the text
/// unchanged when it does not parse as YAML or a parent on the path is not a mapping.
///
///   text = setYamlValue(text, {"train", "epochs"}, "20");
///   text = setYamlValue(text, {"arms"}, "[baseline, logit+loc]");
QString setYamlValue(const QString& text, const QStringList& path, const QString& value);

/// A string as a YAML scalar, quoted only when a plain scalar would not read back the same.
QString yamlScalar(const QString& s);

} // namespace retort::widgets
