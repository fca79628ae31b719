#include "runcontroller.h"

#include "train/studyrunner.h"
#include "train/trainer.h"

#include <QCoreApplication>
#include <QMetaObject>

namespace retort::app {

void registerMetaTypes()
{
    qRegisterMetaType<retort::RunState>();
    qRegisterMetaType<retort::RunInfo>();
    qRegisterMetaType<retort::StepMetrics>();
    qRegisterMetaType<retort::EpochMetrics>();
    qRegisterMetaType<retort::ValMetrics>();
    qRegisterMetaType<retort::CheckpointInfo>();
    qRegisterMetaType<retort::RunSummary>();
    qRegisterMetaType<QVector<retort::StepMetrics>>();
}

/// Lives on the worker thread: forwards every callback to the controller's thread.
class ControllerObserver : public TrainerObserver
{
public:
    explicit ControllerObserver(RunController* c) : m_c(c) {}

    void onTrainStart(const RunInfo& info) override { post([c = m_c, info] { emit c->runStarted(info); }); }
    void onStateChanged(RunState s) override
    {
        post([c = m_c, s] {
            c->m_state = s;
            emit c->stateChanged(s);
        });
    }
    void onStep(const StepMetrics& s) override
    {
        QMutexLocker lock(&m_c->m_mutex);
        m_c->m_pending.push_back(s);
    }
    void onEpochEnd(const EpochMetrics& e) override
    {
        post([c = m_c, e] {
            c->flushSteps();
            emit c->epochEnded(e);
        });
    }
    void onValEnd(const ValMetrics& v) override { post([c = m_c, v] { emit c->validated(v); }); }
    void onCheckpoint(const CheckpointInfo& k) override { post([c = m_c, k] { emit c->checkpointWritten(k); }); }
    void onFinished(const RunSummary& s) override
    {
        post([c = m_c, s] {
            c->flushSteps();
            emit c->runFinished(s);
        });
    }
    void onFailed(const std::string& m) override
    {
        post([c = m_c, m] { emit c->failed(QString::fromStdString(m)); });
    }
    void onLog(const std::string& line) override
    {
        post([c = m_c, line] { emit c->logLine(QString::fromStdString(line)); });
    }

private:
    template <typename F>
    void post(F&& f)
    {
        QMetaObject::invokeMethod(m_c, std::forward<F>(f), Qt::QueuedConnection);
    }
    RunController* m_c;
};

RunController::RunController(QObject* parent) : QObject(parent)
{
    registerMetaTypes();
    m_flush.setInterval(100);
    connect(&m_flush, &QTimer::timeout, this, &RunController::flushSteps);
}

RunController::~RunController()
{
    if (isRunning()) {
        m_control.requestStop();
        waitForFinished();
    }
}

bool RunController::isRunning() const
{
    return m_thread && m_thread->isRunning();
}

void RunController::flushSteps()
{
    QVector<StepMetrics> steps;
    {
        QMutexLocker lock(&m_mutex);
        steps.swap(m_pending);
    }
    if (!steps.isEmpty())
        emit stepsReady(steps);
}

void RunController::startStudy(const ExperimentConfig& config)
{
    start(config, Mode::Study, false);
}

void RunController::startRun(const ExperimentConfig& config, bool resume)
{
    start(config, Mode::Run, resume);
}

void RunController::start(const ExperimentConfig& config, Mode mode, bool resume)
{
    if (isRunning())
        return;
    if (m_thread) {
        m_thread->wait();
        // The last job's queued signals, its jobFinished last, reach their receivers before
        // anything of the new job does.
        QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
        delete m_thread;
        m_thread = nullptr;
    }
    m_control.reset();
    const quint64 job = ++m_job;
    m_thread = QThread::create([this, config, mode, resume, job] {
        ControllerObserver observer(this);
        bool ok = true;
        QString message;
        try {
            if (mode == Mode::Study) {
                StudyRunner runner(config);
                const StudyResult r = runner.run(&observer, &m_control);
                message = r.stopped ? tr("Study stopped; start it again to resume.")
                                    : tr("Study finished: %1").arg(QString::fromStdString(r.csvPath));
            } else {
                StudyRunner runner(config);
                runner.prepare(&observer, &m_control);
                Trainer trainer(config);
                trainer.setResume(resume);
                if (config.distills())
                    trainer.setTeacher(runner.teacher());
                const RunSummary s = trainer.run(&observer, &m_control);
                message = s.stopped ? tr("Run stopped; checkpoint written.") : tr("Run finished.");
            }
        } catch (const std::exception& e) {
            ok = false;
            message = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            this,
            [this, ok, message, job] {
                // Runs when the UI thread gets to it, possibly after a newer job has started:
                // that job's thread and flush timer are not this one's to touch.
                if (job == m_job) {
                    m_flush.stop();
                    flushSteps();
                    if (m_thread)
                        m_thread->wait(); // the worker only has to return: isRunning() is false from here on
                }
                emit jobFinished(ok, message);
            },
            Qt::QueuedConnection);
    });
    m_thread->setObjectName(QStringLiteral("retort-train"));
    m_flush.start();
    m_thread->start();
}

// Pause and resume are requests: the trainer enters and leaves Paused through its transition
// function between steps (after a validation in progress, if one is), and state() mirrors the
// trainer's state only, so no later transition of the trainer can contradict it.
void RunController::pause()
{
    m_control.requestPause();
}

void RunController::resume()
{
    m_control.requestResume();
}

void RunController::stop()
{
    m_control.requestStop();
}

void RunController::waitForFinished()
{
    if (m_thread)
        m_thread->wait();
}

} // namespace retort::app
