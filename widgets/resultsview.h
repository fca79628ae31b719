#pragma once

#include "train/studytable.h"

#include <QString>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QLabel;
class QPushButton;
class QTableWidget;

namespace retort::widgets {

/// The Results tab: a study's table (study.csv) and a bar chart of mAP50-95 per arm with the
/// teacher as a reference line. A row's checkpoint (best.safetensors of its run) can be sent to
/// the export dialog.
///
///   auto* results = new ResultsView;
///   results->loadStudy("runs/shapes-quick/study.csv");
///   connect(results, &ResultsView::exportRequested, this, &MainWindow::showExportDialog);
class ResultsView : public QWidget
{
    Q_OBJECT

public:
    enum Column { ArmColumn, MethodColumn, MapColumn, Map50Column, RetentionColumn, GainColumn,
                  ParamsColumn, GflopsColumn, MsColumn, ColumnCount };

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

signals:
    void exportRequested(const QString& weightsPath);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuildChart();
    /// Slanted arm names only when they do not fit side by side under the bars.
    void updateTickRotation();
    /// The table no taller than its rows, so that the chart gets the rest of the tab.
    void fitTableHeight();
    void showMenu(const QPoint& pos);
    void requestExport(int row);

    QString m_path;
    std::vector<retort::StudyRow> m_rows;
    QLabel* m_title;
    QTableWidget* m_table;
    QCustomPlot* m_chart;
    QPushButton* m_export;
    QStringList m_tickLabels;
};

} // namespace retort::widgets
