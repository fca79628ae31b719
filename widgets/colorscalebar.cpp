#include "widgets/colorscalebar.h"

#include "viz/heatmap.h"

#include <QPainter>

namespace retort::widgets {

ColorScaleBar::ColorScaleBar(QWidget* parent) : QWidget(parent), m_gradient(gradient())
{
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
    setToolTip(tr("Attention, min-max normalised per map (difference: |teacher − student|)"));
}

QImage ColorScaleBar::gradient()
{
    cv::Mat ramp(1, 256, CV_32F);
    for (int i = 0; i < 256; ++i)
        ramp.at<float>(0, i) = static_cast<float>(i) / 255.0f;
    const cv::Mat bgr = colorize(ramp);
    return QImage(bgr.data, bgr.cols, bgr.rows, static_cast<qsizetype>(bgr.step), QImage::Format_BGR888).copy();
}

QSize ColorScaleBar::sizeHint() const
{
    return {fontMetrics().horizontalAdvance(QStringLiteral("0.00")) + 30, 240};
}

QSize ColorScaleBar::minimumSizeHint() const
{
    return {sizeHint().width(), 80};
}

void ColorScaleBar::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const int barW = 14;
    const int top = fontMetrics().height() / 2 + 2;
    const int bottom = height() - top;
    if (bottom <= top)
        return;
    const QRect bar(2, top, barW, bottom - top);
    // The gradient runs left to right; draw it rotated so 1 sits at the top.
    p.save();
    p.translate(bar.left(), bar.bottom());
    p.rotate(-90);
    p.drawImage(QRect(0, 0, bar.height(), bar.width()), m_gradient);
    p.restore();
    p.setPen(palette().color(QPalette::WindowText));
    p.drawRect(bar.adjusted(0, 0, -1, -1));
    for (const double v : {0.0, 0.25, 0.5, 0.75, 1.0}) {
        const int y = bar.bottom() - static_cast<int>(v * (bar.height() - 1));
        p.drawLine(bar.right(), y, bar.right() + 4, y);
        p.drawText(QRect(bar.right() + 6, y - top, width() - bar.right() - 6, 2 * top), Qt::AlignLeft | Qt::AlignVCenter,
                   QString::number(v, 'f', 2));
    }
}

} // namespace retort::widgets
