#include "loss/detectionloss.h"

#include "eval/nms.h"
#include "loss/bboxiou.h"
#include "model/detect.h"

namespace retort {

DetectionLoss::DetectionLoss(int64_t nc, std::vector<double> strides, int64_t regMax, DetectionLossHyp hyp)
    : m_nc(nc), m_strides(std::move(strides)), m_regMax(regMax), m_hyp(hyp), m_assigner(nc, hyp.topk, hyp.alpha, hyp.beta)
{
    m_assigner.setTopk2(hyp.topk2);
    if (hyp.smallGtRule && !m_strides.empty())
        m_assigner.setSmallGtRule(m_strides[0], m_strides.size() > 1 ? 2 * m_strides[0] : m_strides[0]);
}

namespace {

std::string shapeString(const torch::Tensor& t)
{
    std::string s = "(";
    for (int64_t d = 0; d < t.dim(); ++d)
        s += (d ? ", " : "") + std::to_string(t.size(d));
    return s + ")";
}

/// (M, 6) rows [img, cls, x, y, w, h] -> (B, maxPerImage, 5) [cls, x1, y1, x2, y2] in pixels.
torch::Tensor padTargets(const DetectionTargets& t, int64_t batchSize, const torch::Tensor& scale,
                         const torch::TensorOptions& opts)
{
    const int64_t n = t.batchIdx.numel();
    if (n == 0)
        return torch::zeros({batchSize, 0, 5}, opts);
    const auto idx = t.batchIdx.view(-1).to(torch::kLong).to(torch::kCPU);
    std::vector<int64_t> counts(static_cast<size_t>(batchSize), 0);
    const auto acc = idx.accessor<int64_t, 1>();
    for (int64_t i = 0; i < n; ++i)
        counts[static_cast<size_t>(acc[i])]++;
    const int64_t maxCount = *std::max_element(counts.begin(), counts.end());
    auto out = torch::zeros({batchSize, maxCount, 5}, opts);
    const auto rows = torch::cat({t.cls.view({-1, 1}).to(opts.dtype()), t.bboxes.to(opts.dtype())}, 1).to(opts.device());
    const auto idxDev = idx.to(opts.device());
    for (int64_t j = 0; j < batchSize; ++j) {
        if (!counts[static_cast<size_t>(j)])
            continue;
        const auto sel = rows.index({idxDev == j});
        out[j].narrow(0, 0, sel.size(0)).copy_(sel);
    }
    auto boxes = out.narrow(2, 1, 4);
    boxes.copy_(xywh2xyxy(boxes * scale));
    return out;
}

} // namespace

FlatHeadOutput flattenHeadMaps(const std::vector<torch::Tensor>& maps, int64_t nc, int64_t regMax)
{
    const int64_t b = maps.at(0).size(0);
    const int64_t no = nc + 4 * regMax;
    std::vector<torch::Tensor> flat;
    flat.reserve(maps.size());
    for (const auto& m : maps)
        flat.push_back(m.reshape({b, no, -1}));
    const auto cat = torch::cat(flat, 2);
    return {cat.narrow(1, 0, 4 * regMax).permute({0, 2, 1}).contiguous(),
            cat.narrow(1, 4 * regMax, nc).permute({0, 2, 1}).contiguous()};
}

DetectionLossOutput DetectionLoss::operator()(const std::vector<torch::Tensor>& maps, const DetectionTargets& targets,
                                              const std::vector<torch::Tensor>* assignMaps) const
{
    const int64_t b = maps[0].size(0);
    std::vector<std::pair<int64_t, int64_t>> sizes;
    for (const auto& m : maps)
        sizes.emplace_back(m.size(2), m.size(3));
    const FlatHeadOutput flat = flattenHeadMaps(maps, m_nc, m_regMax);
    const auto& predDistri = flat.distri;
    const auto& predScores = flat.scores;
    const auto opts = predScores.options().requires_grad(false);
    const auto anchors = makeAnchors(sizes, m_strides, opts);
    const double imgH = static_cast<double>(maps[0].size(2)) * m_strides[0];
    const double imgW = static_cast<double>(maps[0].size(3)) * m_strides[0];
    const auto scale = torch::tensor({imgW, imgH, imgW, imgH}, opts);

    const auto gt = padTargets(targets, b, scale, opts);
    const auto gtLabels = gt.narrow(2, 0, 1);
    const auto gtBboxes = gt.narrow(2, 1, 4);
    const auto maskGt = gtBboxes.sum(2, true).gt(0);

    // DFL decode: softmax over bins, expectation with 0..reg_max-1 (raw distances for reg_max 1).
    const auto decodeBins = [&](const torch::Tensor& distri, int64_t bins) {
        return dist2bbox(binDistances(distri, bins), anchors.points, false, -1);
    };
    const auto decode = [&](const torch::Tensor& distri) { return decodeBins(distri, m_regMax); };
    const auto predBboxes = decode(predDistri); // grid units, xyxy

    torch::Tensor assignScores = predScores.detach();
    torch::Tensor assignBboxes = predBboxes.detach();
    if (assignMaps) {
        if (assignMaps->size() != maps.size())
            throw std::invalid_argument("DetectionLoss: the assignment maps have " + std::to_string(assignMaps->size()) +
                                        " levels, the student's " + std::to_string(maps.size()));
        // The other head may have other DFL bins (a YOLOv8 teacher for a YOLO26 student): the
        // class count and the grids must agree, the boxes are decoded with its own bins.
        const int64_t otherChannels = (*assignMaps)[0].size(1);
        const int64_t otherBins = (otherChannels - m_nc) / 4;
        for (size_t l = 0; l < maps.size(); ++l) {
            const auto& o = (*assignMaps)[l];
            if (o.dim() != 4 || o.size(0) != maps[l].size(0) || o.size(1) != otherChannels || otherBins < 1 ||
                (otherChannels - m_nc) % 4 != 0 || o.size(2) != maps[l].size(2) || o.size(3) != maps[l].size(3))
                throw std::invalid_argument("DetectionLoss: assignment map " + std::to_string(l) + " is " +
                                            shapeString(o) + ", the student's " + shapeString(maps[l]) +
                                            " (same classes and grid needed)");
        }
        const FlatHeadOutput other = flattenHeadMaps(*assignMaps, m_nc, otherBins);
        assignScores = other.scores.detach().to(predScores.dtype());
        assignBboxes = decodeBins(other.distri.detach().to(predDistri.dtype()), otherBins);
    }
    DetectionLossOutput out;
    out.assigned = m_assigner(assignScores.sigmoid(), assignBboxes * anchors.strides, anchors.points * anchors.strides,
                              gtLabels, gtBboxes, maskGt);
    const auto& a = out.assigned;
    const auto targetScores = a.targetScores.to(predScores.dtype());
    const double tss = std::max(targetScores.sum().item<double>(), 1.0);

    const auto lossCls =
        torch::binary_cross_entropy_with_logits(predScores, targetScores, {}, {}, at::Reduction::None).sum() / tss;
    auto lossBox = torch::zeros({}, opts);
    auto lossDfl = torch::zeros({}, opts);
    if (a.fgMask.any().item<bool>()) {
        const auto targetBboxes = a.targetBboxes / anchors.strides;
        const auto fg = a.fgMask;
        const auto weight = targetScores.sum(-1).index({fg}).unsqueeze(-1);
        const auto iou = bboxIou(predBboxes.index({fg}), targetBboxes.index({fg}), false, true);
        lossBox = ((1.0 - iou) * weight).sum() / tss;
        auto parts = targetBboxes.chunk(2, -1);
        if (m_regMax == 1) {
            // L1 on ltrb distances in pixels over the image size (not clamped).
            const auto ltrb = torch::cat({anchors.points - parts[0], parts[1] - anchors.points}, -1);
            const auto norm = torch::tensor({imgW, imgH, imgW, imgH}, opts);
            const auto stride = anchors.strides.unsqueeze(0);
            const auto t = (ltrb * stride / norm).index({fg});
            const auto p = (predDistri * stride / norm).index({fg});
            lossDfl = ((p - t).abs().mean(-1, true) * weight).sum() / tss;
        } else {
        // bbox2dist then DFLoss: the target distance split between its two neighbouring bins.
        const double maxDist = static_cast<double>(m_regMax - 1) - 0.01;
        auto ltrb = torch::cat({anchors.points - parts[0], parts[1] - anchors.points}, -1).clamp(0, maxDist);
        const auto target = ltrb.index({fg}); // (F, 4)
        const auto pd = predDistri.index({fg}).view({-1, m_regMax});
        const auto tl = target.to(torch::kLong);
        const auto tr = tl + 1;
        const auto wl = tr.to(target.dtype()) - target;
        const auto wr = 1 - wl;
        namespace F = torch::nn::functional;
        const auto ceL = F::cross_entropy(pd, tl.view(-1), F::CrossEntropyFuncOptions().reduction(torch::kNone)).view(tl.sizes());
        const auto ceR = F::cross_entropy(pd, tr.view(-1), F::CrossEntropyFuncOptions().reduction(torch::kNone)).view(tl.sizes());
        lossDfl = ((ceL * wl + ceR * wr).mean(-1, true) * weight).sum() / tss;
        }
    }
    const auto box = lossBox * m_hyp.box;
    const auto cls = lossCls * m_hyp.cls;
    const auto dflv = lossDfl * m_hyp.dfl;
    out.total = (box + cls + dflv) * static_cast<double>(b);
    out.items = torch::stack({box.detach(), cls.detach(), dflv.detach()});
    out.anchorPoints = anchors.points;
    out.strideTensor = anchors.strides;
    out.predScores = predScores;
    out.predDistri = predDistri;
    out.targetScoresSum = tss;
    return out;
}

namespace {

DetectionLossHyp branchHyp(DetectionLossHyp hyp, int64_t topk, int64_t topk2)
{
    hyp.topk = topk;
    hyp.topk2 = topk2;
    hyp.smallGtRule = true;
    return hyp;
}

} // namespace

EndToEndLoss::EndToEndLoss(int64_t nc, std::vector<double> strides, int64_t regMax, DetectionLossHyp hyp)
    : m_oneToMany(nc, strides, regMax, branchHyp(hyp, 10, 0)), m_oneToOne(nc, strides, regMax, branchHyp(hyp, 7, 1))
{
}

void EndToEndLoss::setEpoch(int epoch, int epochs)
{
    const double x = static_cast<double>(epoch) / std::max(epochs - 1, 1);
    m_o2m = std::max(1.0 - x, 0.0) * (0.8 - 0.1) + 0.1;
}

DetectionLossOutput EndToEndLoss::operator()(const std::vector<torch::Tensor>& oneToMany,
                                             const std::vector<torch::Tensor>& oneToOne, const DetectionTargets& targets,
                                             const std::vector<torch::Tensor>* assignMaps) const
{
    DetectionLossOutput many = m_oneToMany(oneToMany, targets, assignMaps);
    const DetectionLossOutput one = m_oneToOne(oneToOne, targets);
    many.total = many.total * m_o2m + one.total * (1.0 - m_o2m);
    many.items = one.items;
    return many;
}

} // namespace retort
