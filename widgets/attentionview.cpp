#include "widgets/attentionview.h"

#include "widgets/colorscalebar.h"
#include "widgets/imagepane.h"

#include <QComboBox>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>

namespace retort::widgets {

AttentionView::AttentionView(QWidget* parent)
    : QWidget(parent), m_selector(new QComboBox(this)), m_info(new QLabel(this)), m_gridHost(new QWidget),
      m_grid(new QGridLayout(m_gridHost))
{
    m_selector->addItem(tr("Spatial attention (mean F²)"), static_cast<int>(Mode::Spatial));
    m_selector->addItem(tr("Channel map (CWD softmax)"), static_cast<int>(Mode::Channel));
    m_selector->setToolTip(tr("Spatial: mean over channels of the squared features.\n"
                              "Channel: spatial softmax of the teacher's channel with the largest energy and of the same "
                              "channel of the student (through its feature-KD adapter where the channel counts differ), "
                              "as CWD compares."));
    connect(m_selector, &QComboBox::currentIndexChanged, this,
            [this](int index) { setMode(static_cast<Mode>(m_selector->itemData(index).toInt())); });
    m_info->setWordWrap(true);

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Maps"), this));
    bar->addWidget(m_selector);
    bar->addWidget(m_info, 1);

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(m_gridHost);
    m_grid->setSpacing(6);

    auto* scale = new ColorScaleBar(this);
    auto* body = new QHBoxLayout;
    body->addWidget(scroll, 1);
    body->addWidget(scale);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addLayout(body, 1);
    rebuild();
}

void AttentionView::setResult(const ComparisonResult& result)
{
    const bool sameShape = result.layers.size() == m_result.layers.size();
    m_result = result;
    if (!sameShape || m_panes.empty())
        rebuild();
    refresh();
}

void AttentionView::setMode(Mode mode)
{
    if (mode == m_mode)
        return;
    m_mode = mode;
    const int index = m_selector->findData(static_cast<int>(mode));
    if (m_selector->currentIndex() != index)
        m_selector->setCurrentIndex(index);
    refresh();
    emit modeChanged(mode);
}

const AttentionMaps& AttentionView::maps(const LayerAttention& layer) const
{
    return m_mode == Mode::Channel ? layer.channel : layer.spatial;
}

QString AttentionView::rowHeader(int row) const
{
    const LayerAttention& l = m_result.layers.at(static_cast<size_t>(row));
    QString text = QStringLiteral("<b>%1</b><br>").arg(l.name.toHtmlEscaped());
    text += l.teacherLayer == l.studentLayer ? tr("layer %1").arg(l.teacherLayer)
                                             : tr("layers %1 → %2").arg(l.teacherLayer).arg(l.studentLayer);
    if (m_mode == Mode::Channel) {
        switch (l.channelMatch) {
        case ChannelMatch::SameIndex:
            text += QStringLiteral("<br>") + tr("channel %1").arg(l.teacherChannel);
            break;
        case ChannelMatch::Adapter:
            text += QStringLiteral("<br>") + tr("channel %1").arg(l.teacherChannel) + QStringLiteral("<br><i>") +
                    tr("student via KD adapter") + QStringLiteral("</i>");
            break;
        case ChannelMatch::NotAligned:
            text += QStringLiteral("<br>") + tr("channels %1 / %2").arg(l.teacherChannel).arg(l.studentChannel) +
                    QStringLiteral("<br><font color=\"#c0392b\">") + tr("not aligned (no adapter)") +
                    QStringLiteral("</font>");
            break;
        }
    }
    text += QStringLiteral("<br>") + tr("cos %1").arg(maps(l).cosine, 0, 'f', 3);
    return text;
}

std::vector<QImage> AttentionView::rowImages(int row) const
{
    const AttentionMaps& m = maps(m_result.layers.at(static_cast<size_t>(row)));
    return {m.teacher, m.student, m.difference};
}

void AttentionView::rebuild()
{
    while (QLayoutItem* item = m_grid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_headers.clear();
    m_panes.clear();

    const QString columns[3] = {tr("Teacher"), tr("Student"), tr("|Teacher − Student|")};
    for (int c = 0; c < 3; ++c) {
        auto* h = new QLabel(QStringLiteral("<b>%1</b>").arg(columns[c].toHtmlEscaped()), m_gridHost);
        h->setAlignment(Qt::AlignCenter);
        m_grid->addWidget(h, 0, c + 1);
        m_grid->setColumnStretch(c + 1, 1);
    }
    if (m_result.layers.empty()) {
        auto* empty = new ImagePane(m_gridHost);
        empty->setPlaceholder(m_result.original.isNull()
                                  ? tr("Open an image in the Compare tab to see where teacher and student look.")
                                  : tr("Attention maps need both a teacher and a student model."));
        m_grid->addWidget(empty, 1, 0, 1, 4);
        m_panes.push_back({empty});
        return;
    }
    for (size_t r = 0; r < m_result.layers.size(); ++r) {
        const int row = static_cast<int>(r) + 1;
        auto* header = new QLabel(m_gridHost);
        header->setMinimumWidth(header->fontMetrics().horizontalAdvance(QStringLiteral("channels 000 / 000")) + 8);
        header->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        m_grid->addWidget(header, row, 0);
        m_headers.push_back(header);
        std::vector<ImagePane*> panes;
        for (int c = 0; c < 3; ++c) {
            auto* pane = new ImagePane(m_gridHost);
            pane->setMinimumHeight(160);
            m_grid->addWidget(pane, row, c + 1);
            panes.push_back(pane);
        }
        m_grid->setRowStretch(row, 1);
        m_panes.push_back(panes);
    }
}

void AttentionView::refresh()
{
    if (m_result.layers.empty()) {
        m_info->setText(m_result.original.isNull() ? QString() : QFileInfo(m_result.imagePath).fileName());
        rebuild();
        return;
    }
    for (size_t r = 0; r < m_result.layers.size(); ++r) {
        m_headers[r]->setText(rowHeader(static_cast<int>(r)));
        const bool unaligned = m_mode == Mode::Channel && m_result.layers[r].channelMatch == ChannelMatch::NotAligned;
        m_headers[r]->setToolTip(unaligned ? tr("The student has other channel counts here and its checkpoint carries no "
                                                "feature-KD adapter, so its map shows its own most energetic channel, "
                                                "unrelated to the teacher's.")
                                           : QString());
        const std::vector<QImage> images = rowImages(static_cast<int>(r));
        for (size_t c = 0; c < 3; ++c)
            m_panes[r][c]->setImage(images[c]);
    }
    m_info->setText(tr("%1 — %2 vs %3. Each map is min-max normalised; cos: cosine similarity of the teacher and student maps.")
                        .arg(QFileInfo(m_result.imagePath).fileName(), m_result.teacherName, m_result.studentName));
}

} // namespace retort::widgets
