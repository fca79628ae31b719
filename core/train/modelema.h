#pragma once

#include "model/detectionmodel.h"

namespace retort {

/// Exponential moving average of a model's floating-point state (parameters and BN
/// statistics), as Ultralytics' ModelEMA: decay ramps as d * (1 - exp(-updates / tau)).
/// The EMA copy is what gets validated and saved.
///
///   ModelEMA ema(model, 0.9999, 2000);
///   optimizer.step(); ema.update(*model);
class ModelEMA
{
public:
    ModelEMA(const DetectionModelImpl& model, double decay, double tau, const torch::Device& device);

    void update(const DetectionModelImpl& model);
    DetectionModel model() const { return m_ema; }
    long long updates() const { return m_updates; }
    void setUpdates(long long updates) { m_updates = updates; }
    double currentDecay() const;

private:
    DetectionModel m_ema;
    std::vector<torch::Tensor> m_emaState;   // floating-point entries, same order as the source's
    double m_decay;
    double m_tau;
    long long m_updates = 0;
};

} // namespace retort
