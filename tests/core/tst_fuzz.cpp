// Fuzz suite: every reader of user or run-directory input is fed mutated files in-process —
// experiment YAML (and key=value overrides), data YAML, label files, image headers,
// safetensors, and the run directory's events.jsonl / results.csv / args.yaml as the run reader
// and a resume read them. Each case must either be accepted or rejected with a typed error
// (retort::Error, InputError for input); anything else (a foreign exception, a crash, a hang)
// fails. The tally by outcome is printed for docs/RELIABILITY.md.
#include "data/dataconfig.h"
#include "data/labels.h"
#include "io/safetensors.h"
#include "train/experimentconfig.h"
#include "train/runlogger.h"
#include "train/runreader.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/imageheader.h"

#include "testdata.h"

#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace retort;

namespace {

const char* const kNasty[] = {
    "", "~", "null", ".nan", "-.inf", ".inf", "1e309", "-1", "0", "-0", "999999999999999999999", "0x10", "1.5",
    "true", "[]", "{}", "[1, [2, {a: 3}]]", "{weights: x}", "'", "\"", "&a", "*a", "!!binary AAAA", "? x",
    "cuda:0", "cuda:-1", "mps", "cpu:1", "yolov8n.yaml", "/nonexistent", "${UNSET_VAR}", "mgd", "a:b:c",
    "\t", "- x", "|\n  block", "1:", ":5", "0:0", "-5:-1", "logit+nope", "baseline+logit", "x\x01y",
};

struct Tally
{
    int accepted = 0, inputErrors = 0, otherTyped = 0, untyped = 0;
    std::string firstUntyped;
    int total() const { return accepted + inputErrors + otherTyped + untyped; }
};

/// Runs one case and files its outcome.
template <typename F>
void runCase(Tally& t, const std::string& input, F&& f)
{
    try {
        f();
        ++t.accepted;
    } catch (const InputError&) {
        ++t.inputErrors;
    } catch (const Error&) {
        ++t.otherTyped;
    } catch (const std::exception& e) {
        if (!t.untyped++)
            t.firstUntyped = std::string(e.what()) + "\n--- input ---\n" + input.substr(0, 600);
    }
}

class Mutator
{
public:
    explicit Mutator(uint32_t seed) : m_rng(seed) {}
    size_t below(size_t n) { return n ? std::uniform_int_distribution<size_t>(0, n - 1)(m_rng) : 0; }
    const char* nasty() { return kNasty[below(sizeof kNasty / sizeof *kNasty)]; }

    /// Byte-, line- and token-level mutations, 1 to 4 of them.
    std::string text(std::string s)
    {
        const int n = 1 + static_cast<int>(below(4));
        for (int i = 0; i < n; ++i) {
            switch (below(8)) {
            case 0: // flip a byte
                if (!s.empty())
                    s[below(s.size())] = static_cast<char>(below(256));
                break;
            case 1: // delete a span
                if (!s.empty()) {
                    const size_t at = below(s.size());
                    s.erase(at, 1 + below(12));
                }
                break;
            case 2: // insert a nasty token
                s.insert(below(s.size() + 1), nasty());
                break;
            case 3: { // replace a value after ": " with a nasty one
                std::vector<size_t> at;
                for (size_t p = s.find(": "); p != std::string::npos; p = s.find(": ", p + 1))
                    at.push_back(p + 2);
                if (at.empty())
                    break;
                const size_t b = at[below(at.size())];
                size_t e = b;
                while (e < s.size() && s[e] != '\n' && s[e] != ',' && s[e] != '}')
                    ++e;
                s.replace(b, e - b, nasty());
                break;
            }
            case 4: { // duplicate a line (duplicate keys)
                auto lines = split(s);
                if (!lines.empty()) {
                    const size_t k = below(lines.size());
                    lines.insert(lines.begin() + static_cast<long>(below(lines.size() + 1)), lines[k]);
                }
                s = join(lines);
                break;
            }
            case 5: { // delete a line
                auto lines = split(s);
                if (!lines.empty())
                    lines.erase(lines.begin() + static_cast<long>(below(lines.size())));
                s = join(lines);
                break;
            }
            case 6: // truncate
                s.resize(below(s.size() + 1));
                break;
            case 7: { // re-indent a line
                auto lines = split(s);
                if (!lines.empty())
                    lines[below(lines.size())].insert(0, std::string(below(5), ' '));
                s = join(lines);
                break;
            }
            }
        }
        return s;
    }

    /// Binary mutations for image headers and safetensors.
    std::string bytes(std::string s)
    {
        const int n = 1 + static_cast<int>(below(6));
        for (int i = 0; i < n; ++i) {
            switch (below(4)) {
            case 0:
                if (!s.empty())
                    s[below(std::min<size_t>(s.size(), 64 + below(s.size())))] = static_cast<char>(below(256));
                break;
            case 1:
                s.resize(below(s.size() + 1));
                break;
            case 2:
                if (!s.empty())
                    s.erase(below(s.size()), 1 + below(16));
                break;
            case 3:
                s.insert(below(s.size() + 1), std::string(1 + below(8), static_cast<char>(below(256))));
                break;
            }
        }
        return s;
    }

private:
    static std::vector<std::string> split(const std::string& s)
    {
        std::vector<std::string> out;
        std::stringstream ss(s);
        for (std::string l; std::getline(ss, l);)
            out.push_back(l);
        return out;
    }
    static std::string join(const std::vector<std::string>& lines)
    {
        std::string out;
        for (const auto& l : lines)
            out += l + "\n";
        return out;
    }
    std::mt19937 m_rng;
};

void writeText(const std::string& path, const std::string& text)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

} // namespace

class TestFuzz : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void experimentYaml();
    void overrides();
    void dataYaml();
    void labelFiles();
    void imageHeaders();
    void safetensors();
    void runDirectory();
    void cleanupTestCase();

private:
    void report(const char* reader, const Tally& t);
    std::string m_root;
    std::string m_experiment;
    int m_total = 0;
};

void TestFuzz::initTestCase()
{
    m_root = test::tempDir("fuzz");
    m_experiment = "name: fz\ndata: d.yaml\nproject: runs\n"
                   "teacher: {weights: t.safetensors, finetune_epochs: 2}\n"
                   "student: {arch: yolov8n.yaml}\n"
                   "train:\n  epochs: 3\n  imgsz: 64\n  batch: 4\n  lr0: 0.01\n  device: cpu\n  train_subset: 0:8\n"
                   "  optimizer: SGD\n  best: fitness\n"
                   "distill:\n  logit: {weight: 1.0, temperature: 4.0}\n  loc: {weight: 0.5}\n"
                   "  feature: {type: cwd, weight: 2.0, tau: 1.0, layers: {15: 15, 18: 18}}\n"
                   "  schedule: {warmup_epochs: 1, decay: linear}\n"
                   "arms: [baseline, logit, logit+loc+cwd]\n";
    parseExperiment(m_experiment, "fz.yaml", "."); // the seed itself is valid
}

void TestFuzz::report(const char* reader, const Tally& t)
{
    qInfo("fuzz %-16s %6d cases: %6d accepted, %6d InputError, %4d other typed Error, %d untyped", reader, t.total(),
          t.accepted, t.inputErrors, t.otherTyped, t.untyped);
    m_total += t.total();
    QVERIFY2(t.untyped == 0, t.firstUntyped.c_str());
}

void TestFuzz::experimentYaml()
{
    Mutator m(1);
    Tally t;
    for (int i = 0; i < 3000; ++i) {
        const std::string text = m.text(m_experiment);
        runCase(t, text, [&] {
            const ExperimentConfig c = parseExperiment(text, "fz.yaml", ".");
            // What is accepted is saved in args.yaml and read back on resume: that must hold too.
            parseExperiment(experimentToYaml(c), "args.yaml", ".");
        });
    }
    report("experiment YAML", t);
}

void TestFuzz::overrides()
{
    Mutator m(2);
    Tally t;
    const char* keys[] = {"train.epochs", "train.lr0", "train.device", "teacher.weights", "teacher", "distill.logit",
                          "distill.feature.layers", "arms", "name", "epochs", "train", "distill.logit.weight.x",
                          "student.arch", "train.val_subset", "arm", "distill.feature.type", ".x", "train..lr0"};
    for (int i = 0; i < 1500; ++i) {
        std::vector<std::string> ov;
        for (size_t k = 0, n = 1 + m.below(3); k < n; ++k)
            ov.push_back(std::string(keys[m.below(sizeof keys / sizeof *keys)]) + "=" + m.nasty());
        std::string joined;
        for (const auto& o : ov)
            joined += o + " ";
        runCase(t, joined, [&] { armConfig(parseExperiment(m_experiment, "fz.yaml", ".", ov), "logit+loc+cwd"); });
    }
    report("overrides", t);
}

void TestFuzz::dataYaml()
{
    const std::string dir = m_root + "/data";
    fs::create_directories(dir + "/images/train");
    fs::create_directories(dir + "/images/val");
    const std::string seed = "path: " + dir + "\ntrain: images/train\nval: [images/val]\ntest:\nnc: 2\n"
                             "names:\n  0: cat\n  1: dog\nmax_image_pixels: 1000000\n";
    Mutator m(3);
    Tally t;
    const std::string path = dir + "/d.yaml";
    for (int i = 0; i < 1500; ++i) {
        const std::string text = m.text(seed);
        writeText(path, text);
        runCase(t, text, [&] { loadDataConfig(path); });
    }
    report("data YAML", t);
}

void TestFuzz::labelFiles()
{
    const std::string dir = m_root + "/labels";
    fs::create_directories(dir + "/images");
    fs::create_directories(dir + "/labels");
    QVERIFY(cv::imwrite(dir + "/images/a.png", cv::Mat(32, 48, CV_8UC3, cv::Scalar(5, 6, 7))));
    const std::string seed = "0 0.5 0.5 0.2 0.3\n1 0.1 0.2 0.05 0.05\n2 0.1 0.1 0.2 0.1 0.3 0.3\n0 0.5 0.5 0.2 0.3\n";
    Mutator m(4);
    Tally t;
    for (int i = 0; i < 1500; ++i) {
        const std::string text = m.text(seed);
        writeText(dir + "/labels/a.txt", text);
        runCase(t, text, [&] { scanDataset({dir + "/images/a.png"}, 3, "fuzz"); });
    }
    report("label files", t);
}

void TestFuzz::imageHeaders()
{
    const std::string dir = m_root + "/img";
    fs::create_directories(dir);
    const cv::Mat img(21, 34, CV_8UC3, cv::Scalar(50, 100, 150));
    std::vector<std::string> seeds;
    for (const char* ext : {".png", ".jpg", ".bmp", ".webp", ".tiff"}) {
        QVERIFY(cv::imwrite(dir + "/s" + ext, img));
        seeds.push_back(readFile(dir + "/s" + ext));
    }
    Mutator m(5);
    Tally t;
    for (int i = 0; i < 2500; ++i) {
        const std::string bytes = m.bytes(seeds[m.below(seeds.size())]);
        runCase(t, "<binary>", [&] {
            const ImageHeader h = parseImageHeader(bytes.substr(0, 512 * 1024),
                                                   bytes.substr(bytes.size() - std::min<size_t>(16, bytes.size())),
                                                   static_cast<int64_t>(bytes.size()));
            if (h.ok && (h.width <= 0 || h.height <= 0))
                throw std::logic_error("accepted a non-positive size");
        });
    }
    // A few through the whole scan (header, then the fallback decode for what it cannot read).
    for (int i = 0; i < 200; ++i) {
        const std::string bytes = m.bytes(seeds[m.below(seeds.size())]);
        writeText(dir + "/f.png", bytes);
        runCase(t, "<binary>", [&] { scanDataset({dir + "/f.png"}, 3, "fuzz"); });
    }
    report("image headers", t);
}

void TestFuzz::safetensors()
{
    SafeTensors st;
    st.tensors.emplace_back("model.0.conv.weight", torch::arange(24, torch::kFloat).reshape({2, 3, 2, 2}));
    st.tensors.emplace_back("model.0.bn.running_var", torch::ones({2}, torch::kHalf));
    st.tensors.emplace_back("optimizer", torch::zeros({5}, torch::kUInt8));
    st.metadata = {{"format", "retort-state-v1"}, {"epoch", "1"}, {"names", "[\"a\"]"}};
    const std::string seed = serializeSafetensors(st);
    Mutator m(6);
    Tally t;
    for (int i = 0; i < 1500; ++i) {
        std::string bytes = m.bytes(seed);
        if (bytes.size() > 8 && m.below(2)) // mutate inside the JSON header too
            bytes = bytes.substr(0, 8) + m.text(bytes.substr(8, std::min<size_t>(bytes.size(), 8 + 400) - 8)) +
                    (bytes.size() > 408 ? bytes.substr(408) : "");
        runCase(t, "<binary>", [&] { parseSafetensors(bytes, "fuzz.safetensors"); });
    }
    report("safetensors", t);
}

void TestFuzz::runDirectory()
{
    const std::string run = m_root + "/runs/fz/logit";
    fs::create_directories(run + "/weights");
    {
        RunLogger log(run, {"box", "cls", "dfl", "kd_logit", "total"});
        log.writeArgs("name: fz\narm: logit\ntrain:\n  epochs: 3\n");
        for (int s = 0; s < 6; ++s) {
            StepMetrics m;
            m.step = s;
            m.epoch = s / 3;
            m.batch = s % 3;
            m.batchesPerEpoch = 3;
            m.epochs = 3;
            m.losses = {{"box", 1.0 / (s + 1)}, {"cls", 2.0}, {"dfl", 0.5}, {"kd_logit", 0.1}, {"total", 3.6}};
            log.appendStep(m);
            if (m.batch == 2) {
                EpochMetrics e;
                e.epoch = m.epoch;
                e.trainLosses = m.losses;
                e.lrs = {0.01, 0.01, 0.01};
                ValMetrics v;
                v.map50 = 0.3;
                log.addEpoch(e, &v);
            }
        }
    }
    const std::string events = readFile(run + "/events.jsonl");
    const std::string results = readFile(run + "/results.csv");
    const std::string args = readFile(run + "/args.yaml");
    Mutator m(7);
    Tally t;
    for (int i = 0; i < 1500; ++i) {
        const int which = static_cast<int>(m.below(3));
        const std::string text = m.text(which == 0 ? events : which == 1 ? results : args);
        writeText(run + "/events.jsonl", which == 0 ? text : events);
        writeText(run + "/results.csv", which == 1 ? text : results);
        writeText(run + "/args.yaml", which == 2 ? text : args);
        runCase(t, text, [&] {
            readRun(run);
            scanRuns(m_root + "/runs");
            if (which != 2) {
                RunLogger log(run, {"box", "cls", "dfl", "kd_logit", "total"});
                log.restore(static_cast<int>(m.below(3)), static_cast<long long>(m.below(7)));
            }
        });
    }
    report("run directory", t);
}

void TestFuzz::cleanupTestCase()
{
    qInfo("fuzz total: %d cases", m_total);
    QVERIFY(m_total >= 10000);
}

QTEST_APPLESS_MAIN(TestFuzz)
#include "tst_fuzz.moc"
