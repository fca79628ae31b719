#include "widgets/detectionview.h"

#include "viz/render.h"

#include <QFontMetricsF>
#include <QGraphicsPixmapItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace retort::widgets {
namespace {

constexpr double kMinZoom = 0.02;
constexpr double kMaxZoom = 40.0;
constexpr int kBoxZ = 1;
constexpr int kLabelZ = 2;

/// "name 0.87" on a filled tag that sits on the top-left corner of its box and keeps its
/// screen size at any zoom (ItemIgnoresTransformations).
class LabelItem : public QGraphicsItem
{
public:
    LabelItem(QString text, QColor background, QColor foreground)
        : m_text(std::move(text)), m_background(std::move(background)), m_foreground(std::move(foreground))
    {
        setFlag(ItemIgnoresTransformations);
        setZValue(kLabelZ);
        QFont f;
        f.setPointSizeF(8.5);
        m_font = f;
        const QFontMetricsF fm(m_font);
        m_rect = QRectF(0, -fm.height() - 2, fm.horizontalAdvance(m_text) + 6, fm.height() + 2);
    }
    QRectF boundingRect() const override { return m_rect; }
    void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override
    {
        p->fillRect(m_rect, m_background);
        p->setPen(m_foreground);
        p->setFont(m_font);
        p->drawText(m_rect.adjusted(3, 0, -3, 0), Qt::AlignVCenter | Qt::AlignLeft, m_text);
    }

private:
    QString m_text;
    QColor m_background;
    QColor m_foreground;
    QFont m_font;
    QRectF m_rect;
};

QColor textColorOn(const QColor& c)
{
    return c.lightnessF() > 0.6 ? Qt::black : Qt::white;
}

} // namespace

QColor classQColor(int classId)
{
    const cv::Scalar bgr = classColor(classId);
    return QColor(static_cast<int>(bgr[2]), static_cast<int>(bgr[1]), static_cast<int>(bgr[0]));
}

QColor warningColor()
{
    return QColor(255, 176, 0);
}

DetectionView::DetectionView(QWidget* parent) : QGraphicsView(parent), m_scene(new QGraphicsScene(this))
{
    setScene(m_scene);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setRenderHints(QPainter::Antialiasing | QPainter::SmoothPixmapTransform);
    setBackgroundBrush(palette().color(QPalette::Dark));
    setFrameShape(QFrame::NoFrame);
    // Drops belong to the surrounding compare view.
    setAcceptDrops(false);
    viewport()->setAcceptDrops(false);
    connect(horizontalScrollBar(), &QScrollBar::valueChanged, this, &DetectionView::emitViewChanged);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, &DetectionView::emitViewChanged);
}

void DetectionView::setImage(const QImage& image)
{
    const bool sameSize = !m_image.isNull() && image.size() == m_image.size();
    m_image = image;
    if (!m_pixmap) {
        m_pixmap = m_scene->addPixmap(QPixmap::fromImage(image));
        m_pixmap->setTransformationMode(Qt::SmoothTransformation);
    } else {
        m_pixmap->setPixmap(QPixmap::fromImage(image));
    }
    m_scene->setSceneRect(QRectF(QPointF(0, 0), QSizeF(image.size())));
    // A new image of another size starts fitted; browsing same-size frames keeps the zoom.
    if (!sameSize)
        fitImage();
}

void DetectionView::setDetections(const std::vector<Detection>& detections, const std::vector<bool>& unmatched)
{
    m_detections = detections;
    m_unmatched = unmatched;
    m_unmatched.resize(m_detections.size(), false);
    rebuildBoxes();
}

void DetectionView::setWarningLevel(double level)
{
    if (level == m_warningLevel)
        return;
    m_warningLevel = level;
    rebuildBoxes();
}

void DetectionView::rebuildBoxes()
{
    for (QGraphicsItem* item : m_scene->items())
        if (item != m_pixmap)
            delete item;
    for (size_t i = 0; i < m_detections.size(); ++i) {
        const Detection& d = m_detections[i];
        const QColor color = classQColor(d.classId);
        const bool low = d.score < m_warningLevel;
        const bool unmatched = m_unmatched[i];

        QPen pen(color, unmatched ? 4 : 2, unmatched ? Qt::DashLine : Qt::SolidLine);
        pen.setCosmetic(true);
        auto* box = m_scene->addRect(QRectF(QPointF(d.x1, d.y1), QPointF(d.x2, d.y2)), pen);
        box->setZValue(kBoxZ);
        box->setToolTip(unmatched ? tr("%1 %2 — no partner in the other model")
                                        .arg(QString::fromStdString(d.className))
                                        .arg(d.score, 0, 'f', 2)
                                  : tr("%1 %2").arg(QString::fromStdString(d.className)).arg(d.score, 0, 'f', 2));
        if (unmatched) {
            // A dark underlay keeps the dashes visible on bright and on busy backgrounds.
            QPen under(QColor(0, 0, 0, 150), 6);
            under.setCosmetic(true);
            auto* shadow = m_scene->addRect(box->rect(), under);
            shadow->setZValue(kBoxZ - 0.5);
        }
        const QColor tag = low ? warningColor() : color;
        auto* label = new LabelItem(labelText(d, low), tag, textColorOn(tag));
        label->setPos(d.x1, d.y1);
        m_scene->addItem(label);
    }
}

double DetectionView::zoom() const
{
    return transform().m11();
}

QPointF DetectionView::sceneCenter() const
{
    return mapToScene(viewport()->rect().center());
}

void DetectionView::emitViewChanged()
{
    if (!m_applying)
        emit viewChanged(zoom(), sceneCenter());
}

void DetectionView::setViewState(double zoom, const QPointF& center)
{
    m_applying = true;
    m_autoFit = false;
    setTransform(QTransform::fromScale(zoom, zoom));
    centerOn(center);
    m_applying = false;
}

void DetectionView::fitImage()
{
    m_autoFit = true;
    if (m_image.isNull())
        return;
    m_applying = true;
    fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
    m_applying = false;
}

void DetectionView::wheelEvent(QWheelEvent* event)
{
    if (m_image.isNull())
        return;
    const double steps = event->angleDelta().y() / 120.0;
    const double target = std::clamp(zoom() * std::pow(1.2, steps), kMinZoom, kMaxZoom);
    m_autoFit = false;
    m_applying = true;
    const double factor = target / zoom();
    scale(factor, factor);  // AnchorUnderMouse keeps the point under the cursor still
    m_applying = false;
    emitViewChanged();
    event->accept();
}

void DetectionView::resizeEvent(QResizeEvent* event)
{
    QGraphicsView::resizeEvent(event);
    if (m_autoFit)
        fitImage();
}

void DetectionView::mouseDoubleClickEvent(QMouseEvent* event)
{
    fitImage();
    emitViewChanged();
    event->accept();
}

QString DetectionView::labelText(const Detection& d, bool low)
{
    return (low ? QStringLiteral("! ") : QString()) +
           tr("%1 %2").arg(QString::fromStdString(d.className)).arg(d.score, 0, 'f', 2);
}

void DetectionView::renderImage(QPainter* painter, const QRectF& target) const
{
    if (m_image.isNull())
        return;
    // Not the scene: its labels keep their screen size, which is unreadably small on a
    // full-resolution export. Line width and text scale with the image, as Ultralytics' plots do.
    const QSizeF size = QSizeF(m_image.size()).scaled(target.size(), Qt::KeepAspectRatio);
    const QRectF area(target.center() - QPointF(size.width() / 2, size.height() / 2), size);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setRenderHint(QPainter::SmoothPixmapTransform);
    painter->drawImage(area, m_image);
    painter->setClipRect(area);
    painter->translate(area.topLeft());
    painter->scale(size.width() / m_image.width(), size.height() / m_image.height());
    const double lw = std::max(2.0, std::round((m_image.width() + m_image.height()) / 2.0 * 0.003));
    QFont font = painter->font();
    font.setPixelSize(static_cast<int>(std::max(11.0, 5.5 * lw)));
    const QFontMetricsF fm(font);
    painter->setFont(font);
    for (size_t i = 0; i < m_detections.size(); ++i) {
        const Detection& d = m_detections[i];
        const QColor color = classQColor(d.classId);
        const bool low = d.score < m_warningLevel;
        const QRectF box(QPointF(d.x1, d.y1), QPointF(d.x2, d.y2));
        if (m_unmatched[i]) {
            painter->setPen(QPen(QColor(0, 0, 0, 150), 3 * lw));
            painter->drawRect(box);
        }
        painter->setPen(QPen(color, m_unmatched[i] ? 2 * lw : lw, m_unmatched[i] ? Qt::DashLine : Qt::SolidLine));
        painter->drawRect(box);
        const QString text = labelText(d, low);
        const QColor tag = low ? warningColor() : color;
        const double h = fm.height() + lw;
        // Above the box when there is room, else inside it.
        const double top = d.y1 - h >= 0 ? d.y1 - h : d.y1;
        const QRectF label(d.x1, top, fm.horizontalAdvance(text) + 2 * lw, h);
        painter->fillRect(label, tag);
        painter->setPen(textColorOn(tag));
        painter->drawText(label, Qt::AlignCenter, text);
    }
    painter->restore();
}

} // namespace retort::widgets
