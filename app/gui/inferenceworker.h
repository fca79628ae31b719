#pragma once

#include "widgets/comparisonresult.h"

#include <QList>
#include <QMutex>
#include <QObject>
#include <QString>

#include <memory>
#include <optional>

namespace retort::app {

/// Runs the teacher and the student on one image for the Compare and Attention tabs, off the
/// UI thread: letterbox once, one forward per model with the aligned layers tapped, NMS at
/// conf 0.001 / IoU 0.7 / 300 boxes (the views filter further), attention maps per layer.
/// A request that arrives while one is running replaces any request still waiting, so
/// dropping twenty images runs at most two. Loading other models re-runs the last image, so
/// the Compare and Attention views follow a checkpoint switch without a new request.
///
///   auto* thread = new QThread(this);
///   auto* worker = new InferenceWorker;
///   worker->moveToThread(thread);
///   connect(thread, &QThread::finished, worker, &QObject::deleteLater);
///   connect(worker, &InferenceWorker::resultReady, compareView, &CompareView::setResult);
///   thread->start();
///   QMetaObject::invokeMethod(worker, "setModels", Q_ARG(QString, t), Q_ARG(QString, s));
///   QMetaObject::invokeMethod(worker, "run", Q_ARG(QString, "bus.jpg"), Q_ARG(int, 640));
class InferenceWorker : public QObject
{
    Q_OBJECT
public:
    explicit InferenceWorker(QObject* parent = nullptr);
    ~InferenceWorker() override;

    /// How many images were processed (superseded requests are not).
    int processedCount() const;

public slots:
    /// Loads (and fuses) the models; an empty path leaves that side out. Emits trainedSizeChanged() and modelsLoaded()
    /// or failed() (the side that failed is then empty), then re-runs the last image, if any.
    void setModels(const QString& teacherPath, const QString& studentPath);
    /// Aligned tap pairs for the attention maps, teacher layer i with student layer i
    /// (default 15/18/21 on both: YOLOv8's P3/P4/P5 neck outputs).
    void setLayers(const QList<int>& teacherLayers, const QList<int>& studentLayers);
    /// Requests inference on an image at `imgsz` (long side); thread-safe.
    void run(const QString& imagePath, int imgsz);

signals:
    void modelsLoaded(const QString& teacherName, const QString& studentName);
    /// Emitted with modelsLoaded(), before it: the image size the student was trained at (the
    /// teacher's when there is no student; 640 when the files record none, as for COCO weights).
    void trainedSizeChanged(int imgsz);
    void resultReady(const retort::widgets::ComparisonResult& result);
    void failed(const QString& message);
    /// One image could not be read or run (the models are fine).
    void imageFailed(const QString& path, const QString& message);

private:
    struct Request
    {
        QString imagePath;
        int imgsz = 640;
    };
    struct Models;

    void processPending();
    widgets::ComparisonResult process(const Request& request);

    std::unique_ptr<Models> m_models;
    /// Attention layers; empty: the layers feeding each model's Detect, level by level.
    QList<int> m_teacherLayers;
    QList<int> m_studentLayers;
    mutable QMutex m_mutex; // guards the four below
    std::optional<Request> m_pending;
    std::optional<Request> m_last; // the last image processed, re-run when the models change
    bool m_scheduled = false;
    int m_processed = 0;
};

} // namespace retort::app
