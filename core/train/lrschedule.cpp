#include "train/lrschedule.h"

#include "train/experimentconfig.h"

#include <algorithm>
#include <cmath>

namespace retort {
namespace {
double interp(double x, double x0, double x1, double y0, double y1)
{
    if (x <= x0)
        return y0;
    if (x >= x1)
        return y1;
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}
} // namespace

LrSchedule::LrSchedule(const TrainSettings& s, int batchesPerEpoch)
    : m_lr0(s.lr0), m_lrf(s.lrf), m_momentum(s.momentum), m_warmupMomentum(s.warmupMomentum),
      m_warmupBiasLr(s.warmupBiasLr), m_epochs(s.epochs), m_cos(s.cosLr),
      m_warmupIters(s.warmupEpochs > 0 ? std::max(static_cast<int>(std::nearbyint(s.warmupEpochs * batchesPerEpoch)), 100) : -1),
      m_nominal(static_cast<double>(s.nbs) / s.batch)
{
}

double LrSchedule::factor(int epoch) const
{
    const double x = epoch;
    if (m_cos)
        return ((1 - std::cos(x * M_PI / m_epochs)) / 2) * (m_lrf - 1) + 1;
    return std::max(1 - x / m_epochs, 0.0) * (1.0 - m_lrf) + m_lrf;
}

double LrSchedule::lr(int group, long long it, int epoch) const
{
    const double target = m_lr0 * factor(epoch);
    if (it > m_warmupIters)
        return target;
    return interp(static_cast<double>(it), 0, m_warmupIters, group == 0 ? m_warmupBiasLr : 0.0, target);
}

double LrSchedule::momentum(long long it) const
{
    if (it > m_warmupIters)
        return m_momentum;
    return interp(static_cast<double>(it), 0, m_warmupIters, m_warmupMomentum, m_momentum);
}

int LrSchedule::accumulate(long long it) const
{
    if (it <= m_warmupIters)
        return std::max(1, static_cast<int>(std::nearbyint(interp(static_cast<double>(it), 0, m_warmupIters, 1, m_nominal))));
    return std::max(static_cast<int>(std::nearbyint(m_nominal)), 1);
}

} // namespace retort
