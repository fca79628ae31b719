#pragma once

#include "widgets/comparisonresult.h"

#include <QWidget>

#include <vector>

class QComboBox;
class QGridLayout;
class QLabel;

namespace retort::widgets {

class ImagePane;

/// Where teacher and student look, per aligned layer (P3/P4/P5 or an experiment's taps): a
/// grid of teacher, student and |difference| heatmaps over the image, the layers' cosine
/// similarity in the row header, a colour scale, and a selector between spatial attention
/// (mean F^2) and CWD-style channel maps. It only shows what it is given: the maps come
/// ready-made in ComparisonResult::layers (the worker computes them next to the detections), so
/// switching the selector costs nothing and a new result (new image, other checkpoint) replaces
/// the grid.
///
///   auto* attention = new AttentionView;
///   connect(worker, &InferenceWorker::resultReady, attention, &AttentionView::setResult);
///   attention->setMode(AttentionView::Mode::Channel);  // optional; the user has a selector
class AttentionView : public QWidget
{
    Q_OBJECT
public:
    enum class Mode { Spatial, Channel };
    Q_ENUM(Mode)

    explicit AttentionView(QWidget* parent = nullptr);

    Mode mode() const { return m_mode; }
    int rowCount() const { return static_cast<int>(m_result.layers.size()); }
    /// The header of a row: layer name, layer indices and the cosine similarity.
    QString rowHeader(int row) const;
    /// The images shown in a row: teacher, student, difference.
    std::vector<QImage> rowImages(int row) const;

public slots:
    void setResult(const retort::widgets::ComparisonResult& result);
    void setMode(retort::widgets::AttentionView::Mode mode);

signals:
    void modeChanged(retort::widgets::AttentionView::Mode mode);

private:
    void rebuild();
    void refresh();
    const AttentionMaps& maps(const LayerAttention& layer) const;

    ComparisonResult m_result;
    Mode m_mode = Mode::Spatial;
    QComboBox* m_selector;
    QLabel* m_info;
    QWidget* m_gridHost;
    QGridLayout* m_grid;
    std::vector<QLabel*> m_headers;
    std::vector<std::vector<ImagePane*>> m_panes;
};

} // namespace retort::widgets
