#pragma once

#include <QString>
#include <QWidget>

class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace retort::widgets {

/// The Runs panel: the studies under a workspace runs/ directory and their runs, with status,
/// method, epoch, best mAP50-95 and retention. Double-click opens a run; stopped runs with a
/// checkpoint can be resumed from the context menu or the Resume button.
///
///   auto* runs = new RunsPanel;
///   runs->setRunsDir(workspace + "/runs");
///   connect(runs, &RunsPanel::runActivated, this, &MainWindow::openRun);
class RunsPanel : public QWidget
{
    Q_OBJECT

public:
    enum Column { NameColumn, StatusColumn, MethodColumn, EpochColumn, MapColumn, RetentionColumn, ColumnCount };
    /// Item data roles: the run or study directory, and whether a run can resume.
    enum Role { DirRole = Qt::UserRole + 1, ResumableRole, StudyCsvRole };

    explicit RunsPanel(QWidget* parent = nullptr);

    void setRunsDir(const QString& dir);
    QString runsDir() const { return m_runsDir; }
    QTreeWidget* tree() const { return m_tree; }
    /// The selected run's directory, "" when a study or nothing is selected.
    QString selectedRun() const;
    /// The Status text shown for `runDir` ("" when it is not listed).
    QString statusOf(const QString& runDir) const;

public slots:
    /// Rescans the runs directory, keeping the selection and expanded studies.
    void refresh();
    /// The state of the run being trained here ("paused", "stopping", …), shown in its row in
    /// place of what its files say, until called with an empty `runDir`.
    void setLiveState(const QString& runDir, const QString& state);

signals:
    void runActivated(const QString& runDir);
    void studyActivated(const QString& studyCsvPath);
    void resumeRequested(const QString& runDir);

private:
    void showMenu(const QPoint& pos);
    void onActivated(QTreeWidgetItem* item);
    void updateButtons();
    void applyLiveState();

    QString m_runsDir;
    QString m_liveDir;   ///< absolute, clean
    QString m_liveState;
    QTreeWidget* m_tree;
    QPushButton* m_resume;
    QPushButton* m_refresh;
};

} // namespace retort::widgets
