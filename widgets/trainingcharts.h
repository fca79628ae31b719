#pragma once

#include "train/trainerobserver.h"

#include <QMap>
#include <QStringList>
#include <QTimer>
#include <QVector>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QSlider;

namespace retort {
struct RunData;
}

namespace retort::widgets {

/// The Training tab: loss components, learning rate, and validation mAP of one run, live or
/// read back from disk. Points are buffered and the plots redrawn by a timer at most every
/// kReplotIntervalMs, so a fast trainer never floods the UI thread.
///
///   auto* charts = new TrainingCharts;
///   connect(controller, &RunController::step, charts, &TrainingCharts::addStep);
///   charts->loadRun(readRun("runs/shapes-quick/logit+loc"));
class TrainingCharts : public QWidget
{
    Q_OBJECT

public:
    enum class XAxis { Step, Epoch };
    static constexpr int kReplotIntervalMs = 100;

    explicit TrainingCharts(QWidget* parent = nullptr);

    /// Replaces everything with a run read from its files (its teacher line included).
    void loadRun(const retort::RunData& run);
    /// A resumed run's history (read from its files when it restarts), added right after
    /// startRun(). Steps, epochs and validations at or before the last one shown are ignored
    /// from then on, so live rows that the file already held are not drawn twice.
    void appendHistory(const retort::RunData& run);
    /// Batch points and validation points shown (tests).
    int stepCount() const { return static_cast<int>(m_lrStepX.size()); }
    int valCount() const { return static_cast<int>(m_valX.size()); }

    /// How many times the plots were redrawn (tests check the coalescing).
    int replotCount() const { return m_replots; }
    /// Loss components seen so far: box, cls, dfl, kd_logit, kd_loc, kd_feat_<layer>…, kd_feat,
    /// kd_relation, others, total.
    QStringList lossSeries() const { return m_lossOrder; }
    bool isSeriesVisible(const QString& name) const;
    void setSeriesVisible(const QString& name, bool visible);
    /// EMA weight of the previous smoothed value, 0 (raw) … 0.99.
    void setSmoothing(double factor);
    double smoothing() const { return m_smoothing; }
    void setLogScale(bool on);
    bool logScale() const;
    void setXAxis(XAxis axis);
    XAxis xAxis() const { return m_xAxis; }
    double teacherMap() const { return m_teacherMap; }

    QCustomPlot* lossPlot() const { return m_lossPlot; }
    QCustomPlot* lrPlot() const { return m_lrPlot; }
    QCustomPlot* valPlot() const { return m_valPlot; }

public slots:
    /// A live run starts: clears the charts, lists its loss components, shows its teacher line.
    void startRun(const retort::RunInfo& info);
    void addStep(const retort::StepMetrics& step);
    void addEpoch(const retort::EpochMetrics& epoch);
    void addVal(const retort::ValMetrics& val);
    /// Teacher's val mAP50-95, drawn as a horizontal reference; < 0 hides it.
    void setTeacherMap(double map50_95);
    void clear();

private:
    struct Series
    {
        QVector<double> stepX, stepY;   // per batch: global step, value
        QVector<double> epochStepX;     // the same points on a fractional-epoch axis
        QVector<double> meanX, meanY;   // epoch means (results.csv), epoch 1..N; drawn when no batch points
        QCPGraph* graph = nullptr;
        QListWidgetItem* item = nullptr;
    };

    void scheduleReplot();
    void replotNow();
    Series& series(const QString& name);
    void rebuildLossGraphs();
    void rebuildLr();
    void rebuildVal();
    void onItemChanged(QListWidgetItem* item);

    QCustomPlot* m_lossPlot;
    QCustomPlot* m_lrPlot;
    QCustomPlot* m_valPlot;
    QListWidget* m_seriesList;
    QSlider* m_smoothSlider;
    QLabel* m_smoothLabel;
    QCheckBox* m_logBox;
    QComboBox* m_axisBox;
    QCPGraph* m_lrGraph;
    QCPGraph* m_map50Graph;
    QCPGraph* m_map5095Graph;
    QCPItemStraightLine* m_teacherLine;

    QMap<QString, Series> m_series;
    QStringList m_lossOrder;
    QVector<double> m_lrStepX, m_lrEpochStepX, m_lrStepY, m_lrMeanX, m_lrMeanY;
    QVector<double> m_valX, m_map50, m_map5095;
    int m_lastEpoch = -1; ///< the last epoch mean added
    double m_teacherMap = -1;
    double m_smoothing = 0.6;
    XAxis m_xAxis = XAxis::Step;
    bool m_dirty = false;
    bool m_rescale = true;
    QTimer m_timer;
    int m_replots = 0;
};

} // namespace retort::widgets
