#pragma once

#include <QString>

class QApplication;

namespace retort::widgets {

enum class Theme { System, Light, Dark };

/// Applies the Fusion style with a light or dark palette (System follows the platform).
void applyTheme(QApplication& app, Theme theme);
Theme themeFromString(const QString& name);
QString themeToString(Theme theme);

} // namespace retort::widgets
