#include "train/studyseeds.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace retort {
namespace {

struct Stats
{
    std::vector<double> v;
    double mean() const
    {
        double s = 0;
        for (const double x : v)
            s += x;
        return v.empty() ? 0 : s / static_cast<double>(v.size());
    }
    /// Sample standard deviation (n − 1); 0 for a single value.
    double sd() const
    {
        if (v.size() < 2)
            return 0;
        const double m = mean();
        double s = 0;
        for (const double x : v)
            s += (x - m) * (x - m);
        return std::sqrt(s / static_cast<double>(v.size() - 1));
    }
};

std::string pm(double mean, double sd, bool sign = false)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, sign ? "%+.4f ± %.4f" : "%.4f ± %.4f", mean, sd);
    return buf;
}

} // namespace

std::vector<ArmOverSeeds> summariseSeeds(const std::vector<StudyRow>& rows)
{
    double teacher = -1;
    std::map<uint64_t, const StudyRow*> baseline;
    std::vector<std::string> order;
    for (const auto& r : rows) {
        if (r.arm == "teacher") {
            teacher = r.map50_95;
            continue;
        }
        if (r.arm == "baseline")
            baseline[r.seed] = &r;
        if (std::find(order.begin(), order.end(), r.arm) == order.end())
            order.push_back(r.arm);
    }
    std::vector<ArmOverSeeds> out;
    for (const auto& arm : order) {
        Stats best, last, gainBest, gainLast;
        for (const auto& r : rows) {
            if (r.arm != arm)
                continue;
            best.v.push_back(r.map50_95);
            last.v.push_back(r.lastMap50_95 >= 0 ? r.lastMap50_95 : r.map50_95);
            const auto b = baseline.find(r.seed);
            if (b != baseline.end()) {
                gainBest.v.push_back(r.map50_95 - b->second->map50_95);
                const double bl = b->second->lastMap50_95 >= 0 ? b->second->lastMap50_95 : b->second->map50_95;
                gainLast.v.push_back(last.v.back() - bl);
            }
        }
        ArmOverSeeds a;
        a.arm = arm;
        a.seeds = static_cast<int>(best.v.size());
        a.bestMean = best.mean();
        a.bestSd = best.sd();
        a.lastMean = last.mean();
        a.lastSd = last.sd();
        a.gainBestMean = gainBest.mean();
        a.gainBestSd = gainBest.sd();
        a.gainLastMean = gainLast.mean();
        a.gainLastSd = gainLast.sd();
        a.retentionMean = teacher > 0 ? a.bestMean / teacher : -1;
        out.push_back(a);
    }
    return out;
}

std::string studySeedsMarkdown(const std::vector<StudyRow>& rows, const std::string& title, int bestFromEpoch,
                               const std::string& bestRule)
{
    std::set<uint64_t> seeds;
    double teacher = -1;
    for (const auto& r : rows) {
        if (r.arm == "teacher")
            teacher = r.map50_95;
        else
            seeds.insert(r.seed);
    }
    std::string seedList;
    for (const auto s : seeds)
        seedList += (seedList.empty() ? "" : ", ") + std::to_string(s);
    std::string md = "# Study: " + title + "\n\n";
    md += "Seeds " + seedList + " (" + std::to_string(seeds.size()) + "); mean ± sample standard deviation over seeds. ";
    md += bestRule == "last" ? std::string("\"best\" is the last epoch. ")
                             : "\"best\" is the epoch of highest fitness from epoch " + std::to_string(bestFromEpoch + 1) +
                                   " on (after the KD warm-up; the same epochs for every arm). ";
    md += "Gains are paired: each seed's arm minus the same seed's baseline. **bold**: the mean gain exceeds twice its spread.\n\n";
    if (teacher >= 0) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "Teacher mAP50-95: %.4f\n\n", teacher);
        md += buf;
    }
    md += "| arm | seeds | mAP50-95 (best) | mAP50-95 (last epoch) | gain (best) | gain (last) | retention |\n";
    md += "|---|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& a : summariseSeeds(rows)) {
        const bool isBaseline = a.arm == "baseline";
        const auto gain = [&](double m, double sd) {
            if (isBaseline)
                return std::string("–");
            std::string s = pm(m, sd, true);
            return std::abs(m) > 2 * sd && sd > 0 ? "**" + s + "**" : s;
        };
        char ret[32] = "–";
        if (a.retentionMean >= 0)
            std::snprintf(ret, sizeof ret, "%.1f %%", 100 * a.retentionMean);
        md += "| " + a.arm + " | " + std::to_string(a.seeds) + " | " + pm(a.bestMean, a.bestSd) + " | " +
              pm(a.lastMean, a.lastSd) + " | " + gain(a.gainBestMean, a.gainBestSd) + " | " +
              gain(a.gainLastMean, a.gainLastSd) + " | " + ret + " |\n";
    }
    for (const auto seed : seeds) {
        std::vector<StudyRow> one;
        for (const auto& r : rows)
            if (r.arm == "teacher" || r.seed == seed)
                one.push_back(r);
        std::string per = studyMarkdown(one, title + ", seed " + std::to_string(seed));
        // Demote the per-seed title one level below the summary's.
        if (per.rfind("# ", 0) == 0)
            per = "#" + per;
        md += "\n" + per;
    }
    return md;
}

} // namespace retort
