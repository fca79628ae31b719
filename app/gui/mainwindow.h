#pragma once

#include "train/trainerobserver.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QSet>
#include <QPointer>

class QAction;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QTabWidget;
class QThread;

namespace retort::widgets {
class AttentionView;
class CompareView;
class ExperimentPanel;
class ResultsView;
class RunsPanel;
class TrainingCharts;
} // namespace retort::widgets

namespace retort::app {

class InferenceWorker;
class RunController;

/// The workbench window: the Experiment and Runs panels, the Training, Compare, Attention and
/// Results tabs, and the run controls. Training runs on RunController's worker thread and
/// inference for Compare/Attention on InferenceWorker's; nothing heavy runs on the UI thread.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Loads an experiment file (or the embedded default when `path` is empty).
    bool openExperiment(const QString& path);
    /// Models of the Compare and Attention tabs (either may be empty).
    void setCompareModels(const QString& teacher, const QString& student);
    /// Opens images (or folders) in the Compare tab and shows it.
    void openImages(const QStringList& paths);
    /// Shows a finished study's table and chart in the Results tab and lists its runs (the
    /// study directory's parent becomes the Runs panel's directory). False when unreadable.
    bool openStudy(const QString& studyCsvPath);

    widgets::TrainingCharts* trainingCharts() const { return m_charts; }
    widgets::CompareView* compareView() const { return m_compare; }
    widgets::AttentionView* attentionView() const { return m_attention; }
    RunController* runController() const { return m_controller; }
    /// The checkpoint File → Export offers first: the last student run's best weights, else the
    /// Compare student (never a teacher's run).
    QString exportCandidate() const { return m_lastBest.isEmpty() ? m_studentWeights : m_lastBest; }
    QTabWidget* tabs() const { return m_tabs; }
    widgets::RunsPanel* runsPanel() const { return m_runs; }
    /// The whole study while one runs from here: "study: 1 of 3 runs done (now baseline;
    /// pending: inherit) · study ETA 3m10s"; empty when no study runs.
    QString studyProgressText() const;
    /// The status bar's run line ("shapes-quick / lad: paused (F6 resumes)", "Done", …).
    QString runStatusText() const;
    /// Help → Keyboard shortcuts: every action with a shortcut (key, then what it does, menu
    /// accelerators removed) and the Compare/Attention image keys, one per line.
    QString shortcutsText() const;

public slots:
    void startStudy();
    void startSelectedArm();
    /// Runs one arm of the experiment (resuming its checkpoint when there is one); the study's
    /// teacher is pre-trained or loaded first, as the study would.
    void startArm(const QString& arm);
    void togglePause();
    void stopRun();
    void resumeRun(const QString& runDir);

protected:
    void closeEvent(QCloseEvent* event) override;
    /// With unsaved experiment changes: asks to save, discard or cancel (`action` names what
    /// follows, e.g. "quitting"). False when the user cancels or saving fails.
    bool settleUnsavedChanges(const QString& action);
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildActions();
    /// The run's state in the status bar and in its Runs panel row.
    void showRunState(RunState state);
    void buildMenus();
    void connectController();
    void updateActions();
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    bool saveExperiment(bool saveAs);
    void chooseModel(bool teacher);
    void exportWeights(const QString& weights);
    void onRunStarted(const RunInfo& info);
    void onSteps(const QVector<StepMetrics>& steps);
    void onRunFinished(const RunSummary& summary);
    void onJobFinished(bool ok, const QString& message);
    void restoreSettings();
    /// What restoreSettings() reads next time: window layout, tab, Compare thresholds and
    /// models, chart smoothing and log scale (written when the window closes).
    void saveSettings();
    QString workspace() const;

    RunController* m_controller;
    InferenceWorker* m_worker;
    QThread* m_inferenceThread;

    QTabWidget* m_tabs;
    widgets::ExperimentPanel* m_experiment;
    widgets::RunsPanel* m_runs;
    widgets::TrainingCharts* m_charts;
    QPlainTextEdit* m_log;
    widgets::CompareView* m_compare;
    widgets::AttentionView* m_attention;
    widgets::ResultsView* m_results;

    QLabel* m_statusRun;
    QLabel* m_statusProgress;
    QLabel* m_statusStudy = nullptr;
    QProgressBar* m_progress;

    QAction* m_openAction = nullptr;
    QAction* m_saveAction = nullptr;
    QAction* m_saveAsAction = nullptr;
    QAction* m_studyAction = nullptr;
    QAction* m_armAction = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_stopAction = nullptr;
    QAction* m_openImagesAction = nullptr;
    QAction* m_exportAction = nullptr;
    QMenu* m_recentMenu = nullptr;

    QString m_teacherWeights;
    QString m_studentWeights;
    QString m_lastBest;
    QString m_studyDir;
    QString m_savedYaml; ///< the experiment text as last opened or saved (the window's modified marker)
    RunInfo m_runInfo;
    // The study started here: its runs in order (the teacher first when it is trained), which
    // are done, and how long the finished ones took (for the study ETA).
    QStringList m_studyPlan;
    QSet<QString> m_studyDone;
    double m_studySecondsDone = 0;
    int m_studyRunsTimed = 0;
    QElapsedTimer m_runClock;
    double m_runEta = 0;
    void updateStudyProgress();
};

} // namespace retort::app
