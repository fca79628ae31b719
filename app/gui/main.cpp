#include "mainwindow.h"

#include "util/threads.h"
#include "widgets/theme.h"

#include <QApplication>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Retort"));
    QApplication::setOrganizationName(QStringLiteral("Retort"));
    retort::configureThreads();
    retort::widgets::applyTheme(app, retort::widgets::Theme::System);
    retort::app::MainWindow window;
    window.show();
    return QApplication::exec();
}
