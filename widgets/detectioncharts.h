#pragma once

#include "eval/detection.h"

#include <QWidget>

#include <vector>

class QCPBarsGroup;
class QCustomPlot;

namespace retort::widgets {

/// Teacher and student side by side as grouped bars: detections per class, and a histogram of
/// confidences in bins of 0.1 (bins below the warning level shaded amber).
///
///   charts->setDetections(shownTeacher, shownStudent);
class DetectionCharts : public QWidget
{
    Q_OBJECT
public:
    explicit DetectionCharts(QWidget* parent = nullptr);

    void setDetections(const std::vector<Detection>& teacher, const std::vector<Detection>& student);
    void setWarningLevel(double level);
    void setNames(const QString& teacher, const QString& student);

    /// Confidence histogram of one set: 10 bins over [0, 1], a score of 1 in the last bin.
    static std::vector<int> histogram(const std::vector<Detection>& detections);

    QCustomPlot* countsPlot() const { return m_counts; }
    QCustomPlot* confidencePlot() const { return m_confidence; }

private:
    void replot();

    QCustomPlot* m_counts;
    QCustomPlot* m_confidence;
    QCPBarsGroup* m_countGroup;
    QCPBarsGroup* m_confidenceGroup;
    std::vector<Detection> m_teacher;
    std::vector<Detection> m_student;
    QString m_teacherName;
    QString m_studentName;
    double m_warningLevel = 0.4;
};

} // namespace retort::widgets
