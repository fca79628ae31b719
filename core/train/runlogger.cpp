#include "train/runlogger.h"

#include "util/atomicfile.h"
#include "util/json.h"

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
    std::ofstream out((fs::path(m_runDir) / "events.jsonl").string(), std::ios::app);
    out << w.str() << '\n';
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

void RunLogger::restore(int epochs, long long step)
{
    m_rows.clear();
    {
        std::ifstream in((fs::path(m_runDir) / "results.csv").string());
        std::string line;
        std::getline(in, line); // header
        while (static_cast<int>(m_rows.size()) < epochs && std::getline(in, line))
            if (!line.empty())
                m_rows.push_back(line);
    }
    writeResults();
    const std::string events = (fs::path(m_runDir) / "events.jsonl").string();
    std::ifstream in(events);
    std::string kept;
    std::string line;
    while (std::getline(in, line)) {
        const auto pos = line.find("\"step\":");
        if (pos == std::string::npos || line.back() != '}')
            continue; // a line cut short by a kill
        if (std::stoll(line.substr(pos + 7)) > step)
            break;
        kept += line + "\n";
    }
    writeFileAtomic(events, kept);
}

} // namespace retort
