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

/// Localisation KD for heads whose box bins differ (a YOLO26 head's raw distances, reg_max 1,
/// against DFL bins, or DFL heads of different reg_max): both decoded to ltrb distances (grid
/// units, the expectation over the bins for DFL heads), then per anchor the mean L1 of the four
/// distances plus 1 - IoU of the boxes around the anchor, weighted by `weights` (the teacher's
/// confidence) and normalised by their sum.
///
///   auto l = boxKd(out.predDistri, 1, teacherDistri, 16, out.anchorPoints, teacherConf);
torch::Tensor boxKd(const torch::Tensor& student, int64_t studentBins, const torch::Tensor& teacher, int64_t teacherBins,
                    const torch::Tensor& anchorPoints, const torch::Tensor& weights);

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

/// Pearson-correlation KD (Cao et al. 2022, MMRazor's PKDLoss), per image: each map is
/// normalised per image and channel over its H·W positions, z = (F − mean) / (std + 1e-6)
/// with the population std (so Σ_hw z² = H·W), and
///   L = mean over (B, C, H, W) of (z_s − z_t)² / 2
/// which is mean_(b,c) (1 − ρ_bc), ρ the Pearson correlation of the two maps of a channel
/// (exactly 0 at s = t, invariant to a per-channel affine change a·F + b, a > 0, of either side).
/// Unlike MMRazor, which normalises over the whole batch with the unbiased std, every image
/// stands alone here. Shapes equal (adapt the student first).
///
///   auto l = pearsonKd(adapter(sFeat), tFeat);
torch::Tensor pearsonKd(const torch::Tensor& student, const torch::Tensor& teacher);

/// Score-weighted L2 between a projected student map and the teacher map, shapes (B, C, H, W):
///   L = Σ_(b,h,w) w · Σ_c (p − t)² / max(Σ_(b,h,w) w · C, 1e-9)
/// with `weights` (B, H, W) ≥ 0, e.g. the teacher's class confidence per position
/// (teacherConfidence). A position of weight 0 contributes nothing; all weights 1 is the MSE.
///
///   auto l = scoreWeightedL2(projector(sFeat), tFeat, teacherConfidence(tHead, nc));
torch::Tensor scoreWeightedL2(const torch::Tensor& projected, const torch::Tensor& teacher, const torch::Tensor& weights);

/// The max over classes of sigmoid(class logits) per position of one Detect level's raw map
/// (B, 4·reg_max + nc, H, W), whose last `nc` channels are the class logits: (B, H, W).
///
///   auto w = teacherConfidence(teacherMaps[0], 80);
torch::Tensor teacherConfidence(const torch::Tensor& headMap, int64_t nc);

/// FGD's focal mask Mf (B, H, W) of the ground-truth boxes on a feature map of H×W cells.
/// `batchIdx` (M), `bboxes` (M, 4) xywh normalised to the image (imageH × imageW pixels), as in
/// DetectionTargets. The map's stride is round(image / cells) per axis; a box covers the cells
/// it overlaps, rows floor(y1/s) .. ceil(y2/s) − 1 (at least one, clipped to the map), and
/// sets them to 1 / (rows · columns), the max over the image's boxes where boxes overlap.
/// (The official FGD fills rows floor .. ceil inclusive, one more row and column.) Outside
/// every box Mf = 0. Returned with `options` (the feature map's device and dtype), no grad.
///
///   auto fg = fgdForegroundMask(t.batchIdx, t.bboxes, 2, 20, 20, 160, 160, feat.options());
torch::Tensor fgdForegroundMask(const torch::Tensor& batchIdx, const torch::Tensor& bboxes, int64_t batch, int64_t height,
                                int64_t width, int64_t imageH, int64_t imageW, const torch::TensorOptions& options);

/// FGD's background mask from Mf: 1 where Mf = 0, divided per image by the number of such
/// positions (an image with no background position is all 0).
torch::Tensor fgdBackgroundMask(const torch::Tensor& foreground);

/// FGD's attention of a map F (B, C, H, W) at temperature T:
///   spatial S = H·W · softmax_hw(mean_c |F| / T)  (B, H, W)
///   channel A = C · softmax_c(mean_hw |F| / T)    (B, C)
struct FgdAttention
{
    torch::Tensor spatial;
    torch::Tensor channel;
};
FgdAttention fgdAttention(const torch::Tensor& feature, double temperature);

/// FGD's focal feature term for one mask M (B, H, W), with the teacher's attention:
///   Σ (s − t)² · M · S_t · A_t / B
///
///   auto fg = fgdFeatureLoss(sAligned, tFeat, mf, fgdAttention(tFeat, 0.5));
torch::Tensor fgdFeatureLoss(const torch::Tensor& student, const torch::Tensor& teacher, const torch::Tensor& mask,
                             const FgdAttention& teacherAttention);

/// FGD's attention term: (Σ |A_s − A_t| + Σ |S_s − S_t|) / B, as the official code's
/// get_mask_loss (a sum over channels and positions, a mean over images).
torch::Tensor fgdAttentionLoss(const FgdAttention& student, const FgdAttention& teacher);

/// FGD's global term: Σ (G_s − G_t)² / B of the two GcBlock outputs.
torch::Tensor fgdGlobalLoss(const torch::Tensor& studentContext, const torch::Tensor& teacherContext);

} // namespace retort
