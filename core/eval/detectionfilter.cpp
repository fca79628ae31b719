#include "eval/detectionfilter.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>

namespace retort {
namespace {

std::vector<size_t> byDescendingScore(const std::vector<Detection>& d)
{
    std::vector<size_t> order(d.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return d[i].score > d[j].score; });
    return order;
}

} // namespace

double boxIou(const Detection& a, const Detection& b)
{
    const double iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
    const double ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
    if (iw <= 0 || ih <= 0)
        return 0.0;
    const double inter = iw * ih;
    const double areaA = static_cast<double>(a.x2 - a.x1) * (a.y2 - a.y1);
    const double areaB = static_cast<double>(b.x2 - b.x1) * (b.y2 - b.y1);
    const double uni = areaA + areaB - inter;
    return uni > 0 ? inter / uni : 0.0;
}

std::vector<Detection> filterDetections(const std::vector<Detection>& detections, double conf, double iou,
                                        bool agnostic)
{
    std::vector<Detection> kept;
    for (const size_t i : byDescendingScore(detections)) {
        const Detection& d = detections[i];
        if (!(d.score > conf))
            break;  // sorted: nothing further passes
        const bool suppressed = std::any_of(kept.begin(), kept.end(), [&](const Detection& k) {
            return (agnostic || k.classId == d.classId) && boxIou(k, d) > iou;
        });
        if (!suppressed)
            kept.push_back(d);
    }
    return kept;
}

int DetectionMatch::unmatchedA() const
{
    return static_cast<int>(std::count(matchedA.begin(), matchedA.end(), false));
}

int DetectionMatch::unmatchedB() const
{
    return static_cast<int>(std::count(matchedB.begin(), matchedB.end(), false));
}

DetectionMatch matchDetections(const std::vector<Detection>& a, const std::vector<Detection>& b, double iouThreshold)
{
    DetectionMatch m;
    m.matchedA.assign(a.size(), false);
    m.matchedB.assign(b.size(), false);
    for (const size_t i : byDescendingScore(a)) {
        double best = iouThreshold;
        int bestJ = -1;
        for (size_t j = 0; j < b.size(); ++j) {
            if (m.matchedB[j] || b[j].classId != a[i].classId)
                continue;
            const double v = boxIou(a[i], b[j]);
            if (v >= best && (bestJ < 0 || v > best || b[j].score > b[static_cast<size_t>(bestJ)].score)) {
                best = v;
                bestJ = static_cast<int>(j);
            }
        }
        if (bestJ >= 0) {
            m.matchedA[i] = true;
            m.matchedB[static_cast<size_t>(bestJ)] = true;
        }
    }
    return m;
}

std::vector<std::pair<std::string, std::vector<float>>> classConfidences(const std::vector<Detection>& detections)
{
    std::map<std::string, std::vector<float>> byName;
    for (const auto& d : detections)
        byName[d.className].push_back(d.score);
    std::vector<std::pair<std::string, std::vector<float>>> out(byName.begin(), byName.end());
    for (auto& [name, scores] : out)
        std::sort(scores.begin(), scores.end(), std::greater<float>());
    // map order is by name, so a stable sort by count keeps names ascending within a count.
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& x, const auto& y) { return x.second.size() > y.second.size(); });
    return out;
}

std::vector<std::pair<std::string, int>> classCounts(const std::vector<Detection>& detections)
{
    std::vector<std::pair<std::string, int>> out;
    for (const auto& [name, scores] : classConfidences(detections))
        out.emplace_back(name, static_cast<int>(scores.size()));
    return out;
}

std::string countReport(const std::vector<Detection>& detections)
{
    std::string out;
    for (const auto& [name, n] : classCounts(detections)) {
        if (!out.empty())
            out += ", ";
        out += name + " " + std::to_string(n);
    }
    return out;
}

std::vector<std::string> confidenceLines(const std::vector<Detection>& detections)
{
    std::vector<std::string> lines;
    for (const auto& [name, scores] : classConfidences(detections)) {
        std::string line = name + ":";
        for (const float s : scores) {
            char buf[16];
            std::snprintf(buf, sizeof buf, " %.2f", s);
            line += buf;
        }
        lines.push_back(line);
    }
    return lines;
}

} // namespace retort
