#include "distill/kdlosses.h"

#include "loss/bboxiou.h"
#include "model/detect.h"

#include <algorithm>
#include <cmath>
#include <vector>

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

torch::Tensor boxKd(const torch::Tensor& student, int64_t studentBins, const torch::Tensor& teacher, int64_t teacherBins,
                    const torch::Tensor& anchorPoints, const torch::Tensor& weights)
{
    const auto s = binDistances(student, studentBins);
    const auto t = binDistances(teacher.detach(), teacherBins).to(s.dtype());
    const auto l1 = (s - t).abs().mean(-1); // (B, N)
    const auto box = [&](const torch::Tensor& d) {
        const auto parts = d.chunk(2, -1);
        return torch::cat({anchorPoints - parts[0], anchorPoints + parts[1]}, -1);
    };
    const auto iou = bboxIou(box(s), box(t)).squeeze(-1); // (B, N)
    const auto perAnchor = l1 + (1.0 - iou);
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

torch::Tensor pearsonKd(const torch::Tensor& student, const torch::Tensor& teacher)
{
    const auto standardise = [](const torch::Tensor& f) {
        const auto flat = f.flatten(2); // (B, C, HW)
        const auto centred = flat - flat.mean(2, true);
        // The clamp keeps the gradient finite where a channel is constant (std 0, e.g. a 1x1 map);
        // above it, it changes nothing.
        const auto std = centred.pow(2).mean(2, true).clamp_min(1e-12).sqrt();
        return centred / (std + 1e-6);
    };
    return F::mse_loss(standardise(student), standardise(teacher)) / 2.0;
}

torch::Tensor scoreWeightedL2(const torch::Tensor& projected, const torch::Tensor& teacher, const torch::Tensor& weights)
{
    const auto w = weights.to(projected.dtype());
    const auto perPosition = (projected - teacher).pow(2).sum(1); // (B, H, W)
    return (perPosition * w).sum() / (w.sum() * static_cast<double>(projected.size(1))).clamp_min(1e-9);
}

torch::Tensor teacherConfidence(const torch::Tensor& headMap, int64_t nc)
{
    return headMap.narrow(1, headMap.size(1) - nc, nc).sigmoid().amax(1);
}

torch::Tensor fgdForegroundMask(const torch::Tensor& batchIdx, const torch::Tensor& bboxes, int64_t batch, int64_t height,
                                int64_t width, int64_t imageH, int64_t imageW, const torch::TensorOptions& options)
{
    torch::NoGradGuard noGrad;
    // Built in float (or double) whatever the map's dtype, for exact cell areas.
    const auto work = options.dtype() == torch::kDouble ? options : options.dtype(torch::kFloat);
    auto fg = torch::zeros({batch, height * width}, work);
    if (bboxes.defined() && bboxes.numel() > 0) {
        const auto boxes = bboxes.to(work).view({-1, 4});
        const int64_t m = boxes.size(0);
        const double sy = std::max(1.0, std::round(static_cast<double>(imageH) / static_cast<double>(height)));
        const double sx = std::max(1.0, std::round(static_cast<double>(imageW) / static_cast<double>(width)));
        // Cells [first, last) the box overlaps along one axis, at least one, clipped to the map.
        const auto span = [m](const torch::Tensor& centre, const torch::Tensor& size, double scale, int64_t cells) {
            const auto lo = ((centre - size / 2) * scale).floor();
            const auto hi = torch::maximum(((centre + size / 2) * scale).ceil(), lo + 1);
            return std::make_pair(lo.clamp(0, cells).view({m, 1}), hi.clamp(0, cells).view({m, 1}));
        };
        const auto [c0, c1] = span(boxes.select(1, 0), boxes.select(1, 2), static_cast<double>(imageW) / sx, width);
        const auto [r0, r1] = span(boxes.select(1, 1), boxes.select(1, 3), static_cast<double>(imageH) / sy, height);
        const auto area = ((c1 - c0) * (r1 - r0)).clamp_min(1).reciprocal(); // (M, 1)
        const auto cols = torch::arange(width, work).view({1, -1});
        const auto rows = torch::arange(height, work).view({1, -1});
        const auto inCol = cols.ge(c0) & cols.lt(c1); // (M, W)
        const auto inRow = rows.ge(r0) & rows.lt(r1); // (M, H)
        const auto value = (inRow.unsqueeze(2) & inCol.unsqueeze(1)).to(work.dtype()).view({1, m, -1}) * area.view({1, m, 1});
        const auto image = batchIdx.to(work.device(), torch::kLong).view({1, m});
        const auto owns = image.eq(torch::arange(batch, image.options()).view({batch, 1})).to(work.dtype()); // (B, M)
        // The max over each image's boxes, a few images at a time to bound the (n, M, HW)
        // product (scatter_reduce would do it in one pass but warns that it is beta).
        const int64_t perChunk = std::max<int64_t>(1, (int64_t{1} << 23) / (m * height * width));
        std::vector<torch::Tensor> parts;
        for (int64_t b0 = 0; b0 < batch; b0 += perChunk) {
            const int64_t n = std::min(perChunk, batch - b0);
            parts.push_back((owns.narrow(0, b0, n).unsqueeze(2) * value).amax(1));
        }
        fg = torch::cat(parts);
    }
    return fg.view({batch, height, width}).to(options.dtype());
}

torch::Tensor fgdBackgroundMask(const torch::Tensor& foreground)
{
    const auto bg = foreground.eq(0).to(foreground.dtype());
    return bg / bg.sum({1, 2}, true).clamp_min(1);
}

FgdAttention fgdAttention(const torch::Tensor& feature, double temperature)
{
    const int64_t b = feature.size(0);
    const int64_t c = feature.size(1);
    const int64_t h = feature.size(2);
    const int64_t w = feature.size(3);
    const auto a = feature.abs();
    FgdAttention out;
    out.spatial = ((a.mean(1).view({b, h * w}) / temperature).softmax(1) * static_cast<double>(h * w)).view({b, h, w});
    out.channel = (a.mean({2, 3}) / temperature).softmax(1) * static_cast<double>(c);
    return out;
}

torch::Tensor fgdFeatureLoss(const torch::Tensor& student, const torch::Tensor& teacher, const torch::Tensor& mask,
                             const FgdAttention& teacherAttention)
{
    const int64_t b = student.size(0);
    const auto weight = mask.unsqueeze(1) * teacherAttention.spatial.unsqueeze(1) *
                        teacherAttention.channel.view({b, -1, 1, 1}); // (B, C, H, W)
    return ((student - teacher).pow(2) * weight).sum() / static_cast<double>(b);
}

torch::Tensor fgdAttentionLoss(const FgdAttention& student, const FgdAttention& teacher)
{
    const auto b = static_cast<double>(student.spatial.size(0));
    return ((student.channel - teacher.channel).abs().sum() + (student.spatial - teacher.spatial).abs().sum()) / b;
}

torch::Tensor fgdGlobalLoss(const torch::Tensor& studentContext, const torch::Tensor& teacherContext)
{
    return (studentContext - teacherContext).pow(2).sum() / static_cast<double>(studentContext.size(0));
}

} // namespace retort
