#include "data/labels.h"

#include "data/dataconfig.h"
#include "util/error.h"
#include "util/imageheader.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace retort {

namespace {

// Normalised coordinates a little outside [0, 1] are rounding noise from label tools: clip them.
constexpr float kCoordTolerance = 1e-2f;
constexpr int kMinImageSide = 10;   // Ultralytics rejects images under 10 px a side

struct ScanResult
{
    ImageRecord record;
    std::vector<LabelIssue> issues;
    bool usable = true;
};

bool parseFloat(const std::string& s, float* v)
{
    char* end = nullptr;
    *v = std::strtof(s.c_str(), &end);
    return end && *end == '\0' && end != s.c_str() && std::isfinite(*v);
}

bool looksBinary(const std::string& text)
{
    for (const unsigned char c : text)
        if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v'))
            return true;
    return false;
}

// One label row into `out`; returns the problem, empty when fine.
std::string parseRow(const std::vector<std::string>& cols, int64_t nc, ObjectLabel* out)
{
    std::vector<float> v(cols.size());
    for (size_t i = 0; i < cols.size(); ++i)
        if (!parseFloat(cols[i], &v[i]))
            return "'" + cols[i] + "' is not a number";
    const bool polygon = cols.size() >= 7 && cols.size() % 2 == 1;
    if (cols.size() != 5 && !polygon)
        return std::to_string(cols.size()) + " columns, expected 5 (class cx cy w h) or a polygon (class x1 y1 x2 y2 ...)";
    if (v[0] != std::floor(v[0]) || v[0] < 0 || v[0] >= nc)
        return "class " + cols[0] + " outside [0, " + std::to_string(nc) + ")";
    for (size_t i = 1; i < v.size(); ++i) {
        if (v[i] < -kCoordTolerance || v[i] > 1 + kCoordTolerance)
            return "coordinate " + cols[i] + " outside [0, 1] (non-normalised label?)";
        v[i] = std::clamp(v[i], 0.0f, 1.0f);
    }
    out->cls = static_cast<int>(v[0]);
    if (polygon) {
        // Ultralytics' segments2boxes: the polygon's bounding box.
        float x0 = 1, y0 = 1, x1 = 0, y1 = 0;
        for (size_t i = 1; i + 1 < v.size(); i += 2) {
            x0 = std::min(x0, v[i]), x1 = std::max(x1, v[i]);
            y0 = std::min(y0, v[i + 1]), y1 = std::max(y1, v[i + 1]);
        }
        *out = {out->cls, (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0};
    } else {
        *out = {out->cls, v[1], v[2], v[3], v[4]};
    }
    if (out->w <= 0 || out->h <= 0)
        return "zero-size box";
    return {};
}

ScanResult scanOne(const std::string& image, int64_t nc, int64_t maxPixels)
{
    ScanResult r;
    r.record.image = image;
    r.record.labelFile = labelPathFor(image);
    // The size from the header: decoding every image here costs its full bitmap (1.5 GB for one
    // 20000x20000 PNG) for two numbers.
    ImageHeader h = readImageHeader(image);
    if (!h.supported) {
        const cv::Mat img = cv::imread(image, cv::IMREAD_COLOR);
        h.ok = !img.empty();
        h.width = img.cols;
        h.height = img.rows;
    }
    if (!h.ok) {
        r.issues.push_back({image, 0, "unreadable or corrupt image" + (h.problem.empty() ? "" : " (" + h.problem + ")") +
                                          ", skipped"});
        r.usable = false;
        return r;
    }
    if (h.height < kMinImageSide || h.width < kMinImageSide) {
        r.issues.push_back({image, 0, "image is " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                                          ", under 10 pixels a side, skipped"});
        r.usable = false;
        return r;
    }
    if (maxPixels > 0 && h.pixels() > maxPixels) {
        r.issues.push_back({image, 0, "image is " + std::to_string(h.width) + "x" + std::to_string(h.height) + " (" +
                                          std::to_string(h.pixels() / 1000000) + " MP), above max_image_pixels " +
                                          std::to_string(maxPixels) + ", skipped"});
        r.usable = false;
        return r;
    }
    if (!h.warning.empty())
        r.issues.push_back({image, 0, h.warning + ", used"});
    r.record.width = h.width;
    r.record.height = h.height;

    const std::string& lf = r.record.labelFile;
    if (!fs::exists(lf))
        return r;
    std::ifstream in(lf, std::ios::binary);
    if (!in) {
        r.issues.push_back({lf, 0, "cannot read label file, image skipped"});
        r.usable = false;
        return r;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    if (looksBinary(text)) {
        r.issues.push_back({lf, 0, "binary data, not a YOLO label file; image skipped"});
        r.usable = false;
        return r;
    }
    std::istringstream lines(text);
    std::string line;
    int lineNo = 0;
    std::map<std::tuple<int, float, float, float, float>, int> seen;
    while (std::getline(lines, line)) {
        ++lineNo;
        std::istringstream ss(line);
        std::vector<std::string> cols;
        for (std::string c; ss >> c;)
            cols.push_back(c);
        if (cols.empty())
            continue;
        ObjectLabel label;
        if (const std::string problem = parseRow(cols, nc, &label); !problem.empty()) {
            r.issues.push_back({lf, lineNo, problem + ", row dropped"});
            continue;
        }
        const auto key = std::make_tuple(label.cls, label.cx, label.cy, label.w, label.h);
        if (const auto [it, fresh] = seen.emplace(key, lineNo); !fresh) {
            r.issues.push_back({lf, lineNo, "duplicate of line " + std::to_string(it->second) + ", removed"});
            continue;
        }
        r.record.labels.push_back(label);
    }
    return r;
}

} // namespace

std::string LabelIssue::text() const
{
    return file + ":" + std::to_string(line) + ": " + what;
}

std::string DatasetIndex::summary() const
{
    std::ostringstream s;
    s << images.size() - backgrounds << " images, " << backgrounds << " backgrounds, " << skipped << " corrupt; "
      << instances << " instances";
    return s.str();
}

DatasetIndex scanDataset(const std::vector<std::string>& images, int64_t nc, const std::string& origin,
                         int64_t maxImagePixels)
{
    std::vector<ScanResult> results(images.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i; (i = next.fetch_add(1)) < images.size();)
            results[i] = scanOne(images[i], nc, maxImagePixels);
    };
    const unsigned n = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < n; ++t)
        pool.emplace_back(work);
    work();
    for (auto& t : pool)
        t.join();

    DatasetIndex index;
    std::set<std::string> reported;
    auto report = [&](const LabelIssue& issue) {
        if (reported.insert(issue.text()).second)
            index.issues.push_back(issue);
    };
    // A whole directory without labels is one problem, not one per image.
    std::map<std::string, int> unlabelledDirs;
    for (auto& r : results) {
        for (const auto& issue : r.issues)
            report(issue);
        if (!r.usable) {
            ++index.skipped;
            continue;
        }
        if (r.record.labels.empty()) {
            ++index.backgrounds;
            const std::string dir = fs::path(r.record.labelFile).parent_path().string();
            if (!fs::is_directory(dir))
                ++unlabelledDirs[dir];
        }
        index.instances += static_cast<int64_t>(r.record.labels.size());
        index.images.push_back(std::move(r.record));
    }
    for (const auto& [dir, count] : unlabelledDirs)
        report({dir, 0, "labels directory does not exist: " + std::to_string(count) + " images treated as backgrounds"});
    if (index.images.empty())
        throw InputError(origin + ": no usable images (" + std::to_string(index.skipped) + " unreadable)");
    return index;
}

} // namespace retort
