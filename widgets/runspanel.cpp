#include "widgets/runspanel.h"

#include <QDir>
#include <QFileInfo>

#include "train/runreader.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QMenu>
#include <QPushButton>
#include <QSet>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace retort::widgets {
namespace {

QString statusText(RunStatus s)
{
    switch (s) {
    case RunStatus::Finished: return RunsPanel::tr("finished");
    case RunStatus::Stopped: return RunsPanel::tr("stopped");
    case RunStatus::Running: return RunsPanel::tr("running");
    case RunStatus::Incomplete: return RunsPanel::tr("incomplete");
    }
    return {};
}

QColor statusColor(RunStatus s)
{
    switch (s) {
    case RunStatus::Finished: return QColor(46, 160, 67);
    case RunStatus::Stopped: return QColor(210, 140, 0);
    case RunStatus::Running: return QColor(31, 119, 220);
    case RunStatus::Incomplete: return QColor(150, 150, 150);
    }
    return {};
}

} // namespace

RunsPanel::RunsPanel(QWidget* parent)
    : QWidget(parent), m_tree(new QTreeWidget), m_resume(new QPushButton(tr("Resume"))),
      m_refresh(new QPushButton(tr("Refresh")))
{
    m_tree->setColumnCount(ColumnCount);
    m_tree->setHeaderLabels({tr("Run"), tr("Status"), tr("Method"), tr("Epoch"), tr("Best mAP50-95"), tr("Retention")});
    m_tree->setRootIsDecorated(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    // Every column sized to its contents and the panel scrolls sideways when narrow: a Stretch
    // name column next to content-sized ones is squeezed below the tree's indentation in a
    // narrow dock, which hid every run's name.
    m_tree->header()->setStretchLastSection(true);
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_resume->setToolTip(tr("Continue the selected stopped run from its last checkpoint"));
    m_resume->setEnabled(false);

    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item, int) { onActivated(item); });
    connect(m_tree, &QTreeWidget::customContextMenuRequested, this, &RunsPanel::showMenu);
    connect(m_tree, &QTreeWidget::itemSelectionChanged, this, &RunsPanel::updateButtons);
    connect(m_refresh, &QPushButton::clicked, this, &RunsPanel::refresh);
    connect(m_resume, &QPushButton::clicked, this, [this] {
        if (!selectedRun().isEmpty())
            emit resumeRequested(selectedRun());
    });

    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_resume);
    buttons->addWidget(m_refresh);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree, 1);
    layout->addLayout(buttons);
}

void RunsPanel::setRunsDir(const QString& dir)
{
    m_runsDir = dir;
    refresh();
}

QString RunsPanel::selectedRun() const
{
    const auto items = m_tree->selectedItems();
    if (items.isEmpty() || !items.front()->parent())
        return {};
    return items.front()->data(NameColumn, DirRole).toString();
}

void RunsPanel::refresh()
{
    const QString selected = m_tree->currentItem() ? m_tree->currentItem()->data(NameColumn, DirRole).toString() : QString();
    QSet<QString> collapsed;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        if (!m_tree->topLevelItem(i)->isExpanded())
            collapsed.insert(m_tree->topLevelItem(i)->data(NameColumn, DirRole).toString());
    m_tree->clear();
    if (m_runsDir.isEmpty())
        return;
    const RunListing listing = scanRuns(m_runsDir.toStdString());
    QTreeWidgetItem* current = nullptr;
    for (const StudyEntry& study : listing.studies) {
        auto* s = new QTreeWidgetItem(m_tree);
        s->setText(NameColumn, QString::fromStdString(study.name));
        s->setData(NameColumn, DirRole, QString::fromStdString(study.dir));
        s->setData(NameColumn, StudyCsvRole, QString::fromStdString(study.studyCsv));
        s->setToolTip(NameColumn, QString::fromStdString(study.dir));
        QFont bold = s->font(NameColumn);
        bold.setBold(true);
        s->setFont(NameColumn, bold);
        s->setText(StatusColumn, study.studyCsv.empty() ? QString() : tr("study table"));
        s->setText(MethodColumn, tr("%n run(s)", nullptr, static_cast<int>(study.runs.size())));
        for (const RunEntry& run : study.runs) {
            auto* r = new QTreeWidgetItem(s);
            const QString dir = QString::fromStdString(run.dir);
            // The folder's name: one arm has several runs in a multi-seed study (lad-seed0, lad-seed1).
            r->setText(NameColumn, QFileInfo(dir).fileName().isEmpty() ? QString::fromStdString(run.arm)
                                                                         : QFileInfo(dir).fileName());
            r->setData(NameColumn, DirRole, dir);
            r->setData(NameColumn, ResumableRole, run.resumable);
            r->setToolTip(NameColumn, dir);
            r->setText(StatusColumn, run.resumable && run.status == RunStatus::Stopped ? tr("stopped (resumable)")
                                                                                       : statusText(run.status));
            r->setForeground(StatusColumn, statusColor(run.status));
            r->setText(MethodColumn, QString::fromStdString(run.method));
            r->setText(EpochColumn, run.epochs > 0 ? QStringLiteral("%1/%2").arg(run.epochsDone).arg(run.epochs)
                                                   : QString::number(run.epochsDone));
            r->setText(MapColumn, run.bestMap50_95 >= 0 ? QString::number(run.bestMap50_95, 'f', 4) : QStringLiteral("–"));
            r->setText(RetentionColumn, run.retention >= 0 ? QStringLiteral("%1 %").arg(run.retention * 100, 0, 'f', 1)
                                                           : QStringLiteral("–"));
            for (int c = EpochColumn; c < ColumnCount; ++c)
                r->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
            if (dir == selected)
                current = r;
        }
        s->setExpanded(!collapsed.contains(QString::fromStdString(study.dir)));
        if (QString::fromStdString(study.dir) == selected)
            current = s;
    }
    if (current)
        m_tree->setCurrentItem(current);
    applyLiveState();
    updateButtons();
}

namespace {
QString cleanAbsolute(const QString& dir)
{
    return dir.isEmpty() ? QString() : QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
}
} // namespace

void RunsPanel::setLiveState(const QString& runDir, const QString& state)
{
    const bool changed = cleanAbsolute(runDir) != m_liveDir;
    m_liveDir = cleanAbsolute(runDir);
    m_liveState = state;
    if (changed)
        refresh(); // the row that was live shows its files' status again
    else
        applyLiveState();
}

void RunsPanel::applyLiveState()
{
    if (m_liveDir.isEmpty())
        return;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem* study = m_tree->topLevelItem(i);
        for (int j = 0; j < study->childCount(); ++j) {
            QTreeWidgetItem* run = study->child(j);
            if (cleanAbsolute(run->data(NameColumn, DirRole).toString()) != m_liveDir)
                continue;
            run->setText(StatusColumn, m_liveState);
            run->setForeground(StatusColumn, statusColor(RunStatus::Running));
        }
    }
}

QString RunsPanel::statusOf(const QString& runDir) const
{
    const QString want = cleanAbsolute(runDir);
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* study = m_tree->topLevelItem(i);
        for (int j = 0; j < study->childCount(); ++j)
            if (cleanAbsolute(study->child(j)->data(NameColumn, DirRole).toString()) == want)
                return study->child(j)->text(StatusColumn);
    }
    return {};
}

void RunsPanel::onActivated(QTreeWidgetItem* item)
{
    if (item->parent()) {
        emit runActivated(item->data(NameColumn, DirRole).toString());
    } else {
        const QString csv = item->data(NameColumn, StudyCsvRole).toString();
        if (!csv.isEmpty())
            emit studyActivated(csv);
    }
}

void RunsPanel::updateButtons()
{
    const auto items = m_tree->selectedItems();
    m_resume->setEnabled(!items.isEmpty() && items.front()->parent() &&
                         items.front()->data(NameColumn, ResumableRole).toBool());
}

void RunsPanel::showMenu(const QPoint& pos)
{
    QTreeWidgetItem* item = m_tree->itemAt(pos);
    if (!item)
        return;
    QMenu menu(this);
    if (item->parent()) {
        const QString dir = item->data(NameColumn, DirRole).toString();
        menu.addAction(tr("Open in Training tab"), this, [this, dir] { emit runActivated(dir); });
        QAction* resume = menu.addAction(tr("Resume from checkpoint"), this, [this, dir] { emit resumeRequested(dir); });
        resume->setEnabled(item->data(NameColumn, ResumableRole).toBool());
    } else {
        const QString csv = item->data(NameColumn, StudyCsvRole).toString();
        QAction* open = menu.addAction(tr("Open study results"), this, [this, csv] { emit studyActivated(csv); });
        open->setEnabled(!csv.isEmpty());
    }
    menu.addSeparator();
    menu.addAction(tr("Refresh"), this, &RunsPanel::refresh);
    menu.exec(m_tree->viewport()->mapToGlobal(pos));
}

} // namespace retort::widgets
