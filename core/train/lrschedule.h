#pragma once

#include <vector>

namespace retort {

struct TrainSettings;

/// Ultralytics' learning-rate and momentum schedule: per-iteration warmup (at least 100
/// iterations), then a per-epoch linear or cosine factor down to lrf, plus the gradient
/// accumulation that emulates the nominal batch size.
class LrSchedule
{
public:
    LrSchedule(const TrainSettings& settings, int batchesPerEpoch);

    /// Epoch factor lf(epoch) applied to lr0.
    double factor(int epoch) const;
    int warmupIterations() const { return m_warmupIters; }
    /// Learning rate of parameter group `group` (0 = biases, which warm up from warmup_bias_lr)
    /// at global iteration `iteration` within `epoch`.
    double lr(int group, long long iteration, int epoch) const;
    double momentum(long long iteration) const;
    /// Batches accumulated per optimizer step at `iteration`.
    int accumulate(long long iteration) const;

private:
    double m_lr0, m_lrf, m_momentum, m_warmupMomentum, m_warmupBiasLr;
    int m_epochs;
    bool m_cos;
    int m_warmupIters;
    double m_nominal; // nbs / batch
};

} // namespace retort
