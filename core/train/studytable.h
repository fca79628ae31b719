#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace retort {

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
};

/// study.csv: a header line, then one row per StudyRow, in order. Written atomically.
///
///   writeStudyCsv(dir + "/study.csv", rows);
///   std::vector<StudyRow> back = readStudyCsv(dir + "/study.csv");
void writeStudyCsv(const std::string& path, const std::vector<StudyRow>& rows);
/// Reads what writeStudyCsv wrote; throws InputError naming the line on a malformed file.
std::vector<StudyRow> readStudyCsv(const std::string& path);

/// The comparison table as GitHub markdown (study.md), with the best arm in bold.
std::string studyMarkdown(const std::vector<StudyRow>& rows, const std::string& title);

} // namespace retort
