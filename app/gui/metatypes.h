#pragma once

// Core value types carried by queued Qt signals between the training thread and the UI.
#include "train/runstate.h"
#include "train/trainerobserver.h"

#include <QMetaType>
#include <QVector>

Q_DECLARE_METATYPE(retort::RunState)
Q_DECLARE_METATYPE(retort::RunInfo)
Q_DECLARE_METATYPE(retort::StepMetrics)
Q_DECLARE_METATYPE(retort::EpochMetrics)
Q_DECLARE_METATYPE(retort::ValMetrics)
Q_DECLARE_METATYPE(retort::CheckpointInfo)
Q_DECLARE_METATYPE(retort::RunSummary)

namespace retort::app {
/// Registers the types above with Qt's meta-type system (call once before connecting).
void registerMetaTypes();
} // namespace retort::app
