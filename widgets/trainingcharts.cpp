#include "widgets/trainingcharts.h"

#include "train/runreader.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace retort::widgets {
namespace {

QColor seriesColor(const QString& name, int featIndex)
{
    static const QMap<QString, QColor> fixed{
        {"box", QColor(31, 119, 180)},      {"cls", QColor(255, 127, 14)},   {"dfl", QColor(44, 160, 44)},
        {"kd_logit", QColor(214, 39, 40)},  {"kd_loc", QColor(148, 103, 189)}, {"kd_feat", QColor(140, 86, 75)},
        {"kd_relation", QColor(227, 119, 194)}, {"total", QColor(90, 90, 90)}};
    if (fixed.contains(name))
        return fixed.value(name);
    static const QColor feats[] = {QColor(188, 189, 34), QColor(23, 190, 207), QColor(174, 199, 232),
                                   QColor(255, 187, 120), QColor(152, 223, 138)};
    return feats[featIndex % 5];
}

/// Exponential moving average with bias correction, TensorBoard-style, so the first points
/// are not dragged towards zero.
QVector<double> smoothed(const QVector<double>& y, double factor)
{
    if (factor <= 0)
        return y;
    QVector<double> out(y.size());
    double acc = 0, weight = 0;
    for (int i = 0; i < y.size(); ++i) {
        if (!std::isfinite(y[i])) {
            out[i] = y[i];
            continue;
        }
        acc = acc * factor + (1 - factor) * y[i];
        weight = weight * factor + (1 - factor);
        out[i] = acc / weight;
    }
    return out;
}

void stylePlot(QCustomPlot* plot, const QString& title, const QString& yLabel)
{
    plot->plotLayout()->insertRow(0);
    auto* t = new QCPTextElement(plot, title, QFont(plot->font().family(), -1, QFont::Bold));
    plot->plotLayout()->addElement(0, 0, t);
    plot->yAxis->setLabel(yLabel);
    plot->setNoAntialiasingOnDrag(true);
    plot->setMinimumHeight(160);
    const QPalette pal = plot->palette();
    plot->setBackground(pal.color(QPalette::Base));
    t->setTextColor(pal.color(QPalette::Text));
    for (QCPAxis* a : {plot->xAxis, plot->yAxis}) {
        a->setBasePen(QPen(pal.color(QPalette::Text)));
        a->setTickPen(QPen(pal.color(QPalette::Text)));
        a->setSubTickPen(QPen(pal.color(QPalette::Text)));
        a->setTickLabelColor(pal.color(QPalette::Text));
        a->setLabelColor(pal.color(QPalette::Text));
        a->grid()->setPen(QPen(pal.color(QPalette::Mid), 0, Qt::DotLine));
    }
}

/// Display order of loss components: task terms, KD terms (per-layer feature terms by layer,
/// then their sum), anything unknown, and the total last.
std::pair<int, int> seriesRank(const QString& name)
{
    static const QStringList order{"box", "cls", "dfl", "kd_logit", "kd_loc", "kd_feat_", "kd_feat", "kd_relation"};
    if (name == QLatin1String("total"))
        return {100, 0};
    if (name.startsWith(QLatin1String("kd_feat_")))
        return {static_cast<int>(order.indexOf("kd_feat_")), name.mid(8).toInt()};
    const int i = static_cast<int>(order.indexOf(name));
    return {i < 0 ? 50 : i, 0};
}

} // namespace

TrainingCharts::TrainingCharts(QWidget* parent)
    : QWidget(parent),
      m_lossPlot(new QCustomPlot),
      m_lrPlot(new QCustomPlot),
      m_valPlot(new QCustomPlot),
      m_seriesList(new QListWidget),
      m_smoothSlider(new QSlider(Qt::Horizontal)),
      m_smoothLabel(new QLabel),
      m_logBox(new QCheckBox(tr("Log scale"))),
      m_axisBox(new QComboBox)
{
    stylePlot(m_lossPlot, tr("Training loss"), tr("loss"));
    stylePlot(m_lrPlot, tr("Learning rate"), tr("lr (group 0)"));
    stylePlot(m_valPlot, tr("Validation"), tr("mAP"));
    m_valPlot->xAxis->setLabel(tr("epoch"));

    m_lrGraph = m_lrPlot->addGraph();
    m_lrGraph->setPen(QPen(QColor(31, 119, 180), 1.5));
    m_map50Graph = m_valPlot->addGraph();
    m_map50Graph->setName(tr("mAP50"));
    m_map50Graph->setPen(QPen(QColor(255, 127, 14), 2));
    m_map50Graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    m_map5095Graph = m_valPlot->addGraph();
    m_map5095Graph->setName(tr("mAP50-95"));
    m_map5095Graph->setPen(QPen(QColor(31, 119, 180), 2));
    m_map5095Graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    m_teacherLine = new QCPItemStraightLine(m_valPlot);
    m_teacherLine->setPen(QPen(QColor(214, 39, 40), 1.5, Qt::DashLine));
    m_teacherLine->setVisible(false);
    // The legend lists the teacher line through an empty graph that carries its pen.
    QCPGraph* teacherKey = m_valPlot->addGraph();
    teacherKey->setName(tr("teacher mAP50-95"));
    teacherKey->setPen(m_teacherLine->pen());
    teacherKey->removeFromLegend();
    teacherKey->setProperty("teacherKey", true);
    m_valPlot->legend->setVisible(true);
    m_valPlot->legend->setBrush(QBrush(QColor(255, 255, 255, 200)));
    m_valPlot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);

    m_smoothSlider->setRange(0, 99);
    m_smoothSlider->setValue(static_cast<int>(m_smoothing * 100));
    m_smoothSlider->setToolTip(tr("Exponential moving average of the plotted values"));
    m_smoothLabel->setText(QString::number(m_smoothing, 'f', 2));
    m_smoothLabel->setMinimumWidth(m_smoothLabel->fontMetrics().horizontalAdvance(QStringLiteral("0.00 ")));
    m_axisBox->addItem(tr("Step"));
    m_axisBox->addItem(tr("Epoch"));
    m_axisBox->setToolTip(tr("Horizontal axis in optimisation steps (batches) or in epochs"));
    m_seriesList->setToolTip(tr("Check the loss components to plot"));
    m_seriesList->setMaximumWidth(170);

    connect(m_smoothSlider, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });
    connect(m_logBox, &QCheckBox::toggled, this, &TrainingCharts::setLogScale);
    connect(m_axisBox, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int i) { setXAxis(i == 0 ? XAxis::Step : XAxis::Epoch); });
    connect(m_seriesList, &QListWidget::itemChanged, this, &TrainingCharts::onItemChanged);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Smoothing")));
    controls->addWidget(m_smoothSlider, 1);
    controls->addWidget(m_smoothLabel);
    controls->addSpacing(12);
    controls->addWidget(m_logBox);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("X axis")));
    controls->addWidget(m_axisBox);

    auto* lossRow = new QHBoxLayout;
    lossRow->addWidget(m_lossPlot, 1);
    auto* listBox = new QVBoxLayout;
    listBox->addWidget(new QLabel(tr("Components")));
    listBox->addWidget(m_seriesList);
    lossRow->addLayout(listBox);
    auto* lossPane = new QWidget;
    lossPane->setLayout(lossRow);
    lossRow->setContentsMargins(0, 0, 0, 0);

    auto* lower = new QSplitter(Qt::Horizontal);
    lower->addWidget(m_lrPlot);
    lower->addWidget(m_valPlot);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(lossPane);
    split->addWidget(lower);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(split, 1);

    m_timer.setSingleShot(true);
    m_timer.setInterval(kReplotIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &TrainingCharts::replotNow);
    setXAxis(XAxis::Step);
}

TrainingCharts::Series& TrainingCharts::series(const QString& name)
{
    auto it = m_series.find(name);
    if (it != m_series.end())
        return *it;
    Series s;
    const int featIndex = static_cast<int>(std::count_if(m_lossOrder.begin(), m_lossOrder.end(),
                                                         [](const QString& n) { return n.startsWith("kd_feat_"); }));
    const QColor color = seriesColor(name, featIndex);
    s.graph = m_lossPlot->addGraph();
    s.graph->setName(name);
    QPen pen(color, name == "total" ? 2.0 : 1.4);
    if (name.startsWith("kd_feat_"))
        pen.setStyle(Qt::DashLine);
    s.graph->setPen(pen);
    s.item = new QListWidgetItem(name);
    s.item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    s.item->setCheckState(Qt::Checked);
    QPixmap swatch(12, 12);
    swatch.fill(color);
    s.item->setIcon(QIcon(swatch));
    int at = 0;
    while (at < m_lossOrder.size() && seriesRank(m_lossOrder[at]) <= seriesRank(name))
        ++at;
    m_lossOrder.insert(at, name);
    m_seriesList->insertItem(at, s.item);
    return *m_series.insert(name, s);
}

void TrainingCharts::addStep(const StepMetrics& step)
{
    const double x = static_cast<double>(step.step);
    if (!m_lrStepX.isEmpty() && x <= m_lrStepX.back())
        return; // already shown (a resumed run's history overlaps its first live steps)
    // Batch b of epoch e ends at e + (b+1)/nb, so the last batch of the first epoch sits at 1,
    // where results.csv puts epoch 1.
    const double ex = step.epoch + (step.batchesPerEpoch > 0 ? double(step.batch + 1) / step.batchesPerEpoch : 1.0);
    for (const auto& [key, value] : step.losses) {
        Series& s = series(QString::fromStdString(key));
        s.stepX.append(x);
        s.epochStepX.append(ex);
        s.stepY.append(value);
    }
    m_lrStepX.append(x);
    m_lrEpochStepX.append(ex);
    m_lrStepY.append(step.lr);
    scheduleReplot();
}

void TrainingCharts::addEpoch(const EpochMetrics& epoch)
{
    if (epoch.epoch <= m_lastEpoch)
        return;
    m_lastEpoch = epoch.epoch;
    for (const auto& [key, value] : epoch.trainLosses) {
        Series& s = series(QString::fromStdString(key));
        s.meanX.append(epoch.epoch + 1);
        s.meanY.append(value);
    }
    if (!epoch.lrs.empty()) {
        m_lrMeanX.append(epoch.epoch + 1);
        m_lrMeanY.append(epoch.lrs.front());
    }
    scheduleReplot();
}

void TrainingCharts::addVal(const ValMetrics& val)
{
    if (!m_valX.isEmpty() && val.epoch + 1 <= m_valX.back())
        return;
    m_valX.append(val.epoch + 1);
    m_map50.append(val.map50);
    m_map5095.append(val.map50_95);
    scheduleReplot();
}

void TrainingCharts::setTeacherMap(double map50_95)
{
    m_teacherMap = map50_95;
    scheduleReplot();
}

void TrainingCharts::clear()
{
    for (auto& s : m_series)
        m_lossPlot->removeGraph(s.graph);
    m_series.clear();
    m_lossOrder.clear();
    m_seriesList->clear();
    m_lrStepX.clear();
    m_lrEpochStepX.clear();
    m_lrStepY.clear();
    m_lrMeanX.clear();
    m_lrMeanY.clear();
    m_valX.clear();
    m_map50.clear();
    m_map5095.clear();
    m_lastEpoch = -1;
    m_teacherMap = -1;
    scheduleReplot();
}

void TrainingCharts::startRun(const RunInfo& info)
{
    clear();
    for (const auto& n : info.lossNames)
        series(QString::fromStdString(n));
    setTeacherMap(info.teacherMap50_95);
}

void TrainingCharts::loadRun(const RunData& run)
{
    clear();
    appendHistory(run);
    setTeacherMap(run.teacherMap50_95);
}

void TrainingCharts::appendHistory(const RunData& run)
{
    for (const auto& n : run.lossNames)
        series(QString::fromStdString(n));
    for (const auto& s : run.steps)
        addStep(s);
    for (const auto& e : run.epochMeans)
        addEpoch(e);
    for (const auto& v : run.vals)
        addVal(v);
}

bool TrainingCharts::isSeriesVisible(const QString& name) const
{
    const auto it = m_series.find(name);
    return it != m_series.end() && it->item->checkState() == Qt::Checked;
}

void TrainingCharts::setSeriesVisible(const QString& name, bool visible)
{
    const auto it = m_series.find(name);
    if (it != m_series.end())
        it->item->setCheckState(visible ? Qt::Checked : Qt::Unchecked); // itemChanged does the rest
}

void TrainingCharts::onItemChanged(QListWidgetItem* item)
{
    const auto it = m_series.find(item->text());
    if (it == m_series.end())
        return;
    it->graph->setVisible(item->checkState() == Qt::Checked);
    scheduleReplot();
}

void TrainingCharts::setSmoothing(double factor)
{
    m_smoothing = std::clamp(factor, 0.0, 0.99);
    m_smoothLabel->setText(QString::number(m_smoothing, 'f', 2));
    const int v = static_cast<int>(std::lround(m_smoothing * 100));
    if (m_smoothSlider->value() != v)
        m_smoothSlider->setValue(v);
    scheduleReplot();
}

bool TrainingCharts::logScale() const
{
    return m_logBox->isChecked();
}

void TrainingCharts::setLogScale(bool on)
{
    if (m_logBox->isChecked() != on)
        m_logBox->setChecked(on);
    for (QCustomPlot* p : {m_lossPlot, m_lrPlot}) {
        p->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
        if (on)
            p->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        else
            p->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    scheduleReplot();
}

void TrainingCharts::setXAxis(XAxis axis)
{
    m_xAxis = axis;
    if (m_axisBox->currentIndex() != (axis == XAxis::Step ? 0 : 1))
        m_axisBox->setCurrentIndex(axis == XAxis::Step ? 0 : 1);
    const QString label = axis == XAxis::Step ? tr("step (batch)") : tr("epoch");
    m_lossPlot->xAxis->setLabel(label);
    m_lrPlot->xAxis->setLabel(label);
    scheduleReplot();
}

void TrainingCharts::scheduleReplot()
{
    m_dirty = true;
    if (!m_timer.isActive())
        m_timer.start();
}

void TrainingCharts::rebuildLossGraphs()
{
    for (auto& s : m_series) {
        // Per-batch points when there are any; epoch means (a run whose events.jsonl is gone,
        // or "total", which results.csv lacks the other way round) otherwise.
        const bool perBatch = !s.stepY.isEmpty();
        if (perBatch)
            s.graph->setData(m_xAxis == XAxis::Step ? s.stepX : s.epochStepX, smoothed(s.stepY, m_smoothing), true);
        else if (m_xAxis == XAxis::Epoch)
            s.graph->setData(s.meanX, smoothed(s.meanY, m_smoothing), true);
        else
            s.graph->data()->clear();
        s.graph->setScatterStyle(perBatch ? QCPScatterStyle() : QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
    }
}

void TrainingCharts::rebuildLr()
{
    if (!m_lrStepY.isEmpty())
        m_lrGraph->setData(m_xAxis == XAxis::Step ? m_lrStepX : m_lrEpochStepX, m_lrStepY, true);
    else if (m_xAxis == XAxis::Epoch)
        m_lrGraph->setData(m_lrMeanX, m_lrMeanY, true);
    else
        m_lrGraph->data()->clear();
}

void TrainingCharts::rebuildVal()
{
    m_map50Graph->setData(m_valX, m_map50, true);
    m_map5095Graph->setData(m_valX, m_map5095, true);
    const bool teacher = m_teacherMap >= 0;
    m_teacherLine->setVisible(teacher);
    m_teacherLine->point1->setCoords(0, m_teacherMap);
    m_teacherLine->point2->setCoords(1, m_teacherMap);
    for (int i = 0; i < m_valPlot->graphCount(); ++i) {
        QCPGraph* g = m_valPlot->graph(i);
        if (g->property("teacherKey").toBool()) {
            g->setName(tr("teacher mAP50-95 %1").arg(m_teacherMap, 0, 'f', 3));
            if (teacher)
                g->addToLegend();
            else
                g->removeFromLegend();
        }
    }
}

void TrainingCharts::replotNow()
{
    if (!m_dirty)
        return;
    m_dirty = false;
    rebuildLossGraphs();
    rebuildLr();
    rebuildVal();

    m_lossPlot->rescaleAxes(true);
    m_lrPlot->rescaleAxes(true);
    m_valPlot->rescaleAxes(true);
    // mAP lives in [0, 1]; keep the teacher line in view and a little headroom.
    double top = m_teacherMap;
    for (double v : m_map50)
        top = std::max(top, v);
    m_valPlot->yAxis->setRange(0, std::min(1.0, std::max(0.05, top * 1.15)));
    if (m_valX.size() < 2)
        m_valPlot->xAxis->setRange(0.5, std::max(2.0, m_valX.isEmpty() ? 2.0 : m_valX.back() + 0.5));
    for (QCustomPlot* p : {m_lossPlot, m_lrPlot})
        if (p->yAxis->scaleType() == QCPAxis::stLinear)
            p->yAxis->setRangeLower(std::min(0.0, p->yAxis->range().lower));
    m_lossPlot->replot(QCustomPlot::rpQueuedRefresh);
    m_lrPlot->replot(QCustomPlot::rpQueuedRefresh);
    m_valPlot->replot(QCustomPlot::rpQueuedRefresh);
    ++m_replots;
}

} // namespace retort::widgets
