#include "distill/kdlosses.h"

namespace retort {
namespace {

namespace F = torch::nn::functional;

/// Mean of per-anchor values (B, N) over the anchors `mask` selects (all when undefined).
/// Dividing by max(count, 1) keeps an empty selection at 0 with a graph, without a sync.
torch::Tensor maskedMean(const torch::Tensor& perAnchor, const torch::Tensor& mask)
{
    if (!mask.defined())
        return perAnchor.mean();
    const auto m = mask.to(perAnchor.dtype());
    return (perAnchor * m).sum() / m.sum().clamp_min(1.0);
}

/// Σ of per-anchor values over the anchors `mask` selects, over max(Σ selected mass, 1).
torch::Tensor massNormalisedSum(const torch::Tensor& perAnchor, const torch::Tensor& mask, const torch::Tensor& mass)
{
    auto m = mass.to(perAnchor.dtype());
    auto v = perAnchor;
    if (mask.defined()) {
        const auto keep = mask.to(perAnchor.dtype());
        m = m * keep;
        v = v * keep;
    }
    return v.sum() / m.sum().clamp_min(1.0);
}

/// Σ w·v / Σ w over the anchors `mask` selects (w ≥ 0); 0 with a graph when the weights vanish.
torch::Tensor weightedMean(const torch::Tensor& perAnchor, const torch::Tensor& mask, const torch::Tensor& weights)
{
    auto w = weights.to(perAnchor.dtype());
    if (mask.defined())
        w = w * mask.to(perAnchor.dtype());
    return (perAnchor * w).sum() / w.sum().clamp_min(1e-9);
}

/// Σ over `dim` of softmax(t)·(log_softmax(t) − log_softmax(s)): KL(teacher ‖ student).
torch::Tensor softmaxKl(const torch::Tensor& s, const torch::Tensor& t, int64_t dim)
{
    const auto logPt = t.log_softmax(dim);
    return (logPt.exp() * (logPt - s.log_softmax(dim))).sum(dim);
}

} // namespace

torch::Tensor logitKdBce(const torch::Tensor& student, const torch::Tensor& teacher, double temperature,
                         const torch::Tensor& anchorMask, const torch::Tensor& scoreMass)
{
    const auto s = student / temperature;
    const auto t = teacher / temperature;
    const auto p = t.sigmoid();
    const auto none = F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kNone);
    // BCE(t/T, p) is the teacher's entropy: subtracting it makes this the Bernoulli KL.
    const auto kl = F::binary_cross_entropy_with_logits(s, p, none) - F::binary_cross_entropy_with_logits(t, p, none);
    const auto perAnchor = kl.sum(-1);
    const auto reduced = scoreMass.defined() ? massNormalisedSum(perAnchor, anchorMask, scoreMass)
                                             : maskedMean(perAnchor, anchorMask);
    return reduced * (temperature * temperature);
}

torch::Tensor logitKdKl(const torch::Tensor& student, const torch::Tensor& teacher, double temperature,
                        const torch::Tensor& anchorMask, const torch::Tensor& anchorWeights)
{
    const auto kl = softmaxKl(student / temperature, teacher / temperature, -1);
    const auto reduced = anchorWeights.defined() ? weightedMean(kl, anchorMask, anchorWeights)
                                                 : maskedMean(kl, anchorMask);
    return reduced * (temperature * temperature);
}

torch::Tensor locKd(const torch::Tensor& student, const torch::Tensor& teacher, const torch::Tensor& weights,
                    int64_t regMax, double temperature)
{
    const int64_t b = student.size(0);
    const auto s = student.reshape({b, -1, 4, regMax}) / temperature;
    const auto t = teacher.reshape({b, -1, 4, regMax}) / temperature;
    const auto perAnchor = softmaxKl(s, t, -1).mean(-1) * (temperature * temperature); // (B, N)
    const auto w = weights.to(perAnchor.dtype());
    return (perAnchor * w).sum() / w.sum().clamp_min(1e-9);
}

torch::Tensor featureMse(const torch::Tensor& student, const torch::Tensor& teacher)
{
    return F::mse_loss(student, teacher);
}

torch::Tensor attentionTransfer(const torch::Tensor& student, const torch::Tensor& teacher)
{
    const auto attention = [](const torch::Tensor& f) {
        return F::normalize(f.pow(2).mean(1).flatten(1), F::NormalizeFuncOptions().dim(1));
    };
    return (attention(student) - attention(teacher)).pow(2).sum(1).mean();
}

torch::Tensor channelWiseDivergence(const torch::Tensor& student, const torch::Tensor& teacher, double tau)
{
    const int64_t b = student.size(0);
    const int64_t c = student.size(1);
    const auto s = student.reshape({b * c, -1}) / tau;
    const auto t = teacher.reshape({b * c, -1}) / tau;
    return softmaxKl(s, t, 1).sum() * (tau * tau) / static_cast<double>(b * c);
}

torch::Tensor mgdLoss(const torch::Tensor& generated, const torch::Tensor& teacher, double alpha)
{
    return (generated - teacher).pow(2).sum() * (alpha / static_cast<double>(generated.size(0)));
}

torch::Tensor mgdMask(int64_t batch, int64_t height, int64_t width, double lambda, at::Generator generator,
                      const torch::Device& device, torch::ScalarType dtype)
{
    const auto u = torch::rand({batch, 1, height, width}, generator, torch::TensorOptions().dtype(torch::kFloat));
    // MGD keeps a position where u <= 1 - λ, i.e. drops it with probability λ.
    return u.le(1.0 - lambda).to(dtype).to(device);
}

torch::Tensor sampleRelationKd(const torch::Tensor& student, const torch::Tensor& teacher)
{
    const int64_t b = student.size(0);
    const auto gram = [b](const torch::Tensor& f) {
        const auto v = f.reshape({b, -1});
        return F::normalize(v.matmul(v.t()), F::NormalizeFuncOptions().dim(1));
    };
    return (gram(student) - gram(teacher)).pow(2).sum() / static_cast<double>(b * b);
}

torch::Tensor spatialRelationKd(const torch::Tensor& student, const torch::Tensor& teacher)
{
    const auto similarity = [](const torch::Tensor& f) {
        const auto v = F::normalize(f.flatten(2), F::NormalizeFuncOptions().dim(1)); // (B, C, HW)
        return v.transpose(1, 2).bmm(v);                                            // (B, HW, HW)
    };
    return F::mse_loss(similarity(student), similarity(teacher));
}

} // namespace retort
