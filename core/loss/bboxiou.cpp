#include "loss/bboxiou.h"

#include <cmath>

namespace retort {

torch::Tensor bboxIou(const torch::Tensor& box1, const torch::Tensor& box2, bool xywh, bool ciou, double eps)
{
    torch::Tensor b1x1, b1y1, b1x2, b1y2, b2x1, b2y1, b2x2, b2y2, w1, h1, w2, h2;
    if (xywh) {
        auto a = box1.chunk(4, -1);
        auto b = box2.chunk(4, -1);
        b1x1 = a[0] - a[2] / 2;
        b1x2 = a[0] + a[2] / 2;
        b1y1 = a[1] - a[3] / 2;
        b1y2 = a[1] + a[3] / 2;
        b2x1 = b[0] - b[2] / 2;
        b2x2 = b[0] + b[2] / 2;
        b2y1 = b[1] - b[3] / 2;
        b2y2 = b[1] + b[3] / 2;
        w1 = a[2];
        h1 = a[3] + eps;
        w2 = b[2];
        h2 = b[3] + eps;
    } else {
        auto a = box1.chunk(4, -1);
        auto b = box2.chunk(4, -1);
        b1x1 = a[0], b1y1 = a[1], b1x2 = a[2], b1y2 = a[3];
        b2x1 = b[0], b2y1 = b[1], b2x2 = b[2], b2y2 = b[3];
        w1 = b1x2 - b1x1;
        h1 = b1y2 - b1y1 + eps;
        w2 = b2x2 - b2x1;
        h2 = b2y2 - b2y1 + eps;
    }
    const auto inter = (torch::minimum(b1x2, b2x2) - torch::maximum(b1x1, b2x1)).clamp_min(0) *
                       (torch::minimum(b1y2, b2y2) - torch::maximum(b1y1, b2y1)).clamp_min(0);
    const auto unionArea = w1 * h1 + w2 * h2 - inter + eps;
    const auto iou = inter / unionArea;
    if (!ciou)
        return iou;
    const auto cw = torch::maximum(b1x2, b2x2) - torch::minimum(b1x1, b2x1);
    const auto ch = torch::maximum(b1y2, b2y2) - torch::minimum(b1y1, b2y1);
    const auto c2 = cw.pow(2) + ch.pow(2) + eps;
    const auto rho2 = ((b2x1 + b2x2 - b1x1 - b1x2).pow(2) + (b2y1 + b2y2 - b1y1 - b1y2).pow(2)) / 4;
    const auto v = (4 / (M_PI * M_PI)) * ((w2 / h2).atan() - (w1 / h1).atan()).pow(2);
    torch::Tensor alpha;
    {
        torch::NoGradGuard noGrad;
        alpha = v / (v - iou + (1 + eps));
    }
    return iou - (rho2 / c2 + v * alpha);
}

torch::Tensor boxIouMatrix(const torch::Tensor& a, const torch::Tensor& b, double eps)
{
    auto a1 = a.unsqueeze(1).chunk(2, 2);
    auto b1 = b.unsqueeze(0).chunk(2, 2);
    const auto inter = (torch::minimum(a1[1], b1[1]) - torch::maximum(a1[0], b1[0])).clamp_min(0).prod(2);
    const auto areaA = (a1[1] - a1[0]).prod(2);
    const auto areaB = (b1[1] - b1[0]).prod(2);
    return inter / (areaA + areaB - inter + eps);
}

} // namespace retort
