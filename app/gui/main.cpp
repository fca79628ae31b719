#include "mainwindow.h"
#include "metatypes.h"
#include "runcontroller.h"
#include "settings.h"

#include "util/threads.h"
#include "widgets/attentionview.h"
#include "widgets/theme.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTabWidget>
#include <QTimer>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace {

/// The workbench's command line; built before the QApplication too, so that --help and
/// --version answer on a machine without a display.
struct Options
{
    QCommandLineOption shot{QStringLiteral("screenshot"), QStringLiteral("save the window to FILE after --delay ms, then quit"),
                            QStringLiteral("FILE")};
    QCommandLineOption delay{QStringLiteral("delay"), QStringLiteral("ms before --screenshot"), QStringLiteral("MS"),
                             QStringLiteral("3000")};
    QCommandLineOption tab{QStringLiteral("tab"), QStringLiteral("tab to show first (0-3)"), QStringLiteral("N")};
    QCommandLineOption images{QStringLiteral("images"), QStringLiteral("images to open in Compare"), QStringLiteral("PATH")};
    QCommandLineOption models{QStringLiteral("compare"), QStringLiteral("teacher and student weights for Compare, comma-separated"),
                              QStringLiteral("T,S")};
    QCommandLineOption study{QStringLiteral("run-study"), QStringLiteral("start the experiment's study at once")};
    QCommandLineOption arm{QStringLiteral("run-arm"), QStringLiteral("start one arm of the experiment at once"),
                           QStringLiteral("ARM")};
    QCommandLineOption results{QStringLiteral("study"), QStringLiteral("open a finished study's study.csv in Results"),
                               QStringLiteral("CSV")};
    QCommandLineOption attention{QStringLiteral("attention"), QStringLiteral("maps of the Attention tab: spatial or channel"),
                                 QStringLiteral("KIND")};

    void addTo(QCommandLineParser& cli) const
    {
        cli.setApplicationDescription(QStringLiteral("Retort: knowledge distillation workbench for YOLO detectors"));
        cli.addHelpOption();
        cli.addVersionOption();
        cli.addPositionalArgument(QStringLiteral("experiment"), QStringLiteral("experiment YAML to open (optional)"));
        cli.addOptions({shot, delay, tab, images, models, study, arm, results, attention});
    }
};

/// Answers --help / --version (and reports bad options) without a display: QCommandLineParser
/// exits the process for those. Returns when the workbench should start.
void answerWithoutDisplay(int argc, char** argv)
{
    bool informational = false;
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        informational = informational || a == "-h" || a == "--help" || a == "--help-all" || a == "-v" || a == "--version";
    }
    if (!informational)
        return;
    QCoreApplication core(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("Retort"));
    QCoreApplication::setApplicationVersion(QStringLiteral(RETORT_VERSION));
    const Options o;
    QCommandLineParser cli;
    o.addTo(cli);
    cli.process(core); // prints and exits
}

} // namespace

int main(int argc, char** argv)
{
    answerWithoutDisplay(argc, argv);
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
    const Options opt;
    QCommandLineParser cli;
    opt.addTo(cli);
    cli.process(app);
    const auto& [shot, delay, tab, images, models, study, arm, results, attention] = opt;

    retort::app::MainWindow window;
    if (!cli.positionalArguments().isEmpty())
        window.openExperiment(cli.positionalArguments().first());
    window.resize(1500, 920);
    window.show();
    if (cli.isSet(models)) {
        const QStringList m = cli.value(models).split(QLatin1Char(','));
        window.setCompareModels(m.value(0), m.value(1));
    }
    if (cli.isSet(images))
        window.openImages(cli.values(images));
    if (cli.isSet(results) && !window.openStudy(cli.value(results)))
        qWarning("%s: not a readable study table", qPrintable(cli.value(results)));
    if (cli.isSet(attention))
        window.attentionView()->setMode(cli.value(attention) == QLatin1String("channel")
                                            ? retort::widgets::AttentionView::Mode::Channel
                                            : retort::widgets::AttentionView::Mode::Spatial);
    if (cli.isSet(tab))
        window.tabs()->setCurrentIndex(cli.value(tab).toInt());
    if (cli.isSet(study))
        window.startStudy();
    else if (cli.isSet(arm))
        window.startArm(cli.value(arm));
    if (cli.isSet(shot)) {
        QTimer::singleShot(cli.value(delay).toInt(), &window, [&window, file = cli.value(shot)] {
            window.grab().save(file);
            // Scripted use: stop a run (its checkpoint is written) without the close dialog's
            // question, which would wait forever on an offscreen platform.
            if (window.runController()->isRunning()) {
                window.runController()->stop();
                window.runController()->waitForFinished();
            }
            QApplication::quit();
        });
    }
    return QApplication::exec();
}
