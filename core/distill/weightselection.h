#pragma once

#include "model/detectionmodel.h"

#include <string>

namespace retort {

/// What inheritWeights copied.
struct InheritReport
{
    int tensors = 0;       ///< student tensors (parameters and BN buffers) filled from the teacher
    int total = 0;         ///< student tensors in all
    int64_t values = 0;    ///< numbers copied
    std::string describe() const;
};

/// Initialises a student from a wider (and deeper or equally deep) teacher of the same family
/// by weight selection (Xu et al., "Initializing Models with Larger Ones", ICLR 2024): every
/// student tensor is the teacher's at evenly spaced channel indices, floor(i * T / S), chosen
/// once per channel space so that a layer's input indices are the output indices of the layers
/// feeding it (through C2f's split, the Concat layers and the head); repeated blocks take the
/// teacher's first n. The head's outputs (DFL bins, classes) are copied whole.
///
/// Neither model may be fused. Throws InputError naming the layer when the layers differ in
/// kind, the teacher is narrower or shallower than the student anywhere, or the class count or
/// DFL bins differ.
///
///   DetectionModel student(loadArch("yolov8n.yaml"));
///   InheritReport r = inheritWeights(*student, *teacher); // teacher: a trained yolov8s
InheritReport inheritWeights(DetectionModelImpl& student, const DetectionModelImpl& teacher);

} // namespace retort
