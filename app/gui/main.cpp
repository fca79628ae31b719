#include "mainwindow.h"
#include "metatypes.h"
#include "settings.h"

#include "util/threads.h"
#include "widgets/theme.h"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

int main(int argc, char** argv)
{
    QApplication::setHighDpiScaleFactorRoundingPolicy(Qt::HighDpiScaleFactorRoundingPolicy::PassThrough);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Retort"));
    QApplication::setOrganizationName(QStringLiteral("Retort"));
    QApplication::setApplicationVersion(QStringLiteral(RETORT_VERSION));
    retort::app::registerMetaTypes();

    // Language: the setting, or the system's; Qt's own strings (dialog buttons) follow too.
    const QString language = retort::app::SettingValue<QString>{QStringLiteral("ui/language"), QStringLiteral("system")};
    const QLocale locale = language == QLatin1String("system") ? QLocale::system() : QLocale(language);
    QTranslator qtTranslator, appTranslator;
    if (qtTranslator.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    if (appTranslator.load(locale, QStringLiteral("retort"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QApplication::installTranslator(&appTranslator);

    retort::configureThreads();
    const QString theme = retort::app::SettingValue<QString>{QStringLiteral("ui/theme"), QStringLiteral("system")};
    retort::widgets::applyTheme(app, theme == QLatin1String("dark")    ? retort::widgets::Theme::Dark
                                     : theme == QLatin1String("light") ? retort::widgets::Theme::Light
                                                                       : retort::widgets::Theme::System);
    retort::app::MainWindow window;
    window.show();
    return QApplication::exec();
}
