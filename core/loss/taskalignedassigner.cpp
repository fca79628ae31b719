#include "loss/taskalignedassigner.h"

#include "loss/bboxiou.h"

namespace retort {

using torch::indexing::Slice;

TaskAlignedAssigner::TaskAlignedAssigner(int64_t nc, int64_t topk, double alpha, double beta, double eps)
    : m_nc(nc), m_topk(topk), m_alpha(alpha), m_beta(beta), m_eps(eps)
{
}

torch::Tensor TaskAlignedAssigner::candidatesInGts(const torch::Tensor& xy, const torch::Tensor& gt, double eps)
{
    const auto n = xy.size(0);
    const auto bs = gt.size(0);
    const auto nb = gt.size(1);
    auto ltrb = gt.view({-1, 1, 4}).chunk(2, 2);
    auto deltas = torch::cat({xy.unsqueeze(0) - ltrb[0], ltrb[1] - xy.unsqueeze(0)}, 2).view({bs, nb, n, -1});
    return std::get<0>(deltas.min(3)).gt(eps);
}

AssignResult TaskAlignedAssigner::operator()(const torch::Tensor& pdScores, const torch::Tensor& pdBboxes,
                                             const torch::Tensor& ancPoints, const torch::Tensor& gtLabels,
                                             const torch::Tensor& gtBboxes, const torch::Tensor& maskGtIn) const
{
    torch::NoGradGuard noGrad;
    const int64_t bs = pdScores.size(0);
    const int64_t na = pdScores.size(1);
    const int64_t nMax = gtBboxes.size(1);
    const auto dev = pdScores.device();
    AssignResult r;
    if (nMax == 0) {
        r.targetLabels = torch::full({bs, na}, m_nc, torch::TensorOptions().dtype(torch::kLong).device(dev));
        r.targetBboxes = torch::zeros_like(pdBboxes);
        r.targetScores = torch::zeros_like(pdScores);
        r.fgMask = torch::zeros({bs, na}, torch::TensorOptions().dtype(torch::kBool).device(dev));
        r.targetGtIdx = torch::zeros({bs, na}, torch::TensorOptions().dtype(torch::kLong).device(dev));
        return r;
    }
    const auto maskGt = maskGtIn.to(pdScores.dtype());

    // get_pos_mask
    torch::Tensor candidateBoxes = gtBboxes;
    if (m_smallBelow > 0) {
        // Widen only the sides below the threshold, about the box centre; targets keep the box.
        const auto xy1 = gtBboxes.narrow(-1, 0, 2);
        const auto xy2 = gtBboxes.narrow(-1, 2, 2);
        const auto centre = (xy1 + xy2) / 2;
        auto wh = xy2 - xy1;
        wh = torch::where((wh < m_smallBelow) & maskGtIn.to(torch::kBool), torch::full_like(wh, m_smallSize), wh);
        candidateBoxes = torch::cat({centre - wh / 2, centre + wh / 2}, -1);
    }
    const auto maskInGts = candidatesInGts(ancPoints, candidateBoxes).to(pdScores.dtype());
    const auto metricMask = (maskInGts * maskGt).to(torch::kBool); // (B, M, N)
    auto overlaps = torch::zeros({bs, nMax, na}, pdBboxes.options());
    auto bboxScores = torch::zeros({bs, nMax, na}, pdScores.options());
    const auto b0 = torch::arange(bs, torch::TensorOptions().dtype(torch::kLong).device(dev)).view({-1, 1}).expand({-1, nMax});
    const auto b1 = gtLabels.squeeze(-1).to(torch::kLong);
    // pd_scores[ind0, :, ind1] -> (B, M, N)
    const auto scoresPerGt = pdScores.permute({0, 2, 1}).index({b0, b1});
    bboxScores.index_put_({metricMask}, scoresPerGt.index({metricMask}));
    const auto pd = pdBboxes.unsqueeze(1).expand({-1, nMax, -1, -1}).index({metricMask});
    const auto gt = gtBboxes.unsqueeze(2).expand({-1, -1, na, -1}).index({metricMask});
    overlaps.index_put_({metricMask}, bboxIou(gt, pd, false, true).squeeze(-1).clamp_min(0));
    auto alignMetric = bboxScores.pow(m_alpha) * overlaps.pow(m_beta);

    // select_topk_candidates with topk_mask = mask_gt
    auto topk = alignMetric.topk(m_topk, -1, true);
    auto topkIdxs = std::get<1>(topk);
    const auto topkMask = maskGt.expand({-1, -1, m_topk}).to(torch::kBool);
    topkIdxs.masked_fill_(~topkMask, 0);
    auto count = torch::zeros(alignMetric.sizes(), torch::TensorOptions().dtype(torch::kInt8).device(dev));
    const auto ones = torch::ones_like(topkIdxs.index({Slice(), Slice(), Slice(0, 1)}), torch::kInt8);
    for (int64_t k = 0; k < m_topk; ++k)
        count.scatter_add_(-1, topkIdxs.index({Slice(), Slice(), Slice(k, k + 1)}), ones);
    count.masked_fill_(count > 1, 0);
    auto maskPos = count.to(alignMetric.dtype()) * maskInGts * maskGt;

    // select_highest_overlaps
    auto fg = maskPos.sum(-2);
    if (fg.max().item<float>() > 1) {
        const auto multi = (fg.unsqueeze(1) > 1).expand({-1, nMax, -1});
        const auto maxIdx = overlaps.argmax(1);
        auto isMax = torch::zeros(maskPos.sizes(), maskPos.options());
        isMax.scatter_(1, maxIdx.unsqueeze(1), 1);
        maskPos = torch::where(multi, isMax, maskPos).to(torch::kFloat);
        fg = maskPos.sum(-2);
    }
    if (m_topk2 > 0 && m_topk2 != m_topk) {
        // One-to-one: each gt keeps its topk2 best remaining anchors by alignment metric.
        const auto best = std::get<1>((alignMetric * maskPos).topk(m_topk2, -1, true));
        auto keep = torch::zeros(maskPos.sizes(), maskPos.options());
        keep.scatter_(-1, best, 1.0);
        maskPos = maskPos * keep;
        fg = maskPos.sum(-2);
    }
    const auto targetGtIdx = maskPos.argmax(-2); // (B, N)

    // get_targets
    const auto batchInd = torch::arange(bs, torch::TensorOptions().dtype(torch::kLong).device(dev)).unsqueeze(-1);
    const auto flatIdx = targetGtIdx + batchInd * nMax;
    auto targetLabels = gtLabels.to(torch::kLong).flatten().index({flatIdx});
    const auto targetBboxes = gtBboxes.view({-1, gtBboxes.size(-1)}).index({flatIdx});
    targetLabels.clamp_min_(0);
    auto targetScores = torch::zeros({bs, na, m_nc}, torch::TensorOptions().dtype(torch::kLong).device(dev));
    targetScores.scatter_(2, targetLabels.unsqueeze(-1), 1);
    const auto fgScoresMask = fg.unsqueeze(-1).repeat({1, 1, m_nc});
    targetScores = torch::where(fgScoresMask > 0, targetScores, torch::zeros_like(targetScores));

    alignMetric = alignMetric * maskPos;
    const auto posAlign = std::get<0>(alignMetric.max(-1, true));
    const auto posOverlaps = std::get<0>((overlaps * maskPos).max(-1, true));
    const auto norm = std::get<0>((alignMetric * posOverlaps / (posAlign + m_eps)).max(-2)).unsqueeze(-1);

    r.targetLabels = targetLabels;
    r.targetBboxes = targetBboxes;
    r.targetScores = targetScores * norm;
    r.fgMask = fg > 0;
    r.targetGtIdx = targetGtIdx;
    return r;
}

} // namespace retort
