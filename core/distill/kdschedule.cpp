#include "distill/kdschedule.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace retort {

KdSchedule::KdSchedule(const ScheduleSettings& settings, int epochs, const std::string& key)
    : m_settings(settings), m_epochs(std::max(epochs, 1))
{
    const std::string& d = settings.decay;
    if (d != "none" && d != "linear" && d != "cosine")
        throw InputError(key + ".decay: '" + d + "' is not one of none, linear, cosine");
    if (!(settings.warmupEpochs >= 0))
        throw InputError(key + ".warmup_epochs: expected a value >= 0, got " + std::to_string(settings.warmupEpochs));
    if (!(settings.finalFraction >= 0 && settings.finalFraction <= 1))
        throw InputError(key + ".final: expected a value in [0, 1], got " +
                         std::to_string(settings.finalFraction));
}

double KdSchedule::factor(double epochProgress) const
{
    const double p = std::clamp(epochProgress, 0.0, static_cast<double>(m_epochs));
    const double warmup = m_settings.warmupEpochs;
    if (warmup > 0 && p < warmup)
        return p / warmup;
    const double span = m_epochs - warmup;
    if (m_settings.decay == "none" || span <= 0)
        return 1.0;
    const double q = std::clamp((p - warmup) / span, 0.0, 1.0);
    const double end = m_settings.finalFraction;
    if (m_settings.decay == "linear")
        return 1.0 + (end - 1.0) * q;
    return end + (1.0 - end) * 0.5 * (1.0 + std::cos(M_PI * q));
}

std::string KdSchedule::describe() const
{
    std::ostringstream s;
    if (m_settings.warmupEpochs > 0)
        s << "warmup " << m_settings.warmupEpochs << " epochs";
    if (m_settings.decay != "none")
        s << (s.tellp() > 0 ? ", " : "") << m_settings.decay << " decay to " << m_settings.finalFraction;
    return s.tellp() > 0 ? s.str() : std::string("constant");
}

double annealTemperature(double start, double end, double epochProgress, int epochs)
{
    if (end <= 0)
        return start;
    const double q = std::clamp(epochProgress / std::max(epochs, 1), 0.0, 1.0);
    return start + (end - start) * q;
}

} // namespace retort
