#pragma once

#include <QSettings>
#include <QString>
#include <QVariant>

namespace retort::app {

/// A typed QSettings entry (qBittorrent's SettingValue<T>): one key, one type, one default.
///
///   SettingValue<QString> theme{"ui/theme", "system"};
///   theme = "dark";   QString t = theme;
template <typename T>
class SettingValue
{
public:
    SettingValue(QString key, T fallback) : m_key(std::move(key)), m_fallback(std::move(fallback)) {}

    T get() const { return QSettings().value(m_key, QVariant::fromValue(m_fallback)).template value<T>(); }
    void set(const T& value) { QSettings().setValue(m_key, QVariant::fromValue(value)); }
    operator T() const { return get(); }
    SettingValue& operator=(const T& value)
    {
        set(value);
        return *this;
    }
    const QString& key() const { return m_key; }

private:
    QString m_key;
    T m_fallback;
};

} // namespace retort::app
