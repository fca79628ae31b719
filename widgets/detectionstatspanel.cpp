#include "widgets/detectionstatspanel.h"

#include "eval/detectionfilter.h"
#include "widgets/detectionview.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QLabel>
#include <QTextBrowser>
#include <QToolButton>
#include <QVBoxLayout>

namespace retort::widgets {

DetectionStatsPanel::DetectionStatsPanel(QWidget* parent)
    : QWidget(parent), m_title(new QLabel(this)), m_table(new QTextBrowser(this)), m_report(new QLabel(this)),
      m_copy(new QToolButton(this))
{
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_table->setOpenLinks(false);
    m_table->setMinimumWidth(170);
    m_report->setWordWrap(true);
    m_report->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_copy->setText(tr("Copy"));
    m_copy->setToolTip(tr("Copy the count report to the clipboard"));
    connect(m_copy, &QToolButton::clicked, this, &DetectionStatsPanel::copyReport);

    auto* reportRow = new QHBoxLayout;
    reportRow->addWidget(m_report, 1);
    reportRow->addWidget(m_copy, 0, Qt::AlignTop);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_table, 1);
    layout->addLayout(reportRow);
    refresh();
}

void DetectionStatsPanel::setTitle(const QString& title)
{
    m_title->setText(title);
}

void DetectionStatsPanel::setDetections(const std::vector<Detection>& detections)
{
    m_detections = detections;
    refresh();
}

void DetectionStatsPanel::setWarningLevel(double level)
{
    m_warningLevel = level;
    refresh();
}

QString DetectionStatsPanel::countReport() const
{
    return QString::fromStdString(retort::countReport(m_detections));
}

QStringList DetectionStatsPanel::flaggedClasses() const
{
    QStringList out;
    for (const auto& [name, scores] : classConfidences(m_detections))
        if (!scores.empty() && scores.front() < m_warningLevel)
            out << QString::fromStdString(name);
    return out;
}

QString DetectionStatsPanel::plainText() const
{
    QStringList lines{m_title->text()};
    const QStringList flagged = flaggedClasses();
    for (const auto& [name, scores] : classConfidences(m_detections)) {
        QString line = tr("%1 %2:").arg(QString::fromStdString(name)).arg(scores.size());
        for (const float s : scores)
            line += QLatin1Char(' ') + QString::number(s, 'f', 2);
        if (flagged.contains(QString::fromStdString(name)))
            line += tr(" (low)");
        lines << line;
    }
    lines << (m_detections.empty() ? tr("no detections") : countReport());
    return lines.join(QLatin1Char('\n'));
}

void DetectionStatsPanel::refresh()
{
    const QString amber = warningColor().name();
    const QStringList flagged = flaggedClasses();
    QString html = QStringLiteral("<table cellspacing='0' cellpadding='2'>");
    for (const auto& [name, scores] : classConfidences(m_detections)) {
        const QString qname = QString::fromStdString(name).toHtmlEscaped();
        const bool low = flagged.contains(QString::fromStdString(name));
        html += QStringLiteral("<tr><td style='white-space:nowrap'>");
        html += low ? QStringLiteral("<span style='color:%1'><b>&#9888; %2</b></span>").arg(amber, qname)
                    : QStringLiteral("<b>%1</b>").arg(qname);
        html += QStringLiteral("</td><td align='right'>%1</td><td>").arg(scores.size());
        QStringList values;
        for (const float s : scores) {
            const QString v = QString::number(s, 'f', 2);
            values << (s < m_warningLevel ? QStringLiteral("<span style='color:%1'>%2</span>").arg(amber, v) : v);
        }
        html += values.join(QLatin1Char(' ')) + QStringLiteral("</td></tr>");
    }
    html += QStringLiteral("</table>");
    if (m_detections.empty())
        html = QStringLiteral("<i>%1</i>").arg(tr("no detections"));
    m_table->setHtml(html);
    m_report->setText(m_detections.empty() ? tr("no detections") : countReport());
    m_copy->setEnabled(!m_detections.empty());
}

void DetectionStatsPanel::copyReport()
{
    QApplication::clipboard()->setText(countReport());
}

} // namespace retort::widgets
