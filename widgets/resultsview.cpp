#include "widgets/resultsview.h"

#include "util/error.h"

#include <qcustomplot.h>

#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QScrollBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

namespace retort::widgets {

namespace {

/// Sorts by the number under Qt::UserRole rather than by its text.
class NumberItem : public QTableWidgetItem
{
public:
    NumberItem(const QString& text, double key) : QTableWidgetItem(text)
    {
        setData(Qt::UserRole, key);
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem& other) const override
    {
        return data(Qt::UserRole).toDouble() < other.data(Qt::UserRole).toDouble();
    }
};

QString apText(double v)
{
    return v < 0 ? QStringLiteral("–") : QString::number(v, 'f', 4);
}

QString signedText(double v)
{
    return QStringLiteral("%1%2").arg(v >= 0 ? "+" : "").arg(v, 0, 'f', 4);
}

} // namespace

QColor ResultsView::helpedColor()
{
    return QColor(46, 160, 67);
}

QColor ResultsView::hurtColor()
{
    return QColor(214, 137, 16);
}

ResultsView::ResultsView(QWidget* parent)
    : QWidget(parent), m_title(new QLabel), m_table(new QTableWidget), m_chart(new QCustomPlot),
      m_classPanel(new QGroupBox(tr("Per-class AP50-95"))), m_classTable(new QTableWidget),
      m_classSummary(new QLabel), m_export(new QPushButton(tr("Export to ONNX…")))
{
    m_table->setColumnCount(ColumnCount);
    m_table->setHorizontalHeaderLabels({tr("Arm"), tr("Method"), tr("mAP50-95"), tr("mAP50"), tr("Retention"),
                                        tr("Gain"), tr("AP_S"), tr("AP_M"), tr("AP_L"), tr("R_S"), tr("Last"),
                                        tr("Best ep."), tr("Params"), tr("GFLOPs"), tr("ms/img")});
    const QString sizeNote = tr("(COCO size ranges, object area in the original image)");
    m_table->horizontalHeaderItem(ApSmallColumn)->setToolTip(tr("AP50-95 of small objects: area < 32² px") + ' ' + sizeNote);
    m_table->horizontalHeaderItem(ApMediumColumn)->setToolTip(tr("AP50-95 of medium objects: 32² to 96² px") + ' ' + sizeNote);
    m_table->horizontalHeaderItem(ApLargeColumn)->setToolTip(tr("AP50-95 of large objects: area ≥ 96² px") + ' ' + sizeNote);
    m_table->horizontalHeaderItem(RecallSmallColumn)->setToolTip(tr("Recall of small objects: area < 32² px") + ' ' + sizeNote);
    m_table->horizontalHeaderItem(LastMapColumn)->setToolTip(tr("mAP50-95 of the run's last-epoch weights"));
    m_table->horizontalHeaderItem(BestEpochColumn)->setToolTip(tr("The epoch of the best weights, which the other columns evaluate"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setAlternatingRowColors(true);
    // One line per arm however narrow the method column gets; the full method is its tooltip.
    m_table->setWordWrap(false);
    m_table->horizontalScrollBar()->installEventFilter(this);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(MethodColumn, QHeaderView::Stretch);
    m_export->setEnabled(false);
    m_export->setToolTip(tr("Export the selected arm's best checkpoint"));
    m_title->setWordWrap(true);

    const QPalette pal = m_chart->palette();
    m_chart->setBackground(pal.color(QPalette::Base));
    for (QCPAxis* a : {m_chart->xAxis, m_chart->yAxis}) {
        a->setBasePen(QPen(pal.color(QPalette::Text)));
        a->setTickPen(QPen(pal.color(QPalette::Text)));
        a->setSubTickPen(QPen(pal.color(QPalette::Text)));
        a->setTickLabelColor(pal.color(QPalette::Text));
        a->setLabelColor(pal.color(QPalette::Text));
    }
    m_chart->yAxis->setLabel(tr("mAP50-95"));
    m_chart->xAxis->grid()->setVisible(false);
    m_chart->setMinimumHeight(200);
    m_chart->installEventFilter(this);

    m_classTable->setColumnCount(ClassColumnCount);
    m_classTable->setHorizontalHeaderLabels({tr("Class"), tr("Instances"), tr("Teacher"), tr("Baseline"), tr("Best arm"), tr("Δ")});
    m_classTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_classTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_classTable->setAlternatingRowColors(true);
    m_classTable->verticalHeader()->setVisible(false);
    m_classTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_classTable->horizontalHeader()->setStretchLastSection(true);
    // Class order until the user picks a column to sort by.
    m_classTable->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_classTable->setSortingEnabled(true);
    m_classSummary->setWordWrap(true);
    m_classSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* classLayout = new QVBoxLayout(m_classPanel);
    classLayout->addWidget(m_classTable, 1);
    classLayout->addWidget(m_classSummary);

    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        const auto rows = m_table->selectionModel()->selectedRows();
        m_export->setEnabled(!rows.isEmpty() && !weightsOf(rows.front().row()).isEmpty());
    });
    connect(m_table, &QTableWidget::customContextMenuRequested, this, &ResultsView::showMenu);
    connect(m_export, &QPushButton::clicked, this, [this] {
        const auto rows = m_table->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            requestExport(rows.front().row());
    });

    auto* top = new QHBoxLayout;
    top->addWidget(m_title, 1);
    top->addWidget(m_export);
    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(m_chart);
    bottom->addWidget(m_classPanel);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(m_table);
    split->addWidget(bottom);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    setRows({});
}

bool ResultsView::loadStudy(const QString& studyCsvPath)
{
    m_path = studyCsvPath;
    try {
        setRows(readStudyCsv(studyCsvPath.toStdString()));
    } catch (const Error& e) {
        setRows({});
        m_title->setText(tr("Cannot read the study table: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
    return true;
}

QString ResultsView::armLabel(const StudyRow& row) const
{
    // A multi-seed study lists each arm once per seed: say which.
    if (!m_multiSeed || row.arm == "teacher")
        return QString::fromStdString(row.arm);
    return tr("%1 (seed %2)").arg(QString::fromStdString(row.arm)).arg(row.seed);
}

void ResultsView::setRows(const std::vector<StudyRow>& rows)
{
    m_rows = rows;
    m_multiSeed = false;
    const StudyRow* first = nullptr;
    for (const StudyRow& r : rows) {
        if (r.arm == "teacher")
            continue;
        if (!first)
            first = &r;
        else if (r.seed != first->seed)
            m_multiSeed = true;
    }
    m_table->setRowCount(static_cast<int>(rows.size()));
    // The best student arm is shown in bold, as in study.md.
    int best = -1;
    for (size_t i = 0; i < rows.size(); ++i)
        if (rows[i].arm != "teacher" && (best < 0 || rows[i].map50_95 > rows[best].map50_95))
            best = static_cast<int>(i);
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const StudyRow& s = rows[r];
        const bool teacher = s.arm == "teacher";
        auto cell = [&](int c, const QString& text, bool number) {
            auto* item = new QTableWidgetItem(text);
            if (number)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (r == best) {
                QFont f = item->font();
                f.setBold(true);
                item->setFont(f);
            }
            if (teacher)
                item->setForeground(m_table->palette().color(QPalette::Disabled, QPalette::Text));
            m_table->setItem(r, c, item);
        };
        cell(ArmColumn, armLabel(s), false);
        cell(MethodColumn, QString::fromStdString(s.method), false);
        m_table->item(r, MethodColumn)->setToolTip(QString::fromStdString(s.method));
        cell(MapColumn, QString::number(s.map50_95, 'f', 4), true);
        cell(Map50Column, QString::number(s.map50, 'f', 4), true);
        cell(RetentionColumn, s.retention >= 0 ? QStringLiteral("%1 %").arg(s.retention * 100, 0, 'f', 1) : QStringLiteral("–"), true);
        cell(GainColumn, teacher ? QStringLiteral("–") : signedText(s.gain), true);
        cell(ApSmallColumn, apText(s.apSmall), true);
        cell(ApMediumColumn, apText(s.apMedium), true);
        cell(ApLargeColumn, apText(s.apLarge), true);
        cell(RecallSmallColumn, apText(s.recallSmall), true);
        cell(LastMapColumn, apText(s.lastMap50_95), true);
        cell(BestEpochColumn, s.bestEpoch < 0 ? QStringLiteral("–") : QString::number(s.bestEpoch), true);
        cell(ParamsColumn, QLocale().toString(static_cast<qlonglong>(s.params)), true);
        cell(GflopsColumn, QString::number(s.gflops, 'f', 2), true);
        cell(MsColumn, QString::number(s.msPerImage, 'f', 2), true);
        m_table->item(r, ArmColumn)->setToolTip(QString::fromStdString(s.runDir));
    }
    if (m_path.isEmpty() || rows.empty())
        m_title->setText(m_path.isEmpty() ? tr("No study loaded") : tr("%1: no rows").arg(m_path));
    else
        m_title->setText(tr("Study <b>%1</b> — %n arm(s)", nullptr, static_cast<int>(rows.size()))
                             .arg(QFileInfo(QFileInfo(m_path).absolutePath()).fileName().toHtmlEscaped()));
    m_export->setEnabled(false);
    fitTableHeight();
    rebuildChart();
    fillClassTable();
}

void ResultsView::fillClassTable()
{
    const PerClassComparison c = comparePerClass(m_rows);
    m_classPanel->setVisible(!c.classes.empty());
    // Filled unsorted, then sorted once by the column the user chose, if any.
    m_classTable->setSortingEnabled(false);
    m_classTable->setRowCount(static_cast<int>(c.classes.size()));
    const bool delta = c.baseline >= 0 && c.best >= 0;
    m_classTable->setColumnHidden(ClassTeacherColumn, c.teacher < 0);
    m_classTable->setColumnHidden(ClassBaselineColumn, c.baseline < 0);
    m_classTable->setColumnHidden(ClassBestColumn, c.best < 0);
    m_classTable->setColumnHidden(ClassDeltaColumn, !delta);
    const QString bestArm = c.best >= 0 ? QString::fromStdString(m_rows[c.best].arm) : QString();
    m_classTable->horizontalHeaderItem(ClassBestColumn)->setText(bestArm.isEmpty() ? tr("Best arm") : bestArm);
    m_classTable->horizontalHeaderItem(ClassBestColumn)->setToolTip(tr("The distilled arm with the highest mAP50-95"));
    m_classTable->horizontalHeaderItem(ClassDeltaColumn)->setToolTip(tr("%1 minus baseline").arg(bestArm));
    const double missing = std::numeric_limits<double>::lowest();
    for (int r = 0; r < static_cast<int>(c.classes.size()); ++r) {
        const ClassComparison& cc = c.classes[r];
        m_classTable->setItem(r, ClassNameColumn, new QTableWidgetItem(QString::fromStdString(cc.name)));
        m_classTable->setItem(r, ClassInstancesColumn, new NumberItem(QString::number(cc.instances), static_cast<double>(cc.instances)));
        const std::pair<int, double> aps[] = {{ClassTeacherColumn, cc.teacher}, {ClassBaselineColumn, cc.baseline},
                                              {ClassBestColumn, cc.best}};
        for (const auto& [column, ap] : aps)
            m_classTable->setItem(r, column, new NumberItem(apText(ap), ap < 0 ? missing : ap));
        auto* d = new NumberItem(cc.hasDelta() ? signedText(cc.delta()) : QStringLiteral("–"),
                                 cc.hasDelta() ? cc.delta() : missing);
        if (cc.hasDelta() && cc.delta() != 0)
            d->setForeground(cc.delta() > 0 ? helpedColor() : hurtColor());
        m_classTable->setItem(r, ClassDeltaColumn, d);
    }
    m_classTable->setSortingEnabled(true);

    QString summary;
    if (delta)
        summary = tr("Δ = %1 (the distilled arm with the highest mAP50-95) minus baseline.").arg(bestArm);
    if (!c.helped.empty() || !c.hurt.empty()) {
        auto list = [&](const std::vector<size_t>& which) {
            QStringList out;
            for (const size_t i : which)
                out << QStringLiteral("%1 (%2)").arg(QString::fromStdString(c.classes[i].name), signedText(c.classes[i].delta()));
            return out.isEmpty() ? tr("none") : out.join(QStringLiteral(", "));
        };
        summary += ' ' + tr("Distillation helped most: %1; hurt most: %2.").arg(list(c.helped), list(c.hurt));
    }
    m_classSummary->setText(summary);
    m_classSummary->setVisible(!summary.isEmpty());
}

void ResultsView::fitTableHeight()
{
    int h = 2 * m_table->frameWidth() + m_table->horizontalHeader()->sizeHint().height();
    for (int r = 0; r < m_table->rowCount(); ++r)
        h += m_table->rowHeight(r);
    if (m_table->horizontalScrollBar()->isVisible())
        h += m_table->horizontalScrollBar()->height();
    m_table->setMaximumHeight(std::max(h, 4 * m_table->verticalHeader()->defaultSectionSize()));
}

bool ResultsView::eventFilter(QObject* watched, QEvent* event)
{
    // A narrow window scrolls the table sideways: room for the scroll bar under the last row.
    if (watched == m_table->horizontalScrollBar() && (event->type() == QEvent::Show || event->type() == QEvent::Hide))
        fitTableHeight();
    if (watched == m_chart && event->type() == QEvent::Resize) {
        updateTickRotation();
        m_chart->replot(QCustomPlot::rpQueuedReplot);
    }
    return QWidget::eventFilter(watched, event);
}

void ResultsView::updateTickRotation()
{
    if (m_tickLabels.isEmpty())
        return;
    const QFontMetrics fm(m_chart->xAxis->tickLabelFont());
    int widest = 0;
    for (const QString& l : m_tickLabels)
        widest = std::max(widest, fm.horizontalAdvance(l));
    // The widget's width less the y axis: the axis rect itself is only laid out at the next replot.
    const int width = m_chart->width() - 70;
    const double slot = static_cast<double>(width) / (m_tickLabels.size() + 0.2);
    m_chart->xAxis->setTickLabelRotation(widest + 12 > slot ? 30 : 0);
}

QString ResultsView::weightsOf(int row) const
{
    if (row < 0 || row >= static_cast<int>(m_rows.size()) || m_rows[row].runDir.empty())
        return {};
    namespace fs = std::filesystem;
    fs::path dir(m_rows[row].runDir);
    // study.csv stores run_dir as the study wrote it, relative to its working directory; when
    // that does not resolve, try it next to the study table.
    if (dir.is_relative() && !fs::exists(dir) && !m_path.isEmpty())
        dir = fs::path(m_path.toStdString()).parent_path() / dir.filename();
    const fs::path weights = dir / "weights" / "best.safetensors";
    return fs::exists(weights) ? QString::fromStdString(weights.string()) : QString();
}

void ResultsView::requestExport(int row)
{
    const QString w = weightsOf(row);
    if (!w.isEmpty())
        emit exportRequested(w);
}

void ResultsView::showMenu(const QPoint& pos)
{
    const QModelIndex index = m_table->indexAt(pos);
    if (!index.isValid())
        return;
    const int row = index.row();
    QMenu menu(this);
    QAction* a = menu.addAction(tr("Export best checkpoint to ONNX…"), this, [this, row] { requestExport(row); });
    a->setEnabled(!weightsOf(row).isEmpty());
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void ResultsView::rebuildChart()
{
    m_chart->clearPlottables();
    m_chart->clearItems();
    QVector<double> ticks, values, gains;
    QVector<QString> labels;
    double teacherMap = -1, top = 0.05;
    for (const StudyRow& r : m_rows) {
        top = std::max(top, r.map50_95);
        if (r.arm == "teacher") {
            teacherMap = r.map50_95;
            continue;
        }
        ticks.append(ticks.size() + 1);
        values.append(r.map50_95);
        gains.append(r.arm == "baseline" ? std::nan("") : r.gain);
        labels.append(armLabel(r));
    }
    auto* bars = new QCPBars(m_chart->xAxis, m_chart->yAxis);
    bars->setWidth(0.6);
    bars->setPen(QPen(QColor(31, 119, 180).darker(120)));
    bars->setBrush(QColor(31, 119, 180, 190));
    bars->setData(ticks, values, true);
    auto ticker = QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText);
    ticker->addTicks(ticks, labels);
    m_chart->xAxis->setTicker(ticker);
    m_tickLabels = QStringList(labels.begin(), labels.end());
    updateTickRotation();
    m_chart->xAxis->setRange(0.4, ticks.size() + 0.6);
    m_chart->yAxis->setRange(0, top * 1.25); // room for the two-line labels above the bars

    for (int i = 0; i < values.size(); ++i) {
        auto* text = new QCPItemText(m_chart);
        text->position->setCoords(ticks[i], values[i]);
        text->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        // Arms of a study often differ in the third decimal: four, and the gain over the baseline.
        QString t = QString::number(values[i], 'f', 4);
        if (!std::isnan(gains[i]))
            t += QStringLiteral("\n%1%2").arg(gains[i] >= 0 ? "+" : "").arg(gains[i], 0, 'f', 4);
        text->setText(t);
        text->setColor(m_chart->palette().color(QPalette::Text));
        text->setPadding(QMargins(0, 0, 0, 3));
    }
    if (teacherMap >= 0) {
        auto* line = new QCPItemStraightLine(m_chart);
        line->setPen(QPen(QColor(214, 39, 40), 1.5, Qt::DashLine));
        line->point1->setCoords(0, teacherMap);
        line->point2->setCoords(1, teacherMap);
        auto* label = new QCPItemText(m_chart);
        label->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
        label->position->setType(QCPItemPosition::ptAxisRectRatio);
        label->position->setTypeY(QCPItemPosition::ptPlotCoords);
        label->position->setCoords(0.99, teacherMap);
        label->setText(tr("teacher %1").arg(teacherMap, 0, 'f', 3));
        label->setColor(QColor(214, 39, 40));
    }
    m_chart->replot();
}

} // namespace retort::widgets
