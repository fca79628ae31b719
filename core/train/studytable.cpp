#include "train/studytable.h"

#include "util/atomicfile.h"
#include "util/error.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <stdexcept>
#include <sstream>

namespace retort {

namespace {

// The original twelve columns, which other tools read by position, then the later ones.
const char* const kBaseHeader = "arm,method,epochs,seed,mAP50-95,mAP50,retention,gain,params,GFLOPs,ms_per_img,run_dir";
const size_t kBaseFields = 12;
const char* const kExtraColumns[] = {"AP_S", "AP_M", "AP_L", "R_S", "last_mAP50-95", "best_epoch", "classes"};

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


/// fixed(), or "–" for the -1 of "no such objects" / "unknown".
std::string orDash(double v, int digits)
{
    return v < 0 ? std::string("–") : fixed(v, digits);
}

std::string signedFixed(double v, int digits)
{
    return (v >= 0 ? "+" : "") + fixed(v, digits);
}

std::string mdCell(const std::string& s)
{
    std::string out;
    for (const char c : s)
        out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
}

// The class names of the classes field: the separators, line breaks (the reader reads line by
// line) and the escape itself percent-encoded.
std::string encodeName(const std::string& s)
{
    std::string out;
    for (const char c : s) {
        if (c == '%' || c == ':' || c == ';' || c == '\n' || c == '\r') {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
            out += buf;
        } else {
            out += c;
        }
    }
    return out;
}

std::string decodeName(const std::string& s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<std::string> split(const std::string& s, char sep)
{
    std::vector<std::string> parts(1);
    for (const char c : s) {
        if (c == sep)
            parts.emplace_back();
        else
            parts.back() += c;
    }
    return parts;
}

std::string encodeClasses(const std::vector<StudyClassAp>& classes)
{
    std::string out;
    for (const auto& c : classes)
        out += (out.empty() ? "" : ";") + encodeName(c.name) + ":" + std::to_string(c.instances) + ":" + fixed(c.ap50_95, 5);
    return out;
}

/// Throws std::invalid_argument on a malformed field (the caller names the line).
std::vector<StudyClassAp> decodeClasses(const std::string& field)
{
    std::vector<StudyClassAp> classes;
    if (field.empty())
        return classes;
    for (const auto& entry : split(field, ';')) {
        const auto parts = split(entry, ':');
        if (parts.size() != 3)
            throw std::invalid_argument("class entry");
        classes.push_back({decodeName(parts[0]), std::stoll(parts[1]), std::stod(parts[2])});
    }
    return classes;
}

} // namespace

void writeStudyCsv(const std::string& path, const std::vector<StudyRow>& rows)
{
    std::string out = kBaseHeader;
    for (const char* c : kExtraColumns)
        out += std::string(",") + c;
    out += "\n";
    for (const auto& r : rows) {
        out += csvField(r.arm) + "," + csvField(r.method) + "," + std::to_string(r.epochs) + "," +
               std::to_string(r.seed) + "," + fixed(r.map50_95, 5) + "," + fixed(r.map50, 5) + "," +
               fixed(r.retention, 4) + "," + fixed(r.gain, 5) + "," + std::to_string(r.params) + "," +
               fixed(r.gflops, 2) + "," + fixed(r.msPerImage, 2) + "," + csvField(r.runDir) + "," +
               fixed(r.apSmall, 5) + "," + fixed(r.apMedium, 5) + "," + fixed(r.apLarge, 5) + "," +
               fixed(r.recallSmall, 5) + "," + fixed(r.lastMap50_95, 5) + "," + std::to_string(r.bestEpoch) + "," +
               csvField(encodeClasses(r.perClass)) + "\n";
    }
    writeFileAtomic(path, out);
}

std::vector<StudyRow> readStudyCsv(const std::string& path)
{
    std::istringstream in(readFile(path));
    std::string line;
    std::getline(in, line);
    // The original twelve columns first; any of the later ones after them, so that a study.csv
    // written before they existed still reads.
    const auto header = splitCsvLine(line);
    const auto base = splitCsvLine(kBaseHeader);
    if (header.size() < kBaseFields || !std::equal(base.begin(), base.end(), header.begin()))
        throw InputError(path + ":1: not a Retort study table (expected the header to start with '" +
                         std::string(kBaseHeader) + "')");
    std::vector<std::string> extra(header.begin() + kBaseFields, header.end());
    for (const auto& name : extra)
        if (std::find(std::begin(kExtraColumns), std::end(kExtraColumns), name) == std::end(kExtraColumns))
            throw InputError(path + ":1: unknown column '" + name + "'");
    std::vector<StudyRow> rows;
    int lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty())
            continue;
        const auto f = splitCsvLine(line);
        if (f.size() != header.size())
            throw InputError(path + ":" + std::to_string(lineNo) + ": expected " + std::to_string(header.size()) +
                             " fields, found " + std::to_string(f.size()));
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
            for (size_t k = 0; k < extra.size(); ++k) {
                const std::string& v = f[kBaseFields + k];
                const std::string& name = extra[k];
                if (name == "AP_S")
                    r.apSmall = std::stod(v);
                else if (name == "AP_M")
                    r.apMedium = std::stod(v);
                else if (name == "AP_L")
                    r.apLarge = std::stod(v);
                else if (name == "R_S")
                    r.recallSmall = std::stod(v);
                else if (name == "last_mAP50-95")
                    r.lastMap50_95 = std::stod(v);
                else if (name == "best_epoch")
                    r.bestEpoch = std::stoi(v);
                else if (name == "classes")
                    r.perClass = decodeClasses(v);
            }
            rows.push_back(std::move(r));
        } catch (const std::logic_error&) {
            throw InputError(path + ":" + std::to_string(lineNo) + ": a field does not parse");
        }
    }
    return rows;
}

PerClassComparison comparePerClass(const std::vector<StudyRow>& rows)
{
    PerClassComparison c;
    for (size_t i = 0; i < rows.size(); ++i) {
        const int row = static_cast<int>(i);
        if (rows[i].arm == "teacher") {
            if (c.teacher < 0)
                c.teacher = row;
        } else if (rows[i].arm != "baseline" && (c.best < 0 || rows[i].map50_95 > rows[c.best].map50_95)) {
            c.best = row;
        }
    }
    // In a study over several seeds, the baseline trained with the best arm's seed.
    for (size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].arm != "baseline")
            continue;
        if (c.baseline < 0 || (c.best >= 0 && rows[i].seed == rows[c.best].seed && rows[c.baseline].seed != rows[c.best].seed))
            c.baseline = static_cast<int>(i);
    }
    auto add = [&](int row, double ClassComparison::*field) {
        if (row < 0)
            return;
        for (const auto& pc : rows[row].perClass) {
            auto it = std::find_if(c.classes.begin(), c.classes.end(),
                                   [&](const ClassComparison& cc) { return cc.name == pc.name; });
            if (it == c.classes.end()) {
                c.classes.push_back({pc.name, pc.instances});
                it = c.classes.end() - 1;
            }
            (*it).*field = pc.ap50_95;
        }
    };
    add(c.teacher, &ClassComparison::teacher);
    add(c.baseline, &ClassComparison::baseline);
    add(c.best, &ClassComparison::best);

    std::vector<size_t> order;
    for (size_t i = 0; i < c.classes.size(); ++i)
        if (c.classes[i].hasDelta())
            order.push_back(i);
    if (order.size() < 2)
        return c;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return c.classes[a].delta() > c.classes[b].delta(); });
    for (size_t k = 0; k < order.size() && c.helped.size() < 3 && c.classes[order[k]].delta() > 0; ++k)
        c.helped.push_back(order[k]);
    for (size_t k = order.size(); k-- > 0 && c.hurt.size() < 3 && c.classes[order[k]].delta() < 0;)
        c.hurt.push_back(order[k]);
    return c;
}

namespace {

std::string perClassMarkdown(const std::vector<StudyRow>& rows)
{
    const PerClassComparison c = comparePerClass(rows);
    if (c.classes.empty())
        return {};
    const bool delta = c.baseline >= 0 && c.best >= 0;
    std::string md = "\n## Per-class AP50-95\n\n| class | instances |";
    std::string rule = "|---|---:|";
    for (const int row : {c.teacher, c.baseline, c.best}) {
        if (row >= 0) {
            md += " " + mdCell(rows[row].arm) + " |";
            rule += "---:|";
        }
    }
    if (delta) {
        md += " Δ |";
        rule += "---:|";
    }
    md += "\n" + rule + "\n";
    for (const auto& cc : c.classes) {
        md += "| " + mdCell(cc.name) + " | " + std::to_string(cc.instances) + " |";
        if (c.teacher >= 0)
            md += " " + orDash(cc.teacher, 4) + " |";
        if (c.baseline >= 0)
            md += " " + orDash(cc.baseline, 4) + " |";
        if (c.best >= 0)
            md += " " + orDash(cc.best, 4) + " |";
        if (delta)
            md += " " + (cc.hasDelta() ? signedFixed(cc.delta(), 4) : std::string("–")) + " |";
        md += "\n";
    }
    if (c.best >= 0)
        md += "\n" + rows[c.best].arm + " is the distilled arm with the highest mAP50-95" +
              (delta ? "; Δ = " + rows[c.best].arm + " minus baseline." : ".") + "\n";
    if (!delta || c.helped.size() + c.hurt.size() == 0)
        return md;
    auto list = [&](const std::vector<size_t>& which) {
        std::string out;
        for (const size_t i : which)
            out += (out.empty() ? "" : ", ") + mdCell(c.classes[i].name) + " (" + signedFixed(c.classes[i].delta(), 4) + ")";
        return out.empty() ? std::string("none") : out;
    };
    md += "\nDistillation helped most: " + list(c.helped) + "; hurt most: " + list(c.hurt) + ".\n";
    return md;
}

} // namespace

std::string studyMarkdown(const std::vector<StudyRow>& rows, const std::string& title)
{
    size_t best = rows.size();
    for (size_t i = 0; i < rows.size(); ++i)
        if (rows[i].arm != "teacher" && (best == rows.size() || rows[i].map50_95 > rows[best].map50_95))
            best = i;
    std::string md = "# Study: " + title + "\n\n";
    md += "| arm | method | epochs | seed | mAP50-95 | mAP50 | retention | gain vs baseline | AP_S | AP_M | AP_L | R_S "
          "| last | best ep. | params | GFLOPs | ms/img |\n";
    md += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
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
              (teacher || r.arm == "baseline" ? std::string("–") : signedFixed(r.gain, 4)) + " | " +
              orDash(r.apSmall, 4) + " | " + orDash(r.apMedium, 4) + " | " + orDash(r.apLarge, 4) + " | " +
              orDash(r.recallSmall, 4) + " | " + orDash(r.lastMap50_95, 4) + " | " +
              (r.bestEpoch < 0 ? std::string("–") : std::to_string(r.bestEpoch)) + " | " + fixed(r.params / 1e6, 2) +
              " M | " + fixed(r.gflops, 2) + " | " + fixed(r.msPerImage, 1) + " |\n";
    }
    md += "\nRetention = student mAP50-95 / teacher mAP50-95. All arms share the seed, data order and epochs.\n"
          "AP_S / AP_M / AP_L = AP50-95 of the objects of area < 32², 32²–96² and ≥ 96² px in the original image "
          "(COCO's size ranges); R_S = recall of the small ones; – = no objects of that size.\n"
          "last = mAP50-95 of the run's last-epoch weights; best ep. = the epoch of the best weights, which the "
          "other columns evaluate.\n"
          "ms/img = batch-1 latency of the Conv+BN-folded model at the training imgsz, fastest of 15 runs.\n";
    return md + perClassMarkdown(rows);
}

} // namespace retort
