#include "io/safetensors.h"
#include "util/error.h"

#include "testdata.h"

#include <QtTest>

#include <random>

using namespace retort;

class TestSafetensors : public QObject
{
    Q_OBJECT
private slots:
    void roundTrip_data();
    void roundTrip();
    void metadataSurvivesUnicode();
    void rejectsMalformed_data();
    void rejectsMalformed();
    void mutatedFilesNeverCrash();
};

void TestSafetensors::roundTrip_data()
{
    QTest::addColumn<int>("dtype");
    QTest::newRow("F32") << int(torch::kFloat32);
    QTest::newRow("F16") << int(torch::kFloat16);
    QTest::newRow("BF16") << int(torch::kBFloat16);
}

void TestSafetensors::roundTrip()
{
    QFETCH(int, dtype);
    const auto type = static_cast<torch::ScalarType>(dtype);
    SafeTensors st;
    torch::manual_seed(1);
    st.tensors.emplace_back("model.0.conv.weight", torch::randn({4, 3, 3, 3}));
    st.tensors.emplace_back("empty", torch::zeros({0, 5}));
    st.tensors.emplace_back("ids", torch::arange(7, torch::kLong));
    st.metadata["names"] = "[\"a\", \"b\"]";
    const std::string dir = test::tempDir("st");
    const std::string path = dir + "/t.safetensors";
    writeSafetensors(path, st, type);
    const SafeTensors back = readSafetensors(path);
    QCOMPARE(back.tensors.size(), size_t(3));
    QCOMPARE(back.meta("names"), std::string("[\"a\", \"b\"]"));
    const auto w = back.at("model.0.conv.weight", path);
    QCOMPARE(w.scalar_type(), type);
    QVERIFY(torch::equal(w, st.tensors[0].second.to(type)));
    QCOMPARE(back.at("empty", path).sizes().vec(), (std::vector<int64_t>{0, 5}));
    QCOMPARE(back.at("ids", path).scalar_type(), torch::kLong); // integers keep their type
    QVERIFY(torch::equal(back.at("ids", path), torch::arange(7, torch::kLong)));
    // Header padded to a multiple of 8, as the format recommends.
    const std::string bytes = serializeSafetensors(st);
    uint64_t len = 0;
    std::memcpy(&len, bytes.data(), 8);
    QCOMPARE(len % 8, uint64_t(0));
}

void TestSafetensors::metadataSurvivesUnicode()
{
    // Python's json.dumps escapes non-BMP characters as surrogate pairs (the official weights'
    // arch text holds a rocket emoji): they must decode, not fail.
    const std::string header = R"({"__metadata__":{"arch":"# Ultralytics \ud83d\ude80 YOLO","zh":"\u84b8\u998f"},)"
                               R"("x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    std::string bytes(8, '\0');
    const uint64_t len = header.size();
    std::memcpy(bytes.data(), &len, 8);
    bytes += header;
    bytes += std::string(4, '\0');
    const SafeTensors st = parseSafetensors(bytes, "mem");
    QCOMPARE(st.meta("arch"), std::string("# Ultralytics \xF0\x9F\x9A\x80 YOLO"));
    QCOMPARE(st.meta("zh"), std::string("\xE8\x92\xB8\xE9\xA6\x8F"));
}

namespace {
std::string withHeader(const std::string& header, size_t dataBytes, int64_t lenOverride = -1)
{
    std::string bytes(8, '\0');
    const uint64_t len = lenOverride >= 0 ? static_cast<uint64_t>(lenOverride) : header.size();
    std::memcpy(bytes.data(), &len, 8);
    return bytes + header + std::string(dataBytes, '\0');
}
} // namespace

void TestSafetensors::rejectsMalformed_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    const auto row = [](const char* name, const std::string& bytes, const char* expected) {
        QTest::newRow(name) << QByteArray(bytes.data(), int(bytes.size())) << QString(expected);
    };
    row("short file", "abc", "8-byte header length is missing");
    row("header past end", withHeader("{}", 0, 4096), "runs past the end");
    row("not json", withHeader("{\"a\": [1, 2", 0), "not valid JSON");
    row("not an object", withHeader("[1, 2]", 0), "not a JSON object");
    row("unknown dtype", withHeader(R"({"x":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", 1), "unknown dtype 'F8'");
    row("offset out of range", withHeader(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4),
        "out of range");
    row("size mismatch", withHeader(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "need 12");
    row("negative shape", withHeader(R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
        "non-negative integer");
    row("begin after end", withHeader(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8), "out of range");
    row("missing fields", withHeader(R"({"x":{"dtype":"F32"}})", 0), "needs dtype, shape and data_offsets");
}

void TestSafetensors::rejectsMalformed()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    try {
        parseSafetensors(std::string(bytes.constData(), size_t(bytes.size())), "bad.safetensors");
        QFAIL("malformed input was accepted");
    } catch (const InputError& e) {
        const QString msg = QString::fromStdString(e.what());
        QVERIFY2(msg.startsWith("bad.safetensors"), qPrintable(msg));
        QVERIFY2(msg.contains(expected), qPrintable(msg));
    }
}

void TestSafetensors::mutatedFilesNeverCrash()
{
    SafeTensors st;
    st.tensors.emplace_back("a", torch::randn({3, 4}));
    st.tensors.emplace_back("b", torch::randn({5}).to(torch::kHalf));
    st.metadata["k"] = "v";
    const std::string valid = serializeSafetensors(st);
    std::mt19937 rng(42);
    int rejected = 0;
    const int kRuns = 4000;
    for (int i = 0; i < kRuns; ++i) {
        std::string m = valid;
        const int edits = 1 + int(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const size_t pos = rng() % m.size();
            switch (rng() % 4) {
            case 0: m[pos] = char(rng()); break;                          // flip a byte
            case 1: m.erase(pos, 1 + rng() % 8); break;                   // drop bytes
            case 2: m.insert(pos, std::string(1 + rng() % 4, char(rng()))); break;
            default: m.resize(rng() % m.size()); break;                   // truncate
            }
            if (m.empty())
                break;
        }
        try {
            const SafeTensors out = parseSafetensors(m, "fuzz");
            for (const auto& [name, t] : out.tensors)
                QVERIFY(t.defined());
        } catch (const InputError&) {
            ++rejected;
        }
    }
    QVERIFY(rejected > kRuns / 2); // most mutations must be caught, none may crash
}

QTEST_APPLESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
