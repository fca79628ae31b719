#include "widgets/imagepane.h"

#include <QPainter>

namespace retort::widgets {

ImagePane::ImagePane(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImagePane::setImage(const QImage& image)
{
    m_image = image;
    update();
}

void ImagePane::setPlaceholder(const QString& text)
{
    m_placeholder = text;
    update();
}

QSize ImagePane::sizeHint() const
{
    return {320, 240};
}

QSize ImagePane::minimumSizeHint() const
{
    return {120, 90};
}

void ImagePane::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    if (m_image.isNull()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
        return;
    }
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    const QSize scaled = m_image.size().scaled(size(), Qt::KeepAspectRatio);
    const QRect target(QPoint((width() - scaled.width()) / 2, (height() - scaled.height()) / 2), scaled);
    p.drawImage(target, m_image);
}

} // namespace retort::widgets
