#pragma once

#include "train/studytable.h"

#include <QColor>
#include <QString>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QLabel;
class QPushButton;
class QTableWidget;

namespace retort::widgets {

/// The Results tab: a study's table (study.csv), a bar chart of mAP50-95 per arm with the
/// teacher as a reference line, and the per-class AP50-95 of teacher, baseline and best
/// distilled arm with their difference (sortable; green where distillation helped, amber where it
/// hurt). A row's checkpoint (best.safetensors of its run) can be sent to the export dialog.
///
///   auto* results = new ResultsView;
///   results->loadStudy("runs/shapes-quick/study.csv");
///   connect(results, &ResultsView::exportRequested, this, &MainWindow::showExportDialog);
class ResultsView : public QWidget
{
    Q_OBJECT

public:
    enum Column { ArmColumn, MethodColumn, MapColumn, Map50Column, RetentionColumn, GainColumn,
                  ApSmallColumn, ApMediumColumn, ApLargeColumn, RecallSmallColumn, LastMapColumn, BestEpochColumn,
                  ParamsColumn, GflopsColumn, MsColumn, ColumnCount };
    enum ClassColumn { ClassNameColumn, ClassInstancesColumn, ClassTeacherColumn, ClassBaselineColumn,
                       ClassBestColumn, ClassDeltaColumn, ClassColumnCount };
    /// Δ text colours in the per-class table.
    static QColor helpedColor();
    static QColor hurtColor();

    explicit ResultsView(QWidget* parent = nullptr);

    /// Reads a study.csv; returns false and shows the reason when it cannot be read.
    bool loadStudy(const QString& studyCsvPath);
    void setRows(const std::vector<retort::StudyRow>& rows);
    const std::vector<retort::StudyRow>& rows() const { return m_rows; }
    QString studyPath() const { return m_path; }
    /// The weights a row exports: <run_dir>/weights/best.safetensors ("" when it does not exist).
    QString weightsOf(int row) const;

    QTableWidget* table() const { return m_table; }
    QCustomPlot* chart() const { return m_chart; }
    /// Per-class AP50-95; its panel is hidden when no row of the study has per-class APs.
    QTableWidget* classTable() const { return m_classTable; }
    /// The line under the per-class table: what Δ compares, where distillation helped and hurt most.
    QLabel* classSummary() const { return m_classSummary; }

signals:
    void exportRequested(const QString& weightsPath);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    /// The arm's name, with its seed in a study of several seeds ("lad (seed 1)").
    QString armLabel(const retort::StudyRow& row) const;
    void rebuildChart();
    void fillClassTable();
    /// Slanted arm names only when they do not fit side by side under the bars.
    void updateTickRotation();
    /// The table no taller than its rows, so that the chart gets the rest of the tab.
    void fitTableHeight();
    void showMenu(const QPoint& pos);
    void requestExport(int row);

    QString m_path;
    std::vector<retort::StudyRow> m_rows;
    bool m_multiSeed = false;
    QLabel* m_title;
    QTableWidget* m_table;
    QCustomPlot* m_chart;
    QWidget* m_classPanel;
    QTableWidget* m_classTable;
    QLabel* m_classSummary;
    QPushButton* m_export;
    QStringList m_tickLabels;
};

} // namespace retort::widgets
