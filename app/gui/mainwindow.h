#pragma once

#include <QMainWindow>

namespace retort::app {

/// The workbench window: experiment panel, runs, and the Training/Compare/Attention/Results tabs.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
};

} // namespace retort::app
