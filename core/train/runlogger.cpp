#include "train/runlogger.h"

#include "util/atomicfile.h"
#include "util/json.h"
#include "util/testhook.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace retort {
namespace {
bool isTaskLoss(const std::string& n)
{
    return n == "box" || n == "cls" || n == "dfl" || n == "total";
}
std::string num(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}
/// The value of `"step":` in an events.jsonl line, or -1 when the line is not a whole record
/// (a kill cut it short, or it was damaged).
long long stepOf(const std::string& line)
{
    if (line.size() < 2 || line.front() != '{' || line.back() != '}')
        return -1;
    const auto pos = line.find("\"step\":");
    if (pos == std::string::npos)
        return -1;
    size_t i = pos + 7;
    long long v = 0;
    size_t digits = 0;
    for (; i < line.size() && line[i] >= '0' && line[i] <= '9' && digits < 18; ++i, ++digits)
        v = v * 10 + (line[i] - '0');
    if (digits == 0 || i >= line.size() || (line[i] != ',' && line[i] != '}'))
        return -1;
    return v;
}
} // namespace

RunLogger::RunLogger(std::string runDir, std::vector<std::string> lossNames)
    : m_runDir(std::move(runDir)), m_lossNames(std::move(lossNames))
{
    fs::create_directories(fs::path(m_runDir) / "weights");
}

void RunLogger::writeArgs(const std::string& yaml) const
{
    writeFileAtomic((fs::path(m_runDir) / "args.yaml").string(), yaml);
}

void RunLogger::appendStep(const StepMetrics& s)
{
    JsonWriter w(false);
    w.beginObject().field("step", static_cast<int64_t>(s.step)).field("epoch", s.epoch).field("batch", s.batch);
    w.field("batches", s.batchesPerEpoch).field("epochs", s.epochs);
    for (const auto& [name, v] : s.losses)
        w.field(name, v);
    w.field("lr", s.lr).field("img_s", s.imagesPerSecond).field("instances", s.instances).field("eta_s", s.etaSeconds);
    w.endObject();
    const std::string line = w.str() + "\n";
    std::ofstream out((fs::path(m_runDir) / "events.jsonl").string(), std::ios::app | std::ios::binary);
    // Two writes so that the crash tests can kill between them and leave half a line.
    const size_t half = line.size() / 2;
    out.write(line.data(), static_cast<std::streamsize>(half)).flush();
    testKillPoint("events-line");
    out.write(line.data() + half, static_cast<std::streamsize>(line.size() - half)).flush();
}

std::string RunLogger::resultsHeader() const
{
    std::string h = "epoch,train/box_loss,train/cls_loss,train/dfl_loss";
    for (const auto& n : m_lossNames)
        if (!isTaskLoss(n))
            h += ",train/" + n;
    h += ",metrics/precision(B),metrics/recall(B),metrics/mAP50(B),metrics/mAP50-95(B),"
         "val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2";
    return h;
}

void RunLogger::addEpoch(const EpochMetrics& e, const ValMetrics* val)
{
    auto get = [](const LossMap& m, const std::string& k) {
        const auto it = m.find(k);
        return it == m.end() ? std::string() : num(it->second);
    };
    std::string row = std::to_string(e.epoch + 1);
    for (const char* k : {"box", "cls", "dfl"})
        row += "," + get(e.trainLosses, k);
    for (const auto& n : m_lossNames)
        if (!isTaskLoss(n))
            row += "," + get(e.trainLosses, n);
    if (val) {
        row += "," + num(val->precision) + "," + num(val->recall) + "," + num(val->map50) + "," + num(val->map50_95);
        for (const char* k : {"box", "cls", "dfl"})
            row += "," + get(val->valLosses, k);
    } else {
        row += ",,,,,,,";
    }
    for (size_t i = 0; i < 3; ++i)
        row += "," + (i < e.lrs.size() ? num(e.lrs[i]) : std::string());
    m_rows.push_back(row);
    writeResults();
}

void RunLogger::writeResults() const
{
    std::string text = resultsHeader() + "\n";
    for (const auto& r : m_rows)
        text += r + "\n";
    writeFileAtomic((fs::path(m_runDir) / "results.csv").string(), text);
}

std::vector<std::string> RunLogger::restore(int epochs, long long step)
{
    std::vector<std::string> warnings;
    m_rows.clear();
    const std::string results = (fs::path(m_runDir) / "results.csv").string();
    {
        std::ifstream in(results);
        std::string line;
        std::getline(in, line); // header
        while (static_cast<int>(m_rows.size()) < epochs && std::getline(in, line))
            if (!line.empty())
                m_rows.push_back(line);
    }
    if (static_cast<int>(m_rows.size()) < epochs)
        warnings.push_back(results + ": " + std::to_string(m_rows.size()) + " epoch rows, the checkpoint has " +
                           std::to_string(epochs) + " (rows lost before this resume)");
    writeResults();
    // Keep the steps before the checkpoint's: the resumed run logs `step` itself again. Each
    // step once, in order; anything else is what a killed run wrote past its checkpoint.
    const std::string events = (fs::path(m_runDir) / "events.jsonl").string();
    std::ifstream in(events, std::ios::binary);
    std::string kept;
    std::string line;
    int lineNo = 0;
    long long next = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        const long long s = stepOf(line);
        if (s < 0) {
            warnings.push_back(events + ":" + std::to_string(lineNo) + ": damaged line dropped (" +
                               (in.peek() == std::char_traits<char>::eof() ? "cut short by a kill" : "not a step record") +
                               ")");
            continue;
        }
        if (s >= step)
            break;
        if (s < next)
            continue; // a step already kept (a log from before an earlier, older resume)
        next = s + 1;
        kept += line + "\n";
    }
    writeFileAtomic(events, kept);
    return warnings;
}

} // namespace retort
