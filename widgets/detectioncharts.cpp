#include "widgets/detectioncharts.h"

#include "eval/detectionfilter.h"
#include "widgets/detectionview.h"

#include <QHBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <map>

namespace retort::widgets {
namespace {

constexpr int kBins = 10;
constexpr int kMaxClasses = 12; // the most frequent; more would not be readable

const QColor kTeacherColor(52, 101, 164);
const QColor kStudentColor(237, 125, 49);

void stylePlot(QCustomPlot* plot, const QString& title, const QString& yLabel)
{
    plot->plotLayout()->insertRow(0);
    auto* t = new QCPTextElement(plot, title);
    QFont f = t->font();
    f.setBold(true);
    t->setFont(f);
    plot->plotLayout()->addElement(0, 0, t);
    // The legend sits in a row of its own under the title: inside the axis rect it hid bars.
    plot->legend->setVisible(true);
    plot->legend->setBrush(Qt::NoBrush);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot->legend->setTextColor(plot->palette().color(QPalette::Text));
    plot->plotLayout()->insertRow(1);
    plot->plotLayout()->addElement(1, 0, plot->legend);
    plot->plotLayout()->setRowStretchFactor(1, 0.001);
    plot->legend->setMargins(QMargins(0, 0, 0, 0));
    plot->yAxis->setLabel(yLabel);
    plot->setMinimumHeight(150);
    const QPalette pal = plot->palette();
    plot->setBackground(pal.color(QPalette::Base));
    const QColor fg = pal.color(QPalette::Text);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setBasePen(QPen(fg));
        axis->setTickPen(QPen(fg));
        axis->setSubTickPen(QPen(fg));
        axis->setTickLabelColor(fg);
        axis->setLabelColor(fg);
    }
    t->setTextColor(fg);
}

QCPBars* addBars(QCustomPlot* plot, QCPBarsGroup* group, const QString& name, const QColor& color)
{
    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    bars->setName(name);
    bars->setPen(QPen(color.darker(130)));
    bars->setBrush(color);
    bars->setWidth(0.35);
    bars->setBarsGroup(group);
    return bars;
}

} // namespace

DetectionCharts::DetectionCharts(QWidget* parent)
    : QWidget(parent), m_counts(new QCustomPlot(this)), m_confidence(new QCustomPlot(this)),
      m_countGroup(new QCPBarsGroup(m_counts)), m_confidenceGroup(new QCPBarsGroup(m_confidence)),
      m_teacherName(tr("teacher")), m_studentName(tr("student"))
{
    stylePlot(m_counts, tr("Detections per class"), tr("boxes"));
    stylePlot(m_confidence, tr("Confidence histogram"), tr("boxes"));
    m_confidence->xAxis->setLabel(tr("confidence"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_counts, 3);
    layout->addWidget(m_confidence, 2);
    replot();
}

std::vector<int> DetectionCharts::histogram(const std::vector<Detection>& detections)
{
    std::vector<int> bins(kBins, 0);
    for (const auto& d : detections)
        ++bins[static_cast<size_t>(std::clamp(static_cast<int>(d.score * kBins), 0, kBins - 1))];
    return bins;
}

void DetectionCharts::setDetections(const std::vector<Detection>& teacher, const std::vector<Detection>& student)
{
    m_teacher = teacher;
    m_student = student;
    replot();
}

void DetectionCharts::setWarningLevel(double level)
{
    m_warningLevel = level;
    replot();
}

void DetectionCharts::setNames(const QString& teacher, const QString& student)
{
    m_teacherName = teacher;
    m_studentName = student;
    replot();
}

void DetectionCharts::replot()
{
    for (QCustomPlot* plot : {m_counts, m_confidence}) {
        plot->clearPlottables();
        plot->clearItems();
    }

    // Classes ordered by the larger of the two counts, then by name.
    std::map<std::string, std::pair<int, int>> byClass;
    for (const auto& [name, n] : classCounts(m_teacher))
        byClass[name].first = n;
    for (const auto& [name, n] : classCounts(m_student))
        byClass[name].second = n;
    std::vector<std::pair<std::string, std::pair<int, int>>> classes(byClass.begin(), byClass.end());
    std::stable_sort(classes.begin(), classes.end(), [](const auto& a, const auto& b) {
        return std::max(a.second.first, a.second.second) > std::max(b.second.first, b.second.second);
    });
    if (classes.size() > static_cast<size_t>(kMaxClasses))
        classes.resize(kMaxClasses);

    QCPBars* tc = addBars(m_counts, m_countGroup, m_teacherName, kTeacherColor);
    QCPBars* sc = addBars(m_counts, m_countGroup, m_studentName, kStudentColor);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    int maxCount = 1;
    for (size_t i = 0; i < classes.size(); ++i) {
        const double x = static_cast<double>(i) + 1;
        ticker->addTick(x, QString::fromStdString(classes[i].first));
        tc->addData(x, classes[i].second.first);
        sc->addData(x, classes[i].second.second);
        maxCount = std::max({maxCount, classes[i].second.first, classes[i].second.second});
    }
    m_counts->xAxis->setTicker(ticker);
    m_counts->xAxis->setTickLabelRotation(classes.size() > 5 ? 35 : 0);
    m_counts->xAxis->setRange(0.4, std::max<double>(classes.size(), 1) + 0.6);
    m_counts->yAxis->setRange(0, maxCount * 1.15 + 0.5);

    // Low-confidence bins get an amber band behind the bars.
    auto* band = new QCPItemRect(m_confidence);
    band->topLeft->setCoords(0, 1e9);
    band->bottomRight->setCoords(std::clamp(m_warningLevel, 0.0, 1.0), 0);
    QColor amber = warningColor();
    amber.setAlpha(60);
    band->setBrush(amber);
    band->setPen(Qt::NoPen);
    band->setLayer(QStringLiteral("background"));

    QCPBars* th = addBars(m_confidence, m_confidenceGroup, m_teacherName, kTeacherColor);
    QCPBars* sh = addBars(m_confidence, m_confidenceGroup, m_studentName, kStudentColor);
    th->setWidth(0.04);
    sh->setWidth(0.04);
    const std::vector<int> ht = histogram(m_teacher), hs = histogram(m_student);
    int maxBin = 1;
    for (int b = 0; b < kBins; ++b) {
        const double x = (b + 0.5) / kBins;
        th->addData(x, ht[static_cast<size_t>(b)]);
        sh->addData(x, hs[static_cast<size_t>(b)]);
        maxBin = std::max({maxBin, ht[static_cast<size_t>(b)], hs[static_cast<size_t>(b)]});
    }
    m_confidence->xAxis->setRange(0, 1);
    m_confidence->yAxis->setRange(0, maxBin * 1.15 + 0.5);

    m_counts->replot();
    m_confidence->replot();
}

} // namespace retort::widgets
