#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace retort {

/// AP50-95 of one class in one row of a study.
struct StudyClassAp
{
    std::string name;
    int64_t instances = 0;
    double ap50_95 = 0;
};

/// One line of a study: the teacher or one arm, evaluated on the experiment's validation split.
struct StudyRow
{
    std::string arm;            ///< "teacher", "baseline", "logit+loc", …
    std::string method;         ///< what the arm distils ("no distillation" for the baseline)
    int epochs = 0;
    uint64_t seed = 0;
    double map50_95 = 0;
    double map50 = 0;
    double retention = -1;      ///< student mAP50-95 / teacher mAP50-95; < 0 when there is no teacher
    double gain = 0;            ///< mAP50-95 minus the baseline's
    int64_t params = 0;
    double gflops = 0;          ///< at the experiment's imgsz
    double msPerImage = 0;      ///< inference per image during validation
    std::string runDir;
    /// COCO size ranges (gt area in original-image pixels: small < 32², medium < 96², large the
    /// rest); -1 where the split holds no object of that size.
    double apSmall = -1, apMedium = -1, apLarge = -1;
    double recallSmall = -1;
    double lastMap50_95 = -1;   ///< mAP50-95 of the run's last-epoch weights; -1 when unknown
    int bestEpoch = -1;         ///< the epoch of the evaluated (best) weights; -1 when unknown
    std::vector<StudyClassAp> perClass; ///< classes with instances, by class id
};

/// study.csv: a header line, then one row per StudyRow, in order. Written atomically.
/// The first twelve columns are those of the original format (arm … run_dir); then AP_S, AP_M,
/// AP_L, R_S, last_mAP50-95, best_epoch and classes, the per-class AP50-95 in one field as
/// `name:instances:ap;name:instances:ap` with '%', ':', ';' and line breaks in names percent-encoded.
/// A study.csv of the original twelve columns still reads (the new fields keep their defaults).
///
///   writeStudyCsv(dir + "/study.csv", rows);
///   std::vector<StudyRow> back = readStudyCsv(dir + "/study.csv");
void writeStudyCsv(const std::string& path, const std::vector<StudyRow>& rows);
/// Reads what writeStudyCsv wrote; throws InputError naming the line on a malformed file.
std::vector<StudyRow> readStudyCsv(const std::string& path);

/// One class of the per-class comparison; -1 where that row lacks the class (or the row).
struct ClassComparison
{
    std::string name;
    int64_t instances = 0;
    double teacher = -1, baseline = -1, best = -1;
    bool hasDelta() const { return baseline >= 0 && best >= 0; }
    double delta() const { return best - baseline; } ///< best arm minus baseline
};

/// Teacher, baseline and the best distilled arm (highest mAP50-95 among the arms that are neither
/// the teacher nor the baseline) side by side, class by class, with the classes where
/// distillation helped and hurt most. With several seeds, the baseline of the best arm's seed.
///
///   const PerClassComparison c = comparePerClass(rows);
///   if (c.best >= 0) std::cout << rows[c.best].arm;
///   for (size_t i : c.helped) std::cout << c.classes[i].name << " " << c.classes[i].delta();
struct PerClassComparison
{
    int teacher = -1, baseline = -1, best = -1;   ///< indexes into the rows; -1 when absent
    std::vector<ClassComparison> classes;         ///< in class order; empty when no row has any
    /// Indexes into classes: up to three with the largest positive Δ, largest first, and up to
    /// three with the most negative Δ, most negative first; both empty unless there is a Δ for
    /// at least two classes.
    std::vector<size_t> helped, hurt;
};
PerClassComparison comparePerClass(const std::vector<StudyRow>& rows);

/// The comparison table as GitHub markdown (study.md), with the best arm in bold, then the
/// per-class AP50-95 of teacher, baseline and best distilled arm.
std::string studyMarkdown(const std::vector<StudyRow>& rows, const std::string& title);

} // namespace retort
