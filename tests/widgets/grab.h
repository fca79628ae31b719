#pragma once

#include <QCoreApplication>
#include <QWidget>

namespace retort::test {

/// Saves a rendering of `w` as <RETORT_GRAB_DIR>/<name>.png when that variable is set, so a
/// developer can look at the widget with the test's data.
inline void grabIfAsked(QWidget& w, const QString& name)
{
    const QString dir = qEnvironmentVariable("RETORT_GRAB_DIR");
    if (dir.isEmpty())
        return;
    w.show();
    QCoreApplication::processEvents();
    w.grab().save(dir + '/' + name + ".png");
}

} // namespace retort::test
