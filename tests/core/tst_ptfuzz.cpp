// Hostile .pt files: thousands of mutations of real and crafted checkpoints (bit flips,
// truncations, pickle opcode edits, records out of range, zip bombs of declared sizes, deep
// nesting, memo abuse). The reader must only ever answer with a checkpoint or an InputError:
// no crash, no hang, no other exception, and no allocation beyond what the file holds.
#include "io/ptcheckpoint.h"
#include "io/weights.h"
#include "util/atomicfile.h"
#include "util/error.h"

#include "ptwriter.h"
#include "testdata.h"

#include <QtTest>

#include <chrono>
#include <random>

using namespace retort;
using retort::test::Py;

namespace {

const std::string kOrigin = "fuzz.pt";

struct Outcome
{
    int accepted = 0;
    int rejected = 0;
    int built = 0;
    double worstMs = 0;
    std::string failure; ///< the first non-InputError outcome
};

/// Feeds one file to the reader (and, when it parses and `build`, to the model loader).
void feed(const std::string& bytes, const std::string& what, bool build, Outcome& o)
{
    const auto t0 = std::chrono::steady_clock::now();
    try {
        const PtCheckpoint ck = parsePtCheckpoint(bytes, kOrigin);
        double sum = 0;
        for (const auto& [name, t] : ck.tensors) // reads every element of every view
            if (t.numel() > 0)
                sum += t.to(torch::kFloat64).abs().sum().item<double>();
        (void)sum;
        ++o.accepted;
        if (build) {
            loadPtModel(bytes, kOrigin, {});
            ++o.built;
        }
    } catch (const InputError& e) {
        ++o.rejected;
        const std::string msg = e.what();
        if (o.failure.empty() && (msg.rfind(kOrigin + ":", 0) != 0 || msg.find('\n') != std::string::npos))
            o.failure = what + ": message does not name the file in one line: " + msg;
    } catch (const c10::Error& e) {
        if (o.failure.empty())
            o.failure = what + ": c10::Error " + e.what_without_backtrace();
    } catch (const std::exception& e) {
        if (o.failure.empty())
            o.failure = what + ": " + typeid(e).name() + " " + e.what();
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    o.worstMs = std::max(o.worstMs, ms);
}

/// The answer for one crafted file: "" for InputError, else what happened.
std::string expectRejected(const std::string& bytes, const std::string& expected)
{
    try {
        parsePtCheckpoint(bytes, kOrigin);
        loadPtModel(bytes, kOrigin, {});
    } catch (const InputError& e) {
        const std::string msg = e.what();
        if (msg.find(expected) == std::string::npos)
            return "InputError without '" + expected + "': " + msg;
        return {};
    } catch (const std::exception& e) {
        return std::string("not an InputError: ") + e.what();
    }
    return "accepted";
}

// Opcodes of protocols 0-5, the mutation alphabet.
const char kOpcodes[] = "(.012FIJKLMNPQRSTUVXabcdeghijlopqrstu}])G"
                        "\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f"
                        "\x90\x91\x92\x93\x94\x95\x96\x97\x98";

class Mutator
{
public:
    explicit Mutator(uint32_t seed) : m_rng(seed) {}

    size_t below(size_t n) { return n ? std::uniform_int_distribution<size_t>(0, n - 1)(m_rng) : 0; }

    std::string bitFlips(std::string s, int flips)
    {
        for (int i = 0; i < flips && !s.empty(); ++i)
            s[below(s.size())] ^= static_cast<char>(1 << below(8));
        return s;
    }

    /// One to four opcode-level edits of a pickle.
    std::string pickleEdit(std::string s)
    {
        const int edits = 1 + static_cast<int>(below(4));
        for (int e = 0; e < edits && !s.empty(); ++e) {
            const size_t at = below(s.size());
            switch (below(7)) {
            case 0: s[at] ^= static_cast<char>(1 << below(8)); break;
            case 1: s[at] = kOpcodes[below(sizeof kOpcodes - 1)]; break;
            case 2: s.insert(at, 1, kOpcodes[below(sizeof kOpcodes - 1)]); break;
            case 3: s.erase(at, 1 + below(16)); break;
            case 4: s.insert(at, s.substr(below(s.size()), 1 + below(64))); break;
            case 5: { // a length or index field becomes huge
                const char big[] = {'\xff', '\xff', '\xff', '\x7f'};
                s.replace(at, std::min<size_t>(4, s.size() - at), big, 4);
                break;
            }
            default: s.resize(at); break;
            }
        }
        return s;
    }

private:
    std::mt19937 m_rng;
};

std::vector<std::pair<std::string, torch::Tensor>> nanoTensors(torch::ScalarType dtype)
{
    torch::manual_seed(5);
    DetectionModel m(parseArch(test::kNanoArch, "nano.yaml"));
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (auto& [name, t] : stateDict(*m))
        out.emplace_back(name, t.is_floating_point() ? t.to(dtype) : t);
    return out;
}

/// A list nested `depth` deep, as pickle bytes (no recursion needed to write it).
std::string nestedLists(int depth)
{
    std::string s(static_cast<size_t>(depth), ']');
    s += std::string(static_cast<size_t>(depth - 1), 'a');
    return s;
}

} // namespace

class TestPtFuzz : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void craftedMutations();
    void officialMutations();
    void hostileStructures_data();
    void hostileStructures();
    void hostileArchives_data();
    void hostileArchives();

private:
    std::string m_pickle;
    std::vector<std::pair<std::string, std::string>> m_storages;
    std::string m_good;
};

void TestPtFuzz::initTestCase()
{
    test::TorchPickler p;
    m_pickle = p.pickle(test::ultralyticsCheckpoint(test::kNanoArch, nanoTensors(torch::kFloat16), 2));
    m_storages = p.storages;
    m_good = test::zipArchive(test::ptRecords(m_pickle, m_storages));
    Outcome o;
    feed(m_good, "unmutated", true, o);
    QVERIFY2(o.failure.empty(), o.failure.c_str());
    QCOMPARE(o.built, 1); // the base case is a valid checkpoint
}

void TestPtFuzz::craftedMutations()
{
    Mutator mut(20261202);
    Outcome o;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 1500 && o.failure.empty(); ++i)
        feed(mut.bitFlips(m_good, 1 + static_cast<int>(mut.below(8))), "file bit flips #" + std::to_string(i), true, o);
    for (int i = 0; i < 400 && o.failure.empty(); ++i)
        feed(m_good.substr(0, mut.below(m_good.size())), "truncation #" + std::to_string(i), true, o);
    for (int i = 0; i < 4000 && o.failure.empty(); ++i) {
        // Pickle edits inside a well-formed archive (CRCs right), so the VM itself is exercised.
        const std::string pk = mut.pickleEdit(m_pickle);
        feed(test::zipArchive(test::ptRecords(pk, m_storages)), "pickle edit #" + std::to_string(i), true, o);
    }
    for (int i = 0; i < 600 && o.failure.empty(); ++i) {
        // Storage records cut or grown against the sizes the pickle declares.
        auto storages = m_storages;
        auto& rec = storages[mut.below(storages.size())].second;
        rec.resize(mut.below(rec.size() * 2 + 1));
        feed(test::zipArchive(test::ptRecords(m_pickle, storages)), "storage size #" + std::to_string(i), true, o);
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    qInfo("crafted: %d accepted (%d built), %d rejected, worst %.1f ms, %.1f s", o.accepted, o.built, o.rejected,
          o.worstMs, s);
    QVERIFY2(o.failure.empty(), o.failure.c_str());
    QVERIFY(o.rejected > 3000);
    QVERIFY(o.accepted > 0); // some edits keep a loadable file (e.g. a changed float)
    QVERIFY2(o.worstMs < 2000, "one input took over 2 s");
}

void TestPtFuzz::officialMutations()
{
    RETORT_REQUIRE_SHARED_DATA();
    const std::string path = test::sharedPath("weights/yolov8n.pt");
    const std::string bytes = readFile(path);
    const ZipReader zip(bytes, path);
    std::vector<std::pair<std::string, std::string>> records;
    std::string pickle;
    for (const auto& n : zip.names()) {
        records.emplace_back(n, std::string(zip.record(n)));
        if (n == "yolov8n/data.pkl")
            pickle = records.back().second;
    }
    QVERIFY(!pickle.empty());
    Mutator mut(31337);
    Outcome o;
    for (int i = 0; i < 150 && o.failure.empty(); ++i) {
        auto r = records;
        r[0].second = mut.pickleEdit(pickle);
        QCOMPARE(r[0].first, std::string("yolov8n/data.pkl"));
        feed(test::zipArchive(r), "yolov8n pickle edit #" + std::to_string(i), o.built < 3, o);
    }
    for (int i = 0; i < 100 && o.failure.empty(); ++i)
        feed(bytes.substr(0, mut.below(bytes.size())), "yolov8n truncation #" + std::to_string(i), false, o);
    for (int i = 0; i < 100 && o.failure.empty(); ++i) {
        // Flips in the zip structure (local headers, directory, end record) of the real file.
        std::string b = bytes;
        const size_t dir = b.rfind(std::string("PK\x01\x02", 4));
        const size_t at = mut.below(2) ? dir - mut.below(std::min<size_t>(dir, 50000)) : b.size() - 1 - mut.below(60);
        b[at] ^= static_cast<char>(1 << mut.below(8));
        feed(b, "yolov8n structure flip #" + std::to_string(i), false, o);
    }
    qInfo("yolov8n.pt: %d accepted (%d built), %d rejected, worst %.1f ms", o.accepted, o.built, o.rejected, o.worstMs);
    QVERIFY2(o.failure.empty(), o.failure.c_str());
}

void TestPtFuzz::hostileStructures_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QString>("expected");
    const auto sd = nanoTensors(torch::kFloat32);
    auto withParam = [&](const std::string& raw) {
        auto ck = test::ultralyticsCheckpoint(test::kNanoArch, sd, 2);
        test::parameterSlot(ck, "model.0.conv.weight") = Py::raw(raw);
        return test::ptFile(ck);
    };
    auto withYaml = [&](const std::string& raw) {
        auto ck = test::ultralyticsCheckpoint(test::kNanoArch, sd, 2);
        (*(*ck)["model"])["yaml"] = Py::raw(raw);
        return test::ptFile(ck);
    };
    auto row = [](const char* name, const std::string& bytes, const char* expected) {
        QTest::newRow(name) << QByteArray(bytes.data(), static_cast<int>(bytes.size())) << QString(expected);
    };
    auto bareRoot = [](const std::string& raw) { return test::zipArchive(test::ptRecords("\x80\x02" + raw, {})); };

    row("deep-lists-root", bareRoot(nestedLists(300000) + "."), "not a dict or a model");
    {
        // 300000-deep list as the architecture: converted with a depth limit, not recursion.
        test::PickleWriter w;
        w.op('}').mark().str("backbone").raw(nestedLists(300000)).op('u');
        row("deep-yaml", withYaml(w.out), "nests too deeply");
    }
    row("value-flood", bareRoot([] {
            std::string s;
            for (int i = 0; i < (1 << 20) + 8; ++i)
                s += "N0";
            return s + "N.";
        }()),
        "values");
    row("mark-bomb", bareRoot(std::string(70000, '(') + "N."), "nested MARKs");
    row("memo-missing", bareRoot("j\xff\xff\xff\x7f."), "never stored");
    row("memo-flood", bareRoot([] {
            std::string s = "N";
            for (uint32_t i = 0; i < (1u << 20) + 2; ++i) {
                s += 'r';
                for (int b = 0; b < 4; ++b)
                    s += static_cast<char>((i >> (8 * b)) & 0xFF);
            }
            return s + ".";
        }()),
        "memo larger than");
    {
        // Billion laughs: 40 levels of a list holding the previous one ten times, as the yaml.
        test::PickleWriter w;
        w.op('}').mark().str("head").op(']').put(0).op('0');
        for (uint32_t lvl = 1; lvl <= 40; ++lvl) {
            w.op(']').mark();
            for (int k = 0; k < 10; ++k)
                w.get(lvl - 1);
            w.op('e').put(lvl);
            if (lvl < 40)
                w.op('0');
        }
        w.op('u');
        row("billion-laughs", withYaml(w.out), "expands to more than");
    }
    {
        test::PickleWriter w;
        w.op('}').mark().str("head").op(']').put(0).get(0).op('a').op('u');
        row("cyclic-yaml", withYaml(w.out), "nests too deeply");
    }
    {
        // A module whose _modules holds itself.
        test::PickleWriter w;
        w.global("torch.nn.modules.module", "Module").op(')').op('\x81').put(0);
        w.op('}').mark().str("_modules").op('}').mark().str("loop").get(0).op('u').op('u').op('b');
        auto ck = test::ultralyticsCheckpoint(test::kNanoArch, sd, 2);
        (*(*(*ck)["model"])["_modules"])["model"] = Py::raw(w.out);
        QTest::newRow("cyclic-module-tree") << [&] {
            const std::string b = test::ptFile(ck);
            return QByteArray(b.data(), static_cast<int>(b.size()));
        }() << QString("nests deeper than");
    }
    row("huge-tensor-size", withParam([] {
            test::PickleWriter t;
            t.global("torch._utils", "_rebuild_tensor_v2").mark();
            t.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(8).op('t').op('Q');
            t.integer(0).mark().integer(int64_t(1) << 40).integer(int64_t(1) << 40).op('t');
            t.mark().integer(0).integer(0).op('t').boolean(false).op(')').op('t').op('R');
            return t.out;
        }()),
        "impossible number of elements");
    row("huge-storage-numel", withParam([] {
            test::PickleWriter t;
            t.global("torch._utils", "_rebuild_tensor_v2").mark();
            t.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(int64_t(1) << 61).op('t').op('Q');
            t.integer(0).mark().integer(4).op('t').mark().integer(1).op('t').boolean(false).op(')').op('t').op('R');
            return t.out;
        }()),
        "but its record holds");
    row("negative-stride", withParam([] {
            test::PickleWriter t;
            t.global("torch._utils", "_rebuild_tensor_v2").mark();
            t.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(4).op('t').op('Q');
            t.integer(3).mark().integer(4).op('t').mark().integer(-1).op('t').boolean(false).op(')').op('t').op('R');
            return t.out;
        }()),
        "negative size or stride");
    row("huge-string", bareRoot(std::string("\x8d\xff\xff\xff\xff\xff\xff\xff\x7f", 9) + "."), "needs");
    row("huge-frame", bareRoot(std::string("\x95\xff\xff\xff\xff\xff\xff\xff\x7f", 9) + "N."), "needs");
    row("huge-long4", bareRoot(std::string("\x8b\xff\xff\xff\x7f", 5) + "."), "needs");
    row("stack-underflow", bareRoot("(t0R."), "stack underflow");
    row("no-stop", bareRoot("N"), "without STOP");
    row("ext-registry", bareRoot("\x82\x01."), "extension registry");
    row("persid-not-storage", withParam(test::PickleWriter().str("abc").op('Q').out), "unsupported persistent id");
    row("big-yaml-widths", [&] {
            auto ck = test::ultralyticsCheckpoint(
                std::string(test::kNanoArch).replace(std::string(test::kNanoArch).find("[16, 5]"), 7, "[1073741824, 5]"), sd, 2);
            return test::ptFile(ck);
        }(),
        "declares 1073741824 output channels");
    row("many-bottlenecks", [&] {
            auto ck = test::ultralyticsCheckpoint(
                std::string(test::kNanoArch).replace(std::string(test::kNanoArch).find("1, C2f"), 6, "100000000, C2f"), sd, 2);
            return test::ptFile(ck);
        }(),
        "has no weight 'model.2.m.99999999.cv1.conv.weight'");
}

void TestPtFuzz::hostileStructures()
{
    QFETCH(QByteArray, file);
    QFETCH(QString, expected);
    const auto t0 = std::chrono::steady_clock::now();
    const std::string err = expectRejected(file.toStdString(), expected.toStdString());
    QVERIFY2(err.empty(), err.c_str());
    QVERIFY(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
}

void TestPtFuzz::hostileArchives_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QString>("expected");
    const std::string good = test::zipArchive(test::ptRecords("\x80\x02N.", {}));
    const size_t end = good.size() - 22;
    const size_t dir = good.find(std::string("PK\x01\x02", 4));
    auto row = [](const char* name, const std::string& b, const char* expected) {
        QTest::newRow(name) << QByteArray(b.data(), static_cast<int>(b.size())) << QString(expected);
    };
    auto patch = [&](size_t at, const std::string& bytes) {
        std::string b = good;
        b.replace(at, bytes.size(), bytes);
        return b;
    };
    row("entries-65535", patch(end + 8, std::string("\xff\xff\xff\xff", 4)), "declares 65535 records");
    row("directory-past-end", patch(end + 12, std::string("\xff\xff\xff\x7f", 4)), "lies outside the file");
    row("record-size-4g", patch(dir + 20, std::string("\xfe\xff\xff\xff\xfe\xff\xff\xff", 8)), "runs past the end");
    row("local-offset-past-end", patch(dir + 42, std::string("\xff\xff\xff\x0f", 4)), "no local header");
    row("sizes-differ", patch(dir + 20, std::string("\x01\0\0\0", 4)), "declares 1 bytes stored");
    {
        // Zip64: an end locator pointing at a record that declares 2^60 entries.
        std::string b = good.substr(0, end);
        const size_t z = b.size();
        auto le = [&](uint64_t v, int n) {
            for (int i = 0; i < n; ++i)
                b += static_cast<char>((v >> (8 * i)) & 0xFF);
        };
        le(0x06064b50, 4); le(44, 8); le(45, 2); le(45, 2); le(0, 4); le(0, 4);
        le(uint64_t(1) << 60, 8); le(uint64_t(1) << 60, 8); le(uint64_t(1) << 40, 8); le(0, 8);
        le(0x07064b50, 4); le(0, 4); le(z, 8); le(1, 4);
        b += good.substr(end);
        row("zip64-bomb", b, "lies outside the file");
        std::string c = b;
        c.replace(z + 40, 8, std::string("\x30\0\0\0\0\0\0\0", 8)); // a plausible directory size, absurd count
        c.replace(z + 48, 8, std::string(8, '\0'));
        row("zip64-count", c, "declares");
    }
    row("encrypted", patch(dir + 8, std::string("\x01", 1)), "encrypted");
    row("no-data-pkl", test::zipArchive({{"archive/other", "x"}}), "no 'archive/data.pkl'");
}

void TestPtFuzz::hostileArchives()
{
    hostileStructures();
}

QTEST_APPLESS_MAIN(TestPtFuzz)
#include "tst_ptfuzz.moc"
