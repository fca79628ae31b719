#include "train/modelema.h"

#include "io/weights.h"

#include <cmath>

namespace retort {
namespace {
std::vector<torch::Tensor> floatingState(DetectionModelImpl& model)
{
    std::vector<torch::Tensor> out;
    for (auto& [name, t] : stateDict(model))
        if (t.is_floating_point())
            out.push_back(t);
    return out;
}
} // namespace

ModelEMA::ModelEMA(const DetectionModelImpl& model, double decay, double tau, const torch::Device& device)
    : m_ema(cloneModel(model, device)), m_decay(decay), m_tau(tau)
{
    m_ema->eval();
    for (auto& p : m_ema->parameters())
        p.set_requires_grad(false);
    m_emaState = floatingState(*m_ema);
}

double ModelEMA::currentDecay() const
{
    return m_decay * (1.0 - std::exp(-static_cast<double>(m_updates) / m_tau));
}

void ModelEMA::update(const DetectionModelImpl& model)
{
    torch::NoGradGuard noGrad;
    ++m_updates;
    const double d = currentDecay();
    const auto source = floatingState(const_cast<DetectionModelImpl&>(model));
    for (size_t i = 0; i < m_emaState.size(); ++i) {
        m_emaState[i].mul_(d).add_(source[i].detach(), 1.0 - d);
    }
}

} // namespace retort
