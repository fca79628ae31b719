#pragma once

#include "eval/detection.h"

#include <QImage>
#include <QMetaType>
#include <QString>

#include <vector>

namespace retort::widgets {

/// Teacher, student and |teacher - student| maps of one layer, each already blended over the
/// original image, and how similar the two maps are.
struct AttentionMaps
{
    QImage teacher;
    QImage student;
    QImage difference;
    double cosine = 0; ///< cosine similarity of the raw [0, 1] maps
};

/// How the student's channel map relates to the teacher's (mirrors retort::ChannelAlignment).
enum class ChannelMatch {
    SameIndex,  ///< same channel index (equal channel counts)
    Adapter,    ///< same channel of the student's feature through its trained KD adapter
    NotAligned  ///< other channel counts, no adapter: the student's own top channel
};

/// One aligned pair of tapped layers.
struct LayerAttention
{
    QString name;          ///< e.g. "P3/8"
    int teacherLayer = -1;
    int studentLayer = -1;
    AttentionMaps spatial; ///< mean over channels of F^2
    AttentionMaps channel; ///< CWD-style softmax of the teacher's most energetic channel
    int teacherChannel = -1;
    int studentChannel = -1; ///< equals teacherChannel unless NotAligned
    ChannelMatch channelMatch = ChannelMatch::SameIndex;
};

/// What the inference worker hands the Compare and Attention views for one image. Detections
/// are kept at a low threshold (conf 0.001) so the views filter them without new inference.
struct ComparisonResult
{
    QString imagePath;
    QImage original;
    QString teacherName; ///< model file names, for titles
    QString studentName;
    bool hasTeacher = false;
    bool hasStudent = false;
    ImageDetections teacher;
    ImageDetections student;
    std::vector<LayerAttention> layers; ///< empty unless both models are loaded
    int imgsz = 640;
    double teacherMs = 0; ///< forward + NMS per model
    double studentMs = 0;
    double attentionMs = 0;
};

} // namespace retort::widgets

Q_DECLARE_METATYPE(retort::widgets::ComparisonResult)
