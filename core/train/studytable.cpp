#include "train/studytable.h"

#include "util/atomicfile.h"
#include "util/error.h"

#include <cstdio>
#include <sstream>

namespace retort {

namespace {

const char* const kHeader = "arm,method,epochs,seed,mAP50-95,mAP50,retention,gain,params,GFLOPs,ms_per_img,run_dir";

std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (const char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::vector<std::string> splitCsvLine(const std::string& line)
{
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                fields.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else {
            fields.back() += c;
        }
    }
    return fields;
}

std::string fixed(double v, int digits)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

} // namespace

void writeStudyCsv(const std::string& path, const std::vector<StudyRow>& rows)
{
    std::string out = std::string(kHeader) + "\n";
    for (const auto& r : rows) {
        out += csvField(r.arm) + "," + csvField(r.method) + "," + std::to_string(r.epochs) + "," +
               std::to_string(r.seed) + "," + fixed(r.map50_95, 5) + "," + fixed(r.map50, 5) + "," +
               fixed(r.retention, 4) + "," + fixed(r.gain, 5) + "," + std::to_string(r.params) + "," +
               fixed(r.gflops, 2) + "," + fixed(r.msPerImage, 2) + "," + csvField(r.runDir) + "\n";
    }
    writeFileAtomic(path, out);
}

std::vector<StudyRow> readStudyCsv(const std::string& path)
{
    std::istringstream in(readFile(path));
    std::string line;
    std::getline(in, line);
    if (line != kHeader)
        throw InputError(path + ":1: not a Retort study table (expected the header '" + std::string(kHeader) + "')");
    std::vector<StudyRow> rows;
    int lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty())
            continue;
        const auto f = splitCsvLine(line);
        if (f.size() != 12)
            throw InputError(path + ":" + std::to_string(lineNo) + ": expected 12 fields, found " +
                             std::to_string(f.size()));
        try {
            StudyRow r;
            r.arm = f[0];
            r.method = f[1];
            r.epochs = std::stoi(f[2]);
            r.seed = std::stoull(f[3]);
            r.map50_95 = std::stod(f[4]);
            r.map50 = std::stod(f[5]);
            r.retention = std::stod(f[6]);
            r.gain = std::stod(f[7]);
            r.params = std::stoll(f[8]);
            r.gflops = std::stod(f[9]);
            r.msPerImage = std::stod(f[10]);
            r.runDir = f[11];
            rows.push_back(std::move(r));
        } catch (const std::logic_error&) {
            throw InputError(path + ":" + std::to_string(lineNo) + ": a numeric field does not parse");
        }
    }
    return rows;
}

std::string studyMarkdown(const std::vector<StudyRow>& rows, const std::string& title)
{
    size_t best = rows.size();
    for (size_t i = 0; i < rows.size(); ++i)
        if (rows[i].arm != "teacher" && (best == rows.size() || rows[i].map50_95 > rows[best].map50_95))
            best = i;
    std::string md = "# Study: " + title + "\n\n";
    md += "| arm | method | epochs | seed | mAP50-95 | mAP50 | retention | gain vs baseline | params | GFLOPs | ms/img |\n";
    md += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        const std::string b = i == best ? "**" : "";
        const bool teacher = r.arm == "teacher";
        // A teacher loaded from weights was not trained here: no epochs, no seed of ours.
        const bool given = teacher && r.epochs == 0;
        md += "| " + b + r.arm + b + " | " + r.method + " | " + (given ? "–" : std::to_string(r.epochs)) + " | " +
              (given ? "–" : std::to_string(r.seed)) +
              " | " + b + fixed(r.map50_95, 4) + b + " | " + fixed(r.map50, 4) + " | " +
              (r.retention < 0 ? std::string("–") : fixed(100 * r.retention, 1) + " %") + " | " +
              (teacher || r.arm == "baseline" ? std::string("–") : (r.gain >= 0 ? "+" : "") + fixed(r.gain, 4)) +
              " | " + fixed(r.params / 1e6, 2) + " M | " + fixed(r.gflops, 2) + " | " + fixed(r.msPerImage, 1) + " |\n";
    }
    md += "\nRetention = student mAP50-95 / teacher mAP50-95. All arms share the seed, data order and epochs.\n"
          "ms/img = batch-1 latency of the Conv+BN-folded model at the training imgsz, fastest of 15 runs.\n";
    return md;
}

} // namespace retort
