// Ultralytics .pt checkpoints read without Python: the official files against their safetensors
// conversions (bit for bit), predictions from both, crafted checkpoints and bad input.
#include "eval/predictor.h"
#include "io/ptcheckpoint.h"
#include "io/safetensors.h"
#include "io/weights.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/json.h"

#include "ptwriter.h"
#include "testdata.h"

#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include <map>

using namespace retort;
using retort::test::Py;

namespace {

using retort::test::kNanoArch;

/// Bitwise equality (NaN-safe, sign of zero included) of two tensors of the same dtype.
bool sameBits(const torch::Tensor& a, const torch::Tensor& b)
{
    if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes())
        return false;
    const auto ca = a.contiguous(), cb = b.contiguous();
    return std::memcmp(ca.data_ptr(), cb.data_ptr(), static_cast<size_t>(ca.numel()) * ca.element_size()) == 0;
}

std::map<std::string, torch::Tensor> byName(const std::vector<std::pair<std::string, torch::Tensor>>& v)
{
    return {v.begin(), v.end()};
}

/// A random-initialised nano model's state dict (BN statistics perturbed so they matter).
std::vector<std::pair<std::string, torch::Tensor>> nanoStateDict(DetectionModel& model)
{
    torch::manual_seed(3);
    model = DetectionModel(parseArch(kNanoArch, "nano.yaml"));
    torch::NoGradGuard g;
    for (auto& [name, t] : stateDict(*model))
        if (name.find("running_var") != std::string::npos)
            t.uniform_(0.5, 2.0);
        else if (name.find("running_mean") != std::string::npos)
            t.normal_(0, 0.1);
    return stateDict(*model);
}

std::string writeTemp(const std::string& name, const std::string& bytes)
{
    const std::string path = test::tempDir("pt") + "/" + name;
    writeFileAtomic(path, bytes);
    return path;
}

/// The message of the InputError that loading `path` throws ("" if none is thrown).
std::string loadError(const std::string& path, const LoadOptions& options = {})
{
    try {
        loadModel(path, options);
    } catch (const InputError& e) {
        return e.what();
    }
    return {};
}

/// np.float64(d) as Ultralytics' trainer pickles best_fitness (protocol 2: bytes via _codecs).
std::string numpyFloat64(double d)
{
    test::PickleWriter w;
    w.global("numpy.core.multiarray", "scalar");
    w.global("numpy", "dtype").mark().str("f8").boolean(false).boolean(true).op('t').op('R');
    w.mark().integer(3).str("<").none().none().none().integer(-1).integer(-1).integer(0).op('t').op('b');
    unsigned char b[8];
    std::memcpy(b, &d, 8);
    std::string latin1;
    for (const unsigned char c : b)
        if (c < 0x80) {
            latin1 += static_cast<char>(c);
        } else {
            latin1 += static_cast<char>(0xC0 | (c >> 6));
            latin1 += static_cast<char>(0x80 | (c & 0x3F));
        }
    w.global("_codecs", "encode").str(latin1).str("latin1").op('\x86').op('R');
    w.op('\x86').op('R');
    return w.out;
}

} // namespace

class TestPtCheckpoint : public QObject
{
    Q_OBJECT
private slots:
    void officialMatchesSafetensors_data();
    void officialMatchesSafetensors();
    void officialModelPredictsLikeSafetensors_data();
    void officialModelPredictsLikeSafetensors();
    void officialModelValidatesLikeSafetensors();
    void yolo11ReaderMatchesSafetensors();
    void cliInfoAndConvert();
    void craftedRoundTrip_data();
    void craftedRoundTrip();
    void emaPreferredOverModel();
    void bareStateDictNeedsArch();
    void fusedCheckpointLoadsFused();
    void trainingStartsFromPt();
    void torchScriptNamedPt();
    void badInput_data();
    void badInput();
};

void TestPtCheckpoint::officialMatchesSafetensors_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("scale");
    QTest::newRow("yolov8n") << "yolov8n" << "n";
    QTest::newRow("yolov8s") << "yolov8s" << "s";
}

void TestPtCheckpoint::officialMatchesSafetensors()
{
    RETORT_REQUIRE_SHARED_DATA();
    QFETCH(QString, model);
    QFETCH(QString, scale);
    const std::string m = model.toStdString();
    const PtCheckpoint ck = readPtCheckpoint(test::sharedPath("weights/" + m + ".pt"));
    const SafeTensors st = readSafetensors(test::sharedPath("weights/" + m + ".safetensors"));
    const YAML::Node info = parseJson(readFile(test::sharedPath("weights/pt_info.json")), "pt_info.json")[m + ".pt"];

    QCOMPARE(ck.tensors.size(), info["contents"]["model"]["state_dict_tensors"].as<size_t>()); // 355
    const auto ref = byName(st.tensors);
    size_t tracked = 0;
    for (const auto& [name, t] : ck.tensors) {
        if (name.find("num_batches_tracked") != std::string::npos) {
            QCOMPARE(t.scalar_type(), torch::kInt64);
            ++tracked;
            continue;
        }
        const auto it = ref.find(name);
        QVERIFY2(it != ref.end(), name.c_str());
        QVERIFY2(t.scalar_type() == torch::kFloat16, name.c_str());
        QVERIFY2(sameBits(t, it->second), name.c_str());
    }
    QCOMPARE(ck.tensors.size() - tracked, st.tensors.size()); // every safetensors tensor is matched
    QCOMPARE(ck.tensors.front().first, std::string("model.0.conv.weight"));

    QCOMPARE(ck.object, std::string("model")); // ema is None in the released files
    QCOMPARE(ck.modelClass, std::string("ultralytics.nn.tasks.DetectionModel"));
    QCOMPARE(ck.scale, scale.toStdString());
    QCOMPARE(ck.nc, int64_t(80));
    QCOMPARE(ck.names, parseNames(st.meta("names"), "names"));
    QCOMPARE(ck.stride, (std::vector<double>{8, 16, 32}));
    QCOMPARE(ck.imgsz, 640);
    QVERIFY(!ck.fused);
    QCOMPARE(ck.metadata.at("date"), info["contents"]["date"]["value"].as<std::string>());
    QCOMPARE(ck.metadata.at("version"), std::string("8.0.0.dev0"));
    QCOMPARE(ck.metadata.at("epoch"), std::string("-1"));
    QCOMPARE(ck.metadata.at("dtype"), std::string("F16"));
    const YAML::Node args = parseJson(ck.metadata.at("train_args"), "train_args");
    QCOMPARE(args.size(), info["contents"]["train_args"]["len"].as<size_t>());
    QCOMPARE(args["task"].as<std::string>(), std::string("detect"));
    // The stored yaml dict is the one the safetensors conversion recorded as arch_ckpt.
    const YAML::Node mine = parseJson(ck.metadata.at("arch_ckpt"), "arch_ckpt");
    const YAML::Node theirs = parseJson(st.meta("arch_ckpt"), "arch_ckpt");
    QCOMPARE(YAML::Dump(mine), YAML::Dump(theirs));
}

void TestPtCheckpoint::officialModelPredictsLikeSafetensors_data()
{
    officialMatchesSafetensors_data();
}

void TestPtCheckpoint::officialModelPredictsLikeSafetensors()
{
    RETORT_REQUIRE_SHARED_DATA();
    QFETCH(QString, model);
    const std::string m = model.toStdString();
    LoadedModel pt = loadModel(test::sharedPath("weights/" + m + ".pt"));
    LoadedModel st = loadModel(test::sharedPath("weights/" + m + ".safetensors"));
    QCOMPARE(pt.format, std::string("pt"));
    QCOMPARE(pt.names, st.names);
    QCOMPARE(pt.imgsz, st.imgsz);
    QCOMPARE(pt.model->spec().layers.size(), st.model->spec().layers.size());
    QCOMPARE(pt.model->spec().scale, st.model->spec().scale);
    for (size_t i = 0; i < pt.model->spec().layers.size(); ++i)
        QCOMPARE(pt.model->spec().layers[i].outChannels, st.model->spec().layers[i].outChannels);
    const auto a = byName(stateDict(*pt.model));
    const auto b = stateDict(*st.model);
    QCOMPARE(a.size(), b.size());
    for (const auto& [name, t] : b)
        if (name.find("num_batches_tracked") == std::string::npos)
            QVERIFY2(sameBits(a.at(name), t), name.c_str());

    for (const char* image : {"images/bus.jpg", "images/zidane.jpg"}) {
        const cv::Mat img = cv::imread(test::sharedPath(image));
        QVERIFY(!img.empty());
        pt.model->eval();
        st.model->eval();
        Predictor pp(pt.model, pt.names, {});
        Predictor ps(st.model, st.names, {});
        const ImageDetections dp = pp.predict(img, image);
        const ImageDetections ds = ps.predict(img, image);
        QVERIFY(!ds.detections.empty());
        QCOMPARE(dp.detections.size(), ds.detections.size());
        for (size_t i = 0; i < ds.detections.size(); ++i) {
            QCOMPARE(dp.detections[i].classId, ds.detections[i].classId);
            QCOMPARE(dp.detections[i].score, ds.detections[i].score);
            QCOMPARE(dp.detections[i].x1, ds.detections[i].x1);
            QCOMPARE(dp.detections[i].y2, ds.detections[i].y2);
        }
    }
}

void TestPtCheckpoint::officialModelValidatesLikeSafetensors()
{
    // `val` from the .pt reports what it reports from the .safetensors (COCO128, 16 images).
    RETORT_REQUIRE_SHARED_DATA();
    const std::string dir = test::tempDir("ptval");
    std::string json[2];
    int i = 0;
    for (const char* ext : {".pt", ".safetensors"}) {
        std::string out;
        const std::string file = dir + "/val" + std::to_string(i) + ".json";
        QCOMPARE(test::runCommand(test::cliPath() + " val --model " + test::sharedPath(std::string("weights/yolov8n") + ext) +
                                      " --data " + test::sharedPath("coco128/coco128.yaml") +
                                      " --split train --subset 0:16 --imgsz 320 --quiet --json " + file, &out),
                 0);
        json[i++] = readFile(file);
    }
    const YAML::Node a = parseJson(json[0], "pt"), b = parseJson(json[1], "safetensors");
    QVERIFY(b["mAP50-95"].as<double>() > 0.1);
    QCOMPARE(a["num_predictions"].as<int64_t>(), b["num_predictions"].as<int64_t>());
    for (const char* k : {"mAP50-95", "mAP50", "precision", "recall"})
        QVERIFY2(a[k].as<double>() == b[k].as<double>(), k);
}

void TestPtCheckpoint::yolo11ReaderMatchesSafetensors()
{
    RETORT_REQUIRE_SHARED_DATA();
    const PtCheckpoint ck = readPtCheckpoint(test::sharedPath("weights/yolo11n_rand.pt"));
    const SafeTensors st = readSafetensors(test::sharedPath("weights/yolo11n_rand.safetensors"));
    const auto ref = byName(st.tensors);
    QCOMPARE(ck.tensors.size(), size_t(499));
    size_t matched = 0;
    for (const auto& [name, t] : ck.tensors) {
        if (name.find("num_batches_tracked") != std::string::npos)
            continue;
        const auto it = ref.find(name);
        QVERIFY2(it != ref.end(), name.c_str());
        QVERIFY2(sameBits(t, it->second), name.c_str());
        ++matched;
    }
    QCOMPARE(matched, st.tensors.size());
    QCOMPARE(ck.metadata.at("version"), std::string("8.3.229"));
    QCOMPARE(ck.scale, std::string("n"));
    QCOMPARE(ck.names.size(), size_t(80));
    QVERIFY(ck.arch.find("C3k2") != std::string::npos && ck.arch.find("C2PSA") != std::string::npos);
    // The architecture text is a YAML document with the checkpoint's rows.
    const YAML::Node arch = YAML::Load(ck.arch);
    QCOMPARE(arch["backbone"].size() + arch["head"].size(), size_t(24));
    QCOMPARE(arch["scales"]["n"][1].as<double>(), 0.25);
}

void TestPtCheckpoint::cliInfoAndConvert()
{
    RETORT_REQUIRE_SHARED_DATA();
    const std::string dir = test::tempDir("ptcli");
    const std::string pt = test::sharedPath("weights/yolov8n.pt");
    std::string out;
    QCOMPARE(test::runCommand(test::cliPath() + " info --model " + pt + " --json " + dir + "/info.json", &out), 0);
    QVERIFY2(QString::fromStdString(out).contains("Ultralytics 8.0.0.dev0"), out.c_str());
    QVERIFY2(QString::fromStdString(out).contains("saved 2022-12-30T00:12:08"), out.c_str());
    QVERIFY2(QString::fromStdString(out).contains("train args (88)"), out.c_str());
    const YAML::Node j = parseJson(readFile(dir + "/info.json"), "info.json");
    QCOMPARE(j["format"].as<std::string>(), std::string("pt"));
    QCOMPARE(j["checkpoint"]["epoch"].as<int>(), -1);
    QCOMPARE(j["checkpoint"]["train_args"]["imgsz"].as<int>(), 640);
    QCOMPARE(j["names"][0].as<std::string>(), std::string("person"));

    const std::string st = dir + "/yolov8n.safetensors";
    QCOMPARE(test::runCommand(test::cliPath() + " convert --model " + pt + " --out " + st, &out), 0);
    const SafeTensors conv = readSafetensors(st);
    const SafeTensors ref = readSafetensors(test::sharedPath("weights/yolov8n.safetensors"));
    QCOMPARE(conv.tensors.size(), ref.tensors.size());
    const auto c = byName(conv.tensors);
    for (const auto& [name, t] : ref.tensors)
        QVERIFY2(c.count(name) && sameBits(c.at(name), t), name.c_str()); // F16 kept, bit for bit
    QCOMPARE(conv.meta("epoch"), std::string("-1"));
    QCOMPARE(conv.meta("version"), std::string("8.0.0.dev0"));
    QCOMPARE(parseNames(conv.meta("names"), "names"), parseNames(ref.meta("names"), "names"));
    QVERIFY(!conv.meta("train_args").empty());
    QCOMPARE(loadModel(st).model->spec().scale, std::string("n"));

    // Bad input: one line, exit status 2.
    const std::string junk = writeTemp("junk.pt", "not a checkpoint");
    QCOMPARE(test::runCommand(test::cliPath() + " convert --model " + junk + " --out " + dir + "/x.safetensors", &out), 2);
    QVERIFY2(QString::fromStdString(out).contains(QString::fromStdString(junk) + ": not a PyTorch checkpoint"), out.c_str());
    QCOMPARE(test::runCommand(test::cliPath() + " info --model " + junk, &out), 2);
}

void TestPtCheckpoint::craftedRoundTrip_data()
{
    QTest::addColumn<int>("dtype");
    QTest::newRow("F32") << static_cast<int>(torch::kFloat32);
    QTest::newRow("F16") << static_cast<int>(torch::kFloat16);
    QTest::newRow("BF16") << static_cast<int>(torch::kBFloat16);
}

void TestPtCheckpoint::craftedRoundTrip()
{
    QFETCH(int, dtype);
    const auto type = static_cast<torch::ScalarType>(dtype);
    DetectionModel original{nullptr};
    std::vector<std::pair<std::string, torch::Tensor>> sd;
    for (auto& [name, t] : nanoStateDict(original))
        sd.emplace_back(name, t.is_floating_point() ? t.to(type) : t);
    const std::string path = writeTemp("nano.pt", test::ptFile(test::ultralyticsCheckpoint(kNanoArch, sd, 2)));
    LoadedModel m = loadModel(path);
    QCOMPARE(m.names, (std::vector<std::string>{"c0", "c1"}));
    QCOMPARE(m.imgsz, 320);
    QCOMPARE(m.metadata.at("epoch"), std::string("7"));
    QCOMPARE(m.metadata.at("best_fitness"), std::string("0.25"));
    const auto loaded = byName(stateDict(*m.model));
    for (const auto& [name, t] : sd) {
        const torch::Tensor want = t.is_floating_point() ? t.to(torch::kFloat32) : t;
        QVERIFY2(sameBits(loaded.at(name), want), name.c_str());
    }
}

void TestPtCheckpoint::emaPreferredOverModel()
{
    DetectionModel original{nullptr};
    const auto sd = nanoStateDict(original);
    std::vector<std::pair<std::string, torch::Tensor>> zeros;
    for (const auto& [name, t] : sd)
        zeros.emplace_back(name, torch::zeros_like(t));
    auto ck = test::ultralyticsCheckpoint(kNanoArch, zeros, 2);
    (*ck)["ema"] = (*test::ultralyticsCheckpoint(kNanoArch, sd, 2))["model"];
    (*ck)["optimizer"] = Py::dict(); // an unstripped training checkpoint carries more
    (*ck)["best_fitness"] = Py::raw(numpyFloat64(0.6180339887));
    const std::string path = writeTemp("last.pt", test::ptFile(ck));
    const PtCheckpoint pc = readPtCheckpoint(path);
    QCOMPARE(pc.object, std::string("ema"));
    QCOMPARE(std::stod(pc.metadata.at("best_fitness")), 0.6180339887);
    const auto loaded = byName(pc.tensors);
    for (const auto& [name, t] : sd)
        QVERIFY2(sameBits(loaded.at(name), t), name.c_str());
}

void TestPtCheckpoint::bareStateDictNeedsArch()
{
    DetectionModel original{nullptr};
    const auto sd = nanoStateDict(original);
    auto dict = Py::dict(Py::K::OrderedDict);
    dict->stateDictMetadata = true; // torch.save(model.state_dict()) BUILDs `_metadata` onto the OrderedDict
    for (const auto& [name, t] : sd)
        (*dict)[name] = Py::tensor(t);
    const std::string path = writeTemp("state_dict.pt", test::ptFile(dict));
    const std::string err = loadError(path);
    QVERIFY2(err.rfind(path + ": a bare state_dict", 0) == 0 && err.find("--arch") != std::string::npos, err.c_str());

    const std::string arch = writeTemp("nano.yaml", kNanoArch);
    LoadOptions lo;
    lo.arch = arch;
    LoadedModel m = loadModel(path, lo);
    QCOMPARE(m.names, (std::vector<std::string>{"class0", "class1"}));
    const auto loaded = byName(stateDict(*m.model));
    for (const auto& [name, t] : sd)
        QVERIFY2(sameBits(loaded.at(name), t), name.c_str());
    // {'model': state_dict} is a bare state dict too.
    auto wrapped = Py::dict();
    (*wrapped)["model"] = dict;
    const std::string path2 = writeTemp("wrapped.pt", test::ptFile(wrapped));
    QCOMPARE(readPtCheckpoint(path2).object, std::string("state_dict"));
    QVERIFY(loadError(path2).find("bare state_dict") != std::string::npos);

    // Every command that takes --model takes --arch for such a file.
    const std::string image = writeTemp("blank.png", std::string());
    cv::imwrite(image, cv::Mat(64, 64, CV_8UC3, cv::Scalar(90, 90, 90)));
    std::string out;
    QCOMPARE(test::runCommand(test::cliPath() + " predict --model " + path + " --source " + image + " --imgsz 64 --quiet", &out), 2);
    QVERIFY2(out.find("--arch") != std::string::npos, out.c_str());
    QCOMPARE(test::runCommand(test::cliPath() + " predict --model " + path + " --arch " + arch + " --source " + image +
                                  " --imgsz 64 --quiet", &out), 0);
    QCOMPARE(test::runCommand(test::cliPath() + " export --model " + path + " --arch " + arch + " --imgsz 64 --out " +
                                  writeTemp("sd.onnx", std::string()), &out), 0);
}

void TestPtCheckpoint::fusedCheckpointLoadsFused()
{
    DetectionModel original{nullptr};
    nanoStateDict(original);
    original->eval();
    const torch::Tensor x = torch::rand({1, 3, 64, 96});
    torch::NoGradGuard g;
    original->fuse();
    const torch::Tensor expected = original->forward(x);
    const std::string path = writeTemp("fused.pt", test::ptFile(test::ultralyticsCheckpoint(kNanoArch, stateDict(*original), 2)));
    LoadedModel m = loadModel(path);
    QVERIFY(m.model->fused());
    m.model->eval();
    QVERIFY(torch::equal(m.model->forward(x), expected));
    const std::string err = [&] {
        try {
            loadForTraining(path, {"c0", "c1"}, torch::kCPU);
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string();
    }();
    QVERIFY2(err.find("fused") != std::string::npos, err.c_str());
}

void TestPtCheckpoint::trainingStartsFromPt()
{
    RETORT_REQUIRE_SHARED_DATA();
    // What an experiment's student.weights: yolov8n.pt does: re-headed for the data's classes.
    const std::string pt = test::sharedPath("weights/yolov8n.pt");
    const TrainingStart s = loadForTraining(pt, {"RBC", "WBC", "Platelets"}, torch::kCPU);
    QVERIFY(s.reheaded);
    QCOMPARE(s.loaded.model->nc(), int64_t(3));
    QVERIFY2(s.transferred > 300 && s.transferred < s.total, s.message.c_str());
    const TrainingStart same = loadForTraining(pt, loadModel(pt).names, torch::kCPU);
    QVERIFY(!same.reheaded);
    QCOMPARE(same.transferred, same.total);
}

void TestPtCheckpoint::torchScriptNamedPt()
{
    RETORT_REQUIRE_SHARED_DATA();
    // torch.jit.save archives are .pt files too: they go to the TorchScript import.
    const std::string path = writeTemp("exported.pt", readFile(test::sharedPath("weights/yolov8n.torchscript")));
    const LoadedModel m = loadModel(path);
    QCOMPARE(m.format, std::string("torchscript"));
    QVERIFY(m.model->fused());
}

void TestPtCheckpoint::badInput_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("expected");
    DetectionModel original{nullptr};
    const auto sd = nanoStateDict(original);
    const std::string good = test::ptFile(test::ultralyticsCheckpoint(kNanoArch, sd, 2));
    auto row = [](const char* name, const std::string& bytes, const char* expected) {
        QTest::newRow(name) << QString::fromStdString(writeTemp(std::string(name) + ".pt", bytes)) << QString(expected);
    };
    row("truncated", good.substr(0, good.size() / 2), "truncated");
    row("truncated-directory", good.substr(0, good.size() - 30), "truncated");
    row("not-a-zip", "hello, I am text", "not a PyTorch checkpoint");
    row("legacy", std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15), "legacy");
    row("empty", "", "not a PyTorch checkpoint");

    // A callable outside the allow-list where a tensor belongs: kept inert, reported.
    {
        auto ck = test::ultralyticsCheckpoint(kNanoArch, sd, 2);
        test::PickleWriter evil;
        evil.global("os", "system").mark().str("echo owned").op('t').op('R');
        test::parameterSlot(ck, "model.0.conv.weight") = Py::raw(evil.out);
        row("os-system", test::ptFile(ck), "'model.0.conv.weight' is an object of os.system where a tensor is expected");
        test::PickleWriter ref;
        ref.global("builtins", "eval");
        test::parameterSlot(ck, "model.0.conv.weight") = Py::raw(ref.out);
        row("eval-reference", test::ptFile(ck), "is a reference to builtins.eval where a tensor is expected");
    }
    // Unsupported storage dtype.
    {
        test::TorchPickler p;
        p.storageTypeOverride["0"] = "torch.ComplexFloatStorage";
        row("complex-storage", test::ptFile(test::ultralyticsCheckpoint(kNanoArch, sd, 2), &p),
            "storage type torch.ComplexFloatStorage");
    }
    // Other tasks and other frameworks.
    row("segment", test::ptFile(test::ultralyticsCheckpoint(kNanoArch, sd, 2, "ultralytics.nn.tasks.SegmentationModel")),
        "is an Ultralytics SegmentationModel");
    row("classify", test::ptFile(test::ultralyticsCheckpoint(kNanoArch, sd, 2, "ultralytics.nn.tasks.ClassificationModel")),
        "is an Ultralytics ClassificationModel");
    row("yolov5", test::ptFile(test::ultralyticsCheckpoint(kNanoArch, sd, 2, "models.yolo.DetectionModel")), "YOLOv5");
    // Records that do not hold what the pickle declares.
    {
        test::TorchPickler p;
        const std::string pk = p.pickle(test::ultralyticsCheckpoint(kNanoArch, sd, 2));
        auto records = test::ptRecords(pk, p.storages);
        auto shortRecords = records;
        shortRecords[2].second.resize(shortRecords[2].second.size() / 2);
        row("short-storage", test::zipArchive(shortRecords), "elements but its record holds");
        auto missing = records;
        missing.erase(missing.begin() + 2);
        row("missing-storage", test::zipArchive(missing), "is not in the archive");
        std::string corrupt = test::zipArchive(records);
        const size_t at = corrupt.find(records[3].second.substr(0, 16));
        corrupt[at + 3] ^= 0x10;
        row("crc", corrupt, "CRC mismatch");
        std::string compressed = test::zipArchive(records);
        compressed[8] = 8; // first local header: deflate
        const size_t dir = compressed.rfind(std::string("PK\x01\x02", 4), compressed.size() - 22);
        const size_t firstDir = compressed.find(std::string("PK\x01\x02", 4));
        QVERIFY(dir != std::string::npos);
        compressed[firstDir + 10] = 8;
        row("compressed", compressed, "is compressed");
    }
    // A tensor that reaches past its storage.
    {
        auto ck = test::ultralyticsCheckpoint(kNanoArch, sd, 2);
        test::PickleWriter t;
        t.global("torch._utils", "_rebuild_tensor_v2").mark();
        t.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(4).op('t').op('Q');
        t.integer(2).mark().integer(3).op('t').mark().integer(1).op('t').boolean(false);
        t.global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
        test::parameterSlot(ck, "model.0.conv.weight") = Py::raw(t.out);
        row("out-of-range-view", test::ptFile(ck), "out of range");
    }
}

void TestPtCheckpoint::badInput()
{
    QFETCH(QString, file);
    QFETCH(QString, expected);
    const std::string path = file.toStdString();
    const std::string err = loadError(path);
    QVERIFY2(!err.empty(), "no InputError");
    QVERIFY2(err.rfind(path + ":", 0) == 0, err.c_str());     // names the file
    QVERIFY2(err.find(expected.toStdString()) != std::string::npos, err.c_str());
    QVERIFY2(err.find('\n') == std::string::npos, err.c_str()); // one line
}

QTEST_APPLESS_MAIN(TestPtCheckpoint)
#include "tst_ptcheckpoint.moc"
