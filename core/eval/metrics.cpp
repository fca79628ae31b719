#include "eval/metrics.h"

#include <algorithm>
#include <numeric>

namespace retort {
namespace {

/// numpy.interp for increasing xp.
double interp(double x, const std::vector<double>& xp, const std::vector<double>& fp, double left, double right)
{
    if (xp.empty())
        return left;
    if (x < xp.front())
        return left;
    if (x > xp.back())
        return right;
    const auto it = std::upper_bound(xp.begin(), xp.end(), x);
    if (it == xp.end())
        return fp.back();
    const size_t j = static_cast<size_t>(it - xp.begin());
    if (j == 0)
        return fp.front();
    const double x0 = xp[j - 1], x1 = xp[j];
    if (x1 == x0)
        return fp[j - 1];
    return fp[j - 1] + (fp[j] - fp[j - 1]) * (x - x0) / (x1 - x0);
}

std::vector<double> smooth(const std::vector<double>& y, double f)
{
    const int nf = static_cast<int>(std::nearbyint(y.size() * f * 2)) / 2 + 1;
    const int half = nf / 2;
    std::vector<double> padded;
    padded.insert(padded.end(), static_cast<size_t>(half), y.front());
    padded.insert(padded.end(), y.begin(), y.end());
    padded.insert(padded.end(), static_cast<size_t>(half), y.back());
    std::vector<double> out(padded.size() - static_cast<size_t>(nf) + 1);
    for (size_t i = 0; i < out.size(); ++i) {
        double s = 0;
        for (int k = 0; k < nf; ++k)
            s += padded[i + static_cast<size_t>(k)];
        out[i] = s / nf;
    }
    return out;
}

} // namespace

torch::Tensor iouThresholds()
{
    return torch::linspace(0.5, 0.95, 10);
}

torch::Tensor matchPredictions(const torch::Tensor& predCls, const torch::Tensor& trueCls, const torch::Tensor& iouIn)
{
    const int64_t n = predCls.size(0);
    auto correct = torch::zeros({n, 10}, torch::kBool);
    if (n == 0 || trueCls.size(0) == 0)
        return correct;
    const auto same = trueCls.view({-1, 1}) == predCls.view({1, -1});
    const auto iou = (iouIn * same).to(torch::kCPU, torch::kDouble).contiguous();
    const int64_t m = iou.size(0);
    const double* d = iou.data_ptr<double>();
    const auto thresholds = iouThresholds().to(torch::kDouble);
    auto acc = correct.accessor<bool, 2>();
    for (int t = 0; t < 10; ++t) {
        const double thr = thresholds[t].item<double>();
        struct Pair
        {
            int64_t gt, pred;
            double iou;
        };
        std::vector<Pair> pairs;
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j)
                if (d[i * n + j] >= thr)
                    pairs.push_back({i, j, d[i * n + j]});
        if (pairs.empty())
            continue;
        // Highest IoU first; each prediction and each gt used once.
        std::stable_sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.iou > b.iou; });
        std::vector<char> predUsed(static_cast<size_t>(n), 0), gtUsed(static_cast<size_t>(m), 0);
        std::vector<Pair> firstPerPred;
        for (const auto& p : pairs)
            if (!predUsed[static_cast<size_t>(p.pred)]) {
                predUsed[static_cast<size_t>(p.pred)] = 1;
                firstPerPred.push_back(p);
            }
        // np.unique(matches[:, 1], return_index=True) also reorders the kept rows by prediction
        // index, so the second pass keeps, per gt, its lowest-index (highest-confidence)
        // prediction, not its highest-IoU one: replicated exactly.
        std::stable_sort(firstPerPred.begin(), firstPerPred.end(), [](const Pair& a, const Pair& b) { return a.pred < b.pred; });
        for (const auto& p : firstPerPred)
            if (!gtUsed[static_cast<size_t>(p.gt)]) {
                gtUsed[static_cast<size_t>(p.gt)] = 1;
                acc[p.pred][t] = true;
            }
    }
    return correct;
}

double computeAp(const std::vector<double>& recall, const std::vector<double>& precision)
{
    std::vector<double> mrec{0.0}, mpre{1.0};
    mrec.insert(mrec.end(), recall.begin(), recall.end());
    mrec.push_back(1.0);
    mpre.insert(mpre.end(), precision.begin(), precision.end());
    mpre.push_back(0.0);
    for (size_t i = mpre.size() - 1; i > 0; --i)
        mpre[i - 1] = std::max(mpre[i - 1], mpre[i]);
    // trapz of interp over 101 points
    double ap = 0;
    double prevY = interp(0.0, mrec, mpre, mpre.front(), mpre.back());
    for (int k = 1; k <= 100; ++k) {
        const double x = k / 100.0;
        const double y = interp(x, mrec, mpre, mpre.front(), mpre.back());
        ap += (y + prevY) / 2 * 0.01;
        prevY = y;
    }
    return ap;
}

DetectionMetrics computeMetrics(const DetectionStats& stats, const std::vector<std::string>& names)
{
    DetectionMetrics m;
    const auto cat = [](const std::vector<torch::Tensor>& v, torch::ScalarType type, std::vector<int64_t> emptyShape) {
        return v.empty() ? torch::zeros(emptyShape, type) : torch::cat(v).to(type);
    };
    const auto tp = cat(stats.tp, torch::kDouble, {0, 10});
    const auto conf = cat(stats.conf, torch::kDouble, {0});
    const auto predCls = cat(stats.predCls, torch::kLong, {0});
    const auto targetCls = cat(stats.targetCls, torch::kLong, {0});
    const auto targetImg = cat(stats.targetImg, torch::kLong, {0});
    if (targetCls.numel() == 0)
        return m;

    const auto order = std::get<1>(conf.sort(/*stable=*/c10::optional<bool>(true), 0, /*descending=*/true));
    const auto tpS = tp.index({order}).contiguous();
    const auto confS = conf.index({order}).contiguous();
    const auto clsS = predCls.index({order}).contiguous();
    const int64_t np = confS.size(0);
    const double* tpd = tpS.data_ptr<double>();
    const double* cd = confS.data_ptr<double>();
    const int64_t* pc = clsS.data_ptr<int64_t>();

    std::map<int64_t, int64_t> nt;
    for (int64_t i = 0; i < targetCls.size(0); ++i)
        nt[targetCls[i].item<int64_t>()]++;
    std::map<int64_t, int> ntImg;
    for (int64_t i = 0; i < targetImg.size(0); ++i)
        ntImg[targetImg[i].item<int64_t>()]++;

    constexpr int kPoints = 1000;
    std::vector<double> x(kPoints);
    for (int i = 0; i < kPoints; ++i)
        x[static_cast<size_t>(i)] = static_cast<double>(i) / (kPoints - 1);
    const size_t nc = nt.size();
    std::vector<std::vector<double>> pCurve(nc, std::vector<double>(kPoints, 0.0)), rCurve = pCurve;
    std::vector<std::array<double, 10>> ap(nc);
    size_t ci = 0;
    for (const auto& [c, nl] : nt) {
        ap[ci].fill(0);
        std::vector<int64_t> idx;
        for (int64_t i = 0; i < np; ++i)
            if (pc[i] == c)
                idx.push_back(i);
        if (!idx.empty()) {
            std::vector<double> negConf;
            for (const auto i : idx)
                negConf.push_back(-cd[i]);
            for (int t = 0; t < 10; ++t) {
                std::vector<double> recall, precision;
                double tpc = 0, fpc = 0;
                for (const auto i : idx) {
                    tpc += tpd[i * 10 + t];
                    fpc += 1 - tpd[i * 10 + t];
                    recall.push_back(tpc / (static_cast<double>(nl) + 1e-16));
                    precision.push_back(tpc / (tpc + fpc));
                }
                if (t == 0)
                    for (int k = 0; k < kPoints; ++k) {
                        rCurve[ci][static_cast<size_t>(k)] = interp(-x[static_cast<size_t>(k)], negConf, recall, 0.0, recall.back());
                        pCurve[ci][static_cast<size_t>(k)] = interp(-x[static_cast<size_t>(k)], negConf, precision, 1.0, precision.back());
                    }
                ap[ci][static_cast<size_t>(t)] = computeAp(recall, precision);
            }
        }
        ++ci;
    }
    std::vector<double> f1Mean(kPoints, 0.0);
    for (size_t c = 0; c < nc; ++c)
        for (int k = 0; k < kPoints; ++k) {
            const double p = pCurve[c][static_cast<size_t>(k)], r = rCurve[c][static_cast<size_t>(k)];
            f1Mean[static_cast<size_t>(k)] += 2 * p * r / (p + r + 1e-16) / static_cast<double>(nc);
        }
    const auto sm = smooth(f1Mean, 0.1);
    const size_t best = static_cast<size_t>(std::max_element(sm.begin(), sm.end()) - sm.begin());
    ci = 0;
    for (const auto& [c, nl] : nt) {
        ClassMetrics cm;
        cm.classId = static_cast<int>(c);
        cm.name = c < static_cast<int64_t>(names.size()) ? names[static_cast<size_t>(c)] : std::to_string(c);
        cm.instances = nl;
        cm.images = ntImg.count(c) ? ntImg[c] : 0;
        cm.precision = pCurve[ci][best];
        cm.recall = rCurve[ci][best];
        cm.ap50 = ap[ci][0];
        cm.ap50_95 = std::accumulate(ap[ci].begin(), ap[ci].end(), 0.0) / 10;
        m.precision += cm.precision / static_cast<double>(nc);
        m.recall += cm.recall / static_cast<double>(nc);
        m.map50 += cm.ap50 / static_cast<double>(nc);
        m.map50_95 += cm.ap50_95 / static_cast<double>(nc);
        m.perClass.push_back(cm);
        ++ci;
    }
    m.fitness = 0.1 * m.map50 + 0.9 * m.map50_95;
    return m;
}

} // namespace retort
