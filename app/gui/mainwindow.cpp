#include "mainwindow.h"

#include <QLabel>
#include <QStatusBar>
#include <QTabWidget>

namespace retort::app {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(tr("Retort — distillation workbench"));
    auto* tabs = new QTabWidget(this);
    tabs->addTab(new QLabel(tr("Training")), tr("Training"));
    setCentralWidget(tabs);
    statusBar()->showMessage(tr("Ready"));
    resize(1280, 800);
}

} // namespace retort::app
