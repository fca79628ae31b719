#pragma once

#include <QImage>
#include <QWidget>

namespace retort::widgets {

/// Shows an image scaled to fit, aspect ratio kept, centred; a placeholder text when empty.
class ImagePane : public QWidget
{
    Q_OBJECT
public:
    explicit ImagePane(QWidget* parent = nullptr);

    void setImage(const QImage& image);
    QImage image() const { return m_image; }
    void setPlaceholder(const QString& text);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QImage m_image;
    QString m_placeholder;
};

} // namespace retort::widgets
