#pragma once

#include "eval/detectionfilter.h"
#include "widgets/comparisonresult.h"

#include <QStringList>
#include <QWidget>

#include <vector>

class QDoubleSpinBox;
class QLabel;
class QSlider;
class QSpinBox;
class QToolButton;

namespace retort::widgets {

class DetectionCharts;
class DetectionStatsPanel;
class DetectionView;

/// Teacher and student detections on the same image, side by side. The confidence and IoU
/// sliders re-filter the stored low-threshold detections (filterDetections) at once, without
/// new inference; only a new image (Open…, drag & drop, next/previous) emits imageRequested().
/// Boxes without a same-class partner in the other model (IoU >= 0.5) are drawn dashed, and a
/// summary line counts them ("student missed 2, extra 1").
///
/// The inference size (long side, px) is on screen and selectable; the owner sets it to the size
/// the models were trained at whenever they change (setInferenceSize), and a user's change
/// re-runs the current image. ←/→ and PageUp/PageDown step through the images.
///
///   connect(view, &CompareView::imageRequested, worker, [=](const QString& p) { worker->run(p, view->inferenceSize()); });
///   connect(worker, &InferenceWorker::resultReady, view, &CompareView::setResult);
class CompareView : public QWidget
{
    Q_OBJECT
public:
    /// Margin in pixels around and between the panels of renderComparison().
    static constexpr int kExportMargin = 12;

    explicit CompareView(QWidget* parent = nullptr);

    double confidence() const;
    double iou() const;
    double warningLevel() const;
    /// The long side, in pixels, at which the models run (a multiple of 32; default 640).
    int inferenceSize() const;
    /// What a saved PNG records under the views: thresholds and input size, e.g.
    /// "conf 0.25 · IoU 0.70 · input 640 px".
    QString settingsText() const;
    /// How often imageRequested() was emitted.
    int inferenceRequests() const { return m_requests; }
    bool hasResult() const { return !m_result.imagePath.isEmpty() || !m_result.original.isNull(); }
    const ComparisonResult& result() const { return m_result; }

    /// The detections shown now (after the sliders) and how they match.
    const std::vector<Detection>& shownTeacher() const { return m_shownTeacher; }
    const std::vector<Detection>& shownStudent() const { return m_shownStudent; }
    const DetectionMatch& match() const { return m_match; }
    /// "student missed 2, extra 1" (empty unless both models have results).
    QString summary() const;
    /// The line under the views as shown (the match summary, progress or an error).
    QString summaryText() const;

    DetectionView* teacherView() const { return m_teacherView; }
    DetectionView* studentView() const { return m_studentView; }
    DetectionStatsPanel* teacherStats() const { return m_teacherStats; }
    DetectionStatsPanel* studentStats() const { return m_studentStats; }

    /// ←/→ and PageUp/PageDown step this view's images while focus is inside `scope` (this
    /// view, or another one showing the same image, such as the Attention tab).
    void installImageKeys(QWidget* scope);

    /// The images being browsed (from the last Open… or drop) and the one shown.
    QStringList images() const { return m_images; }
    int currentIndex() const { return m_index; }

    /// Both annotated images at full resolution side by side with titles, the statistics below
    /// and the summary line: width 2 * image width + 3 * kExportMargin.
    QImage renderComparison() const;

public slots:
    void setResult(const retort::widgets::ComparisonResult& result);
    void setConfidence(double conf);
    void setIou(double iou);
    void setWarningLevel(double level);
    /// Sets the inference size without requesting inference (the caller re-runs when it wants).
    void setInferenceSize(int imgsz);
    /// Files and folders (a folder contributes its images, sorted by name): browses them and
    /// requests the first.
    void openImages(const QStringList& paths);
    void showNext();
    void showPrevious();
    /// Writes renderComparison() to a PNG; false (and a message in the view) when it fails.
    bool saveComparison(const QString& pngPath);
    /// Shows a failure from the worker in the summary line.
    void showError(const QString& message);
    /// The image at `path` could not be read or run: its stale predecessor's boxes and
    /// statistics go, the image list stays (step on to the next one).
    void showImageError(const QString& path, const QString& message);
    /// Removes an error line (after the models it was about have loaded).
    void clearError();

signals:
    /// Inference wanted for a new image.
    void imageRequested(const QString& path);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void refilter();
    void requestCurrent();
    void updateNavigation();
    void updateTitles();
    void chooseImages();
    void chooseSaveFile();

    ComparisonResult m_result;
    std::vector<Detection> m_shownTeacher;
    std::vector<Detection> m_shownStudent;
    DetectionMatch m_match;
    QStringList m_images;
    int m_index = -1;
    int m_requests = 0;

    DetectionView* m_teacherView;
    DetectionView* m_studentView;
    DetectionStatsPanel* m_teacherStats;
    DetectionStatsPanel* m_studentStats;
    DetectionCharts* m_charts;
    QLabel* m_teacherTitle;
    QLabel* m_studentTitle;
    QLabel* m_summary;
    QLabel* m_imageLabel;
    QSlider* m_confSlider;
    QSlider* m_iouSlider;
    QLabel* m_confValue;
    QLabel* m_iouValue;
    QDoubleSpinBox* m_warning;
    QSpinBox* m_size;
    QToolButton* m_previous;
    QToolButton* m_next;
    QToolButton* m_save;
};

} // namespace retort::widgets
