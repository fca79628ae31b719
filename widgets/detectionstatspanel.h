#pragma once

#include "eval/detection.h"

#include <QWidget>

#include <vector>

class QLabel;
class QTextBrowser;
class QToolButton;

namespace retort::widgets {

/// The statistics of one model's detections: per class the count and the sorted confidences
/// (those below the warning level in amber, a class whose best confidence is below it flagged
/// as a whole), and the one-line count report with a Copy button. CompareView holds one per
/// model; it works alone too:
///
///   auto* panel = new DetectionStatsPanel;
///   panel->setTitle(tr("Student"));
///   panel->setDetections(filterDetections(result.student.detections, 0.25, 0.7));
///   QString line = panel->countReport();  // "person 4, bus 1"
class DetectionStatsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit DetectionStatsPanel(QWidget* parent = nullptr);

    void setTitle(const QString& title);
    void setDetections(const std::vector<Detection>& detections);
    void setWarningLevel(double level);

    /// "person 5, car 3, bicycle 2".
    QString countReport() const;
    /// The panel as plain text: the title, one line per class ("person 5: 0.92 0.87 …", a
    /// trailing " (low)" on flagged classes), then the count report.
    QString plainText() const;
    /// Class names flagged as low confidence (best confidence below the warning level).
    QStringList flaggedClasses() const;

public slots:
    /// Puts the count report on the clipboard.
    void copyReport();

private:
    void refresh();

    QLabel* m_title;
    QTextBrowser* m_table;
    QLabel* m_report;
    QToolButton* m_copy;
    std::vector<Detection> m_detections;
    double m_warningLevel = 0.4;
};

} // namespace retort::widgets
