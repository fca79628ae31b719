#pragma once

#include "metatypes.h"

#include "train/experimentconfig.h"
#include "train/trainercontrol.h"

#include <QMutex>
#include <QObject>
#include <QThread>
#include <QTimer>

#include <memory>

namespace retort::app {

/// Runs a Trainer or a whole study on a worker QThread and re-emits the observer callbacks as
/// queued signals; step updates are coalesced to at most ~10 per second so that plots never
/// stall the UI. Pause / resume / stop go through TrainerControl; stop writes a checkpoint.
///
///   RunController rc;
///   connect(&rc, &RunController::stepsReady, lossPlot, …);
///   rc.startStudy(config);
class RunController : public QObject
{
    Q_OBJECT
public:
    enum class Mode { Study, Run };

    explicit RunController(QObject* parent = nullptr);
    ~RunController() override;

    bool isRunning() const;
    RunState state() const { return m_state; }

    /// Every arm of the experiment (reusing finished arms, resuming unfinished ones).
    void startStudy(const ExperimentConfig& config);
    /// One arm; `resume` continues from its last checkpoint.
    void startRun(const ExperimentConfig& config, bool resume);

public slots:
    /// Requests a pause between steps; state() becomes Paused when the trainer has paused.
    void pause();
    /// Lets a paused trainer continue; state() follows the trainer's.
    void resume();
    void stop();
    /// Blocks until the worker has finished (after stop()); used when closing the window.
    void waitForFinished();

signals:
    void stateChanged(retort::RunState state);
    void runStarted(const retort::RunInfo& info);
    /// Steps since the last emission, oldest first (coalesced, <= ~10 Hz).
    void stepsReady(const QVector<retort::StepMetrics>& steps);
    void epochEnded(const retort::EpochMetrics& epoch);
    void validated(const retort::ValMetrics& val);
    void checkpointWritten(const retort::CheckpointInfo& checkpoint);
    void runFinished(const retort::RunSummary& summary);
    /// The whole job (run or study) is over; `ok` false after a failure.
    void jobFinished(bool ok, const QString& message);
    void failed(const QString& message);
    void logLine(const QString& line);

private:
    void start(const ExperimentConfig& config, Mode mode, bool resume);
    void flushSteps();
    friend class ControllerObserver;

    QThread* m_thread = nullptr;
    TrainerControl m_control;
    QTimer m_flush;
    QMutex m_mutex;
    QVector<StepMetrics> m_pending;
    RunState m_state = RunState::Idle;
    quint64 m_job = 0; ///< the current job's number; a finished job's queued call checks it
};

} // namespace retort::app
