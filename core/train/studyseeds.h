#pragma once

#include "train/studytable.h"

#include <string>
#include <vector>

namespace retort {

/// One arm over the seeds of a study: mean and sample standard deviation of its mAP50-95 at
/// both comparison rules, and of its gain over the baseline of the same seed (paired).
struct ArmOverSeeds
{
    std::string arm;
    int seeds = 0;
    double bestMean = 0, bestSd = 0;      ///< best epoch after the KD warm-up
    double lastMean = 0, lastSd = 0;      ///< last epoch
    double gainBestMean = 0, gainBestSd = 0;
    double gainLastMean = 0, gainLastSd = 0;
    double retentionMean = -1;            ///< best / teacher, when there is a teacher
};

/// Groups the arm rows of a multi-seed study (teacher row, then per seed its arms; rows carry
/// `seed`, `map50_95`, `lastMap50_95`) by arm, in first-seen order. Gains pair each row with
/// the baseline row of its seed; seeds without a baseline contribute no gain.
std::vector<ArmOverSeeds> summariseSeeds(const std::vector<StudyRow>& rows);

/// study.md of a multi-seed study: the summary table (mean ± sd over seeds at the best epoch
/// after the warm-up and at the last epoch, paired gains, whether a gain exceeds twice its
/// spread), then each seed's own table.
std::string studySeedsMarkdown(const std::vector<StudyRow>& rows, const std::string& title, int bestFromEpoch,
                               const std::string& bestRule);

} // namespace retort
