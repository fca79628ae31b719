#pragma once

#include "eval/detection.h"

#include <QColor>
#include <QGraphicsView>
#include <QImage>

#include <vector>

class QGraphicsPixmapItem;

namespace retort::widgets {

/// The Qt colour of a class: core's palette (retort::classColor), so the GUI, the CLI's
/// annotated images and the exports agree.
QColor classQColor(int classId);
/// The colour that flags low confidences everywhere in the GUI.
QColor warningColor();

/// An image with detection boxes: class colours, "name 0.87" labels, low scores flagged in
/// amber, boxes without a partner in the other model drawn thick and dashed. Wheel zooms
/// around the cursor, dragging pans, a double click fits the image again. viewChanged() and
/// setViewState() let two views follow each other.
///
///   view->setImage(result.original);
///   view->setDetections(shown, unmatched);  // unmatched[i]: draw box i dashed
///   connect(view, &DetectionView::viewChanged, other, &DetectionView::setViewState);
class DetectionView : public QGraphicsView
{
    Q_OBJECT
public:
    explicit DetectionView(QWidget* parent = nullptr);

    void setImage(const QImage& image);
    /// `unmatched` is empty or holds one flag per detection.
    void setDetections(const std::vector<Detection>& detections, const std::vector<bool>& unmatched = {});
    void setWarningLevel(double level);

    QImage image() const { return m_image; }
    const std::vector<Detection>& detections() const { return m_detections; }
    const std::vector<bool>& unmatched() const { return m_unmatched; }
    double warningLevel() const { return m_warningLevel; }
    /// Zoom factor relative to the image's pixels (1 = one image pixel per screen pixel).
    double zoom() const;

    /// Renders the image with its boxes at the image's own resolution into `target` on `painter`.
    void renderImage(QPainter* painter, const QRectF& target) const;

public slots:
    /// Applies another view's zoom and centre without emitting viewChanged().
    void setViewState(double zoom, const QPointF& sceneCenter);
    /// Fits the whole image and keeps fitting on resize until the user zooms.
    void fitImage();

signals:
    /// The user zoomed or panned: the new zoom and the scene point at the centre of the view.
    void viewChanged(double zoom, const QPointF& sceneCenter);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    static QString labelText(const Detection& d, bool low);
    void rebuildBoxes();
    void emitViewChanged();
    QPointF sceneCenter() const;

    QGraphicsScene* m_scene;
    QGraphicsPixmapItem* m_pixmap = nullptr;
    QImage m_image;
    std::vector<Detection> m_detections;
    std::vector<bool> m_unmatched;
    double m_warningLevel = 0.4;
    bool m_autoFit = true;
    bool m_applying = false; // inside setViewState: don't echo
};

} // namespace retort::widgets
