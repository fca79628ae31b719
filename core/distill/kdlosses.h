#pragma once

#include <torch/torch.h>

namespace retort {

// Knowledge-distillation losses as free functions on tensors. Teacher arguments are expected
// detached (the Distiller detaches them); every function returns an unweighted scalar.

/// Logit KD, Bernoulli form (one sigmoid per class, as YOLOv8 scores are):
///   p = sigmoid(t / T), q = sigmoid(s / T)
///   L = T² · mean_anchors Σ_c [p log(p/q) + (1-p) log((1-p)/(1-q))]
/// computed as BCEWithLogits(s/T, p) − BCEWithLogits(t/T, p), so it is 0 at s = t and has
/// BCE's gradient. `student`, `teacher`: (B, N, nc) logits. `anchorMask` (B, N) bool, when
/// defined, keeps only the selected anchors; with none selected the result is 0 with a graph
/// to `student`.
/// `scoreMass` (B, N) >= 0, when defined, replaces the mean over anchors with the task cls
/// loss's normalisation: Σ over the (selected) anchors, divided by max(Σ scoreMass, 1), where
/// the task divides by its target-score sum. With the teacher's max class score per anchor as
/// `scoreMass` the term is on the scale of the cls loss, instead of ~N/objects times smaller.
///
///   auto l = logitKdBce(out.predScores, teacherScores, 4.0, {}, teacherScores.sigmoid().amax(-1));
torch::Tensor logitKdBce(const torch::Tensor& student, const torch::Tensor& teacher, double temperature,
                         const torch::Tensor& anchorMask = {}, const torch::Tensor& scoreMass = {});

/// Logit KD, softmax form (Hinton): over the class dimension,
///   L = T² · mean_anchors Σ_c softmax(t/T) · (log_softmax(t/T) − log_softmax(s/T))
/// Shapes and `anchorMask` as logitKdBce. `anchorWeights` (B, N) >= 0, when defined, make the
/// mean over anchors a weighted one, Σ w·kl / Σ w (a class distribution at a background anchor
/// says nothing, so the teacher's confidence weights each anchor, as locKd does).
///
///   auto l = logitKdKl(out.predScores, teacherScores, 4.0, teacherScores.sigmoid().amax(-1) > 0.1);
torch::Tensor logitKdKl(const torch::Tensor& student, const torch::Tensor& teacher, double temperature,
                        const torch::Tensor& anchorMask = {}, const torch::Tensor& anchorWeights = {});

/// Localisation KD on the DFL bins: `student`, `teacher` (B, N, 4*regMax) viewed (B, N, 4, regMax),
///   kl_a = T² · mean_sides Σ_bins softmax(t/T) · (log_softmax(t/T) − log_softmax(s/T))
///   L = Σ_a w_a · kl_a / Σ_a w_a
/// with `weights` (B, N) ≥ 0, e.g. the teacher's max class score per anchor.
///
///   auto l = locKd(out.predDistri, teacherDistri, teacherScores.sigmoid().amax(-1), 16, 1.0);
torch::Tensor locKd(const torch::Tensor& student, const torch::Tensor& teacher, const torch::Tensor& weights,
                    int64_t regMax, double temperature);

/// Feature MSE: mean over elements of (s − t)², shapes equal (adapt the student first).
///
///   auto l = featureMse(adapter(sFeat), tFeat);
torch::Tensor featureMse(const torch::Tensor& student, const torch::Tensor& teacher);

/// Attention transfer (Zagoruyko & Komodakis): per image A = mean_c F² over positions,
/// L2-normalised; L = mean_images ‖A_s − A_t‖². Channel counts may differ; H, W must match.
///
///   auto l = attentionTransfer(sFeat, tFeat);
torch::Tensor attentionTransfer(const torch::Tensor& student, const torch::Tensor& teacher);

/// Channel-wise distillation (Shu et al., MMRazor's ChannelWiseDivergence): per image and
/// channel a softmax over the H·W positions,
///   L = τ² · Σ p_t (log p_t − log p_s) / (B · C),  p = softmax(F / τ)
/// Shapes equal (adapt the student first).
///
///   auto l = channelWiseDivergence(adapter(sFeat), tFeat, 1.0);
torch::Tensor channelWiseDivergence(const torch::Tensor& student, const torch::Tensor& teacher, double tau);

/// Masked generative distillation (Yang et al., MMRazor's MGDLoss), the loss part:
///   L = α · Σ (generated − t)² / B
/// where `generated` is the generator's output for the masked, aligned student feature.
///
///   auto l = mgdLoss(generator(sAligned * mgdMask(...)), tFeat, 2e-5);
torch::Tensor mgdLoss(const torch::Tensor& generated, const torch::Tensor& teacher, double alpha);

/// MGD's random spatial mask (B, 1, H, W) of 0/1: each position is dropped (0) with
/// probability `lambda`. Drawn on the CPU from `generator`, returned on `device`.
///
///   auto mask = mgdMask(2, 20, 20, 0.65, gen, x.device(), x.scalar_type());
torch::Tensor mgdMask(int64_t batch, int64_t height, int64_t width, double lambda, at::Generator generator,
                      const torch::Device& device, torch::ScalarType dtype);

/// Similarity-preserving KD (Tung & Mori) between the images of a batch: per model
/// G = normalize_rows(F·Fᵀ) with F (B, C·H·W); L = ‖G_s − G_t‖²_F / B².
///
///   auto l = sampleRelationKd(sFeat, tFeat);
torch::Tensor sampleRelationKd(const torch::Tensor& student, const torch::Tensor& teacher);

/// Spatial relation KD between positions: per image, features L2-normalised over channels,
/// S = Fᵀ·F (HW × HW cosine similarities); L = mean over (B, HW, HW) of (S_s − S_t)².
/// Channel counts may differ; H, W must match.
///
///   auto l = spatialRelationKd(sP5, tP5);
torch::Tensor spatialRelationKd(const torch::Tensor& student, const torch::Tensor& teacher);

} // namespace retort
