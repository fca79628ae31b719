#pragma once

#include "train/experimentconfig.h"

#include <string>

namespace retort {

/// The weight factor of one KD term over a run: a linear warmup from 0 to 1 over
/// `warmupEpochs`, then 1 (decay none) or a linear / cosine decay from 1 to `finalFraction`
/// at the end of the run. Progress is in epochs (fractional: epoch + batch / batches).
///
///   KdSchedule s(cfg.distill.logit.schedule, 30, "distill.logit.schedule");
///   double w = cfg.distill.logit.weight * s.factor(epoch + double(i) / nb);
class KdSchedule
{
public:
    /// Throws InputError naming `key` for an unknown decay, a negative warmup or a final
    /// fraction outside [0, 1].
    KdSchedule(const ScheduleSettings& settings, int epochs, const std::string& key);

    /// Factor in [0, 1] at `epochProgress` (clamped to [0, epochs]).
    double factor(double epochProgress) const;
    /// "warmup 1 epoch, cosine decay to 0.1" or "constant".
    std::string describe() const;

private:
    ScheduleSettings m_settings;
    int m_epochs;
};

/// Linearly annealed temperature: `start` at progress 0, `end` at `epochs` (clamped); `start`
/// throughout when `end` <= 0.
///
///   double T = annealTemperature(4.0, 1.0, epochProgress, 30);
double annealTemperature(double start, double end, double epochProgress, int epochs);

} // namespace retort
