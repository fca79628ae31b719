#pragma once

#include <QImage>
#include <QWidget>

namespace retort::widgets {

/// A vertical legend for the attention heatmaps: the colormap from 0 (bottom) to 1 (top) with
/// tick labels. Uses core's colorize(), so it matches the overlays exactly.
class ColorScaleBar : public QWidget
{
    Q_OBJECT
public:
    explicit ColorScaleBar(QWidget* parent = nullptr);

    /// The colormap as a 1 x 256 RGB image, value 0 on the left.
    static QImage gradient();

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QImage m_gradient;
};

} // namespace retort::widgets
