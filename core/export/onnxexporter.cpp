#include "export/onnxexporter.h"

#include "export/onnxgraph.h"
#include "model/layers.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/sha256.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>
#include <opencv2/dnn.hpp>

#include <cctype>
#include <ctime>
#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace retort {
namespace {

using Strings = std::vector<std::string>;

std::string layerName(int index)
{
    return "model." + std::to_string(index);
}

/// Walks the architecture spec and the modules built from it and emits ONNX nodes.
class OnnxModelWriter
{
public:
    OnnxModelWriter(DetectionModelImpl& model, const ExportOptions& options, OnnxGraph& graph)
        : m_model(model), m_options(options), m_g(graph)
    {
    }

    /// Emits the whole network; returns the name of the (B, 4+nc, N) output.
    std::string write(const std::string& images);

private:
    template <typename T>
    T& module(int index, const std::string& expected)
    {
        auto* m = m_model.model->ptr(static_cast<size_t>(index))->as<T>();
        if (!m)
            throw InputError(m_model.spec().origin + ": layer " + std::to_string(index) + " is not the " + expected +
                             " module its architecture row describes");
        return *m;
    }

    std::string act(const std::string& x, const std::string& name)
    {
        // SiLU as x * sigmoid(x): opset 12 has no SiLU, and every runtime fuses this pair.
        return m_g.node("Mul", {x, m_g.node("Sigmoid", {x}, name)}, name);
    }
    std::string conv(const std::string& x, ConvImpl& c, const std::string& name);
    std::string conv2d(const std::string& x, torch::nn::Conv2dImpl& c, const std::string& name);
    std::string c2f(const std::string& x, C2fImpl& m, const LayerSpec& l, const std::string& name);
    std::string sppf(const std::string& x, SPPFImpl& m, const LayerSpec& l, const std::string& name);
    std::string upsample(const std::string& x, int64_t scale, const std::string& name);
    std::string detect(const Strings& inputs, DetectImpl& d, const std::string& name);
    std::string anchorsConst(int64_t h, int64_t w, double stride, const std::string& name);
    std::string anchorsDynamic(const std::string& shape, double stride, const std::string& name);
    std::string reshape(const std::string& x, const std::vector<int64_t>& fixed, const std::vector<int64_t>& dynamic,
                        const std::string& name)
    {
        return m_g.node("Reshape", {x, m_g.int64(name + ".shape", m_options.dynamic ? dynamic : fixed)}, name);
    }

    DetectionModelImpl& m_model;
    const ExportOptions& m_options;
    OnnxGraph& m_g;
};

std::string OnnxModelWriter::conv(const std::string& x, ConvImpl& c, const std::string& name)
{
    // Fold BN in double so that the folded weights are as close to conv∘BN as FP32 allows.
    torch::NoGradGuard noGrad;
    auto w = c.conv->weight.detach().to(torch::kCPU, torch::kDouble);
    torch::Tensor b;
    if (c.fused()) {
        b = c.conv->bias.detach().to(torch::kCPU, torch::kDouble);
    } else {
        const auto& bn = c.bn;
        const auto scale = bn->weight.detach().to(torch::kCPU, torch::kDouble) /
                           torch::sqrt(bn->running_var.detach().to(torch::kCPU, torch::kDouble) + bn->options.eps());
        w = w * scale.view({-1, 1, 1, 1});
        b = bn->bias.detach().to(torch::kCPU, torch::kDouble) -
            bn->running_mean.detach().to(torch::kCPU, torch::kDouble) * scale;
    }
    const int64_t k = c.options.kernel();
    const int64_t p = k / 2;
    const auto y = m_g.node("Conv", {x, m_g.weight(name + ".weight", w), m_g.weight(name + ".bias", b)}, name,
                            {OnnxGraph::attr("kernel_shape", std::vector<int64_t>{k, k}),
                             OnnxGraph::attr("strides", std::vector<int64_t>{c.options.stride(), c.options.stride()}),
                             OnnxGraph::attr("pads", std::vector<int64_t>{p, p, p, p}),
                             OnnxGraph::attr("dilations", std::vector<int64_t>{1, 1}),
                             OnnxGraph::attr("group", c.options.groups())});
    return c.options.act() ? act(y, name) : y;
}

std::string OnnxModelWriter::conv2d(const std::string& x, torch::nn::Conv2dImpl& c, const std::string& name)
{
    const int64_t k = c.weight.size(2);
    Strings inputs{x, m_g.weight(name + ".weight", c.weight)};
    if (c.bias.defined())
        inputs.push_back(m_g.weight(name + ".bias", c.bias));
    return m_g.node("Conv", inputs, name,
                    {OnnxGraph::attr("kernel_shape", std::vector<int64_t>{k, k}),
                     OnnxGraph::attr("strides", std::vector<int64_t>{1, 1}),
                     OnnxGraph::attr("pads", std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2}),
                     OnnxGraph::attr("dilations", std::vector<int64_t>{1, 1}), OnnxGraph::attr("group", int64_t(1))});
}

std::string OnnxModelWriter::c2f(const std::string& x, C2fImpl& m, const LayerSpec& l, const std::string& name)
{
    // Equal halves: no `split` sizes, so the node reads the same in opset 12 (attribute) and 13+ (input).
    auto ys = m_g.nodeN("Split", {conv(x, *m.cv1, name + ".cv1")}, name, 2, {OnnxGraph::attr("axis", int64_t(1))});
    for (size_t i = 0; i < m.m->size(); ++i) {
        auto* block = m.m[i]->as<BottleneckImpl>();
        const std::string bn = name + ".m." + std::to_string(i);
        auto y = conv(conv(ys.back(), *block->cv1, bn + ".cv1"), *block->cv2, bn + ".cv2");
        // Bottleneck adds its input when shortcut is on and the widths match (always so in C2f).
        if (l.shortcut)
            y = m_g.node("Add", {ys.back(), y}, bn);
        ys.push_back(y);
    }
    return conv(m_g.node("Concat", ys, name, {OnnxGraph::attr("axis", int64_t(1))}), *m.cv2, name + ".cv2");
}

std::string OnnxModelWriter::sppf(const std::string& x, SPPFImpl& m, const LayerSpec& l, const std::string& name)
{
    Strings ys{conv(x, *m.cv1, name + ".cv1")};
    const int64_t k = l.kernel;
    for (int i = 0; i < 3; ++i)
        ys.push_back(m_g.node("MaxPool", {ys.back()}, name + ".m",
                              {OnnxGraph::attr("kernel_shape", std::vector<int64_t>{k, k}),
                               OnnxGraph::attr("strides", std::vector<int64_t>{1, 1}),
                               OnnxGraph::attr("pads", std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2})}));
    return conv(m_g.node("Concat", ys, name, {OnnxGraph::attr("axis", int64_t(1))}), *m.cv2, name + ".cv2");
}

std::string OnnxModelWriter::upsample(const std::string& x, int64_t scale, const std::string& name)
{
    // nn.Upsample(mode="nearest") picks floor(dst / scale): asymmetric coordinates, floor rounding.
    const auto s = static_cast<float>(scale);
    return m_g.node("Resize",
                    {x, m_g.float32(name + ".roi", {}, {0}), m_g.float32(name + ".scales", {1.f, 1.f, s, s}, {4})},
                    name,
                    {OnnxGraph::attr("mode", std::string("nearest")),
                     OnnxGraph::attr("coordinate_transformation_mode", std::string("asymmetric")),
                     OnnxGraph::attr("nearest_mode", std::string("floor"))});
}

std::string OnnxModelWriter::anchorsConst(int64_t h, int64_t w, double stride, const std::string& name)
{
    // (B, 4, H, W): anchor centres in input pixels on channels 0-1, zero on w/h. The full shape
    // on purpose: OpenCV imports Add(x, const) of equal shapes as an element-wise sum, while a
    // broadcast constant becomes a bias that it then tries to fold into the preceding conv.
    auto a = torch::zeros({4, h, w}, torch::kDouble);
    a[0] = (torch::arange(w, torch::kDouble) + 0.5).mul(stride).view({1, w}).expand({h, w});
    a[1] = (torch::arange(h, torch::kDouble) + 0.5).mul(stride).view({h, 1}).expand({h, w});
    a = a.unsqueeze(0).expand({m_options.batch, 4, h, w}).contiguous();
    return m_g.weight(name + ".anchors", a);
}

std::string OnnxModelWriter::anchorsDynamic(const std::string& shape, double stride, const std::string& name)
{
    // The same (4, H, W) tensor from the map's runtime shape; computed in FP32 (Range has no FP16).
    const auto dim = [&](int64_t i) {
        auto v = m_g.node("Gather", {shape, m_g.int64(name + ".dim", {i}, true)}, name, {OnnxGraph::attr("axis", int64_t(0))});
        return m_g.node("Cast", {v}, name, {OnnxGraph::attr("to", int64_t(onnx::TensorProto::FLOAT))});
    };
    const auto zero = m_g.float32(name + ".zero", {0.f}, {});
    const auto one = m_g.float32(name + ".one", {1.f}, {});
    const auto half = m_g.float32(name + ".half", {0.5f}, {});
    const auto s = m_g.float32(name + ".stride", {static_cast<float>(stride)}, {});
    const auto centres = [&](const std::string& n, const std::vector<int64_t>& viewShape) {
        auto r = m_g.node("Range", {zero, n, one}, name);
        r = m_g.node("Mul", {m_g.node("Add", {r, half}, name), s}, name);
        return m_g.node("Reshape", {r, m_g.int64(name + ".view", viewShape)}, name);
    };
    const auto gy = centres(dim(2), {1, -1, 1});
    const auto gx = centres(dim(3), {1, 1, -1});
    const auto gxFull = m_g.node("Add", {gx, m_g.node("Mul", {gy, zero}, name)}, name);
    const auto gyFull = m_g.node("Add", {gy, m_g.node("Mul", {gx, zero}, name)}, name);
    const auto zeros = m_g.node("Mul", {gxFull, zero}, name);
    auto a = m_g.node("Concat", {gxFull, gyFull, zeros, zeros}, name, {OnnxGraph::attr("axis", int64_t(0))});
    if (m_g.floatType() != onnx::TensorProto::FLOAT)
        a = m_g.node("Cast", {a}, name, {OnnxGraph::attr("to", int64_t(m_g.floatType()))});
    return a;
}

std::string OnnxModelWriter::detect(const Strings& inputs, DetectImpl& d, const std::string& name)
{
    const int64_t b = m_options.batch;
    const int64_t bins = d.regMax();
    const int64_t no = 4 + d.nc();
    const auto seq = [&](const std::string& x, torch::nn::ModuleListImpl& list, size_t i, const std::string& n) {
        auto* s = list[i]->as<torch::nn::SequentialImpl>();
        auto y = conv(x, *s->ptr(0)->as<ConvImpl>(), n + ".0");
        y = conv(y, *s->ptr(1)->as<ConvImpl>(), n + ".1");
        return conv2d(y, *s->ptr(2)->as<torch::nn::Conv2dImpl>(), n + ".2");
    };
    torch::NoGradGuard noGrad;
    const auto dflWeight = d.dfl->conv->weight.detach().to(torch::kCPU, torch::kDouble); // (1, bins, 1, 1): 0..bins-1
    Strings levels;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const std::string n = name + ".level" + std::to_string(i);
        const double stride = d.strides()[i];
        const int64_t h = static_cast<int64_t>(m_options.imgszH / stride);
        const int64_t w = static_cast<int64_t>(m_options.imgszW / stride);
        const auto box = seq(inputs[i], *d.cv2, i, name + ".cv2." + std::to_string(i));
        const auto cls = seq(inputs[i], *d.cv3, i, name + ".cv3." + std::to_string(i));
        const auto shape = m_options.dynamic ? m_g.node("Shape", {cls}, n) : std::string();

        // DFL: softmax over the bins as the last axis (opset < 13 Softmax flattens from `axis`
        // on), then Ultralytics' fixed 1x1 conv with weights 0..bins-1 as the expectation.
        auto x = reshape(box, {b, 4, bins, h * w}, {0, 4, bins, -1}, n + ".dfl");
        x = m_g.node("Transpose", {x}, n + ".dfl", {OnnxGraph::attr("perm", std::vector<int64_t>{0, 1, 3, 2})});
        x = m_g.node("Softmax", {x}, n + ".dfl", {OnnxGraph::attr("axis", int64_t(3))});
        x = m_g.node("Transpose", {x}, n + ".dfl", {OnnxGraph::attr("perm", std::vector<int64_t>{0, 3, 1, 2})});
        x = m_g.node("Conv", {x, m_g.weight(name + ".dfl.conv.weight", dflWeight)}, n + ".dfl",
                     {OnnxGraph::attr("kernel_shape", std::vector<int64_t>{1, 1})}); // (B, 1, 4, HW): l, t, r, b
        if (m_options.dynamic) {
            // (B, nc, H, W) -> (B, 4, H, W) as a shape tensor: shape * [1,0,1,1] + [0,4,0,0].
            const auto target = m_g.node("Add", {m_g.node("Mul", {shape, m_g.int64(n + ".keep", {1, 0, 1, 1})}, n),
                                                 m_g.int64(n + ".four", {0, 4, 0, 0})},
                                         n);
            x = m_g.node("Reshape", {x, target}, n + ".ltrb");
        } else {
            x = reshape(x, {b, 4, h, w}, {}, n + ".ltrb");
        }
        // dist2bbox(xywh) * stride is linear in l,t,r,b plus the anchor centre: a fixed 1x1 conv
        // then the anchors, both initialisers; no broadcasting Sub/Mul that OpenCV rejects.
        auto m = torch::tensor({-0.5, 0.0, 0.5, 0.0, 0.0, -0.5, 0.0, 0.5, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0},
                               torch::kDouble)
                     .view({4, 4, 1, 1}) *
                 stride;
        x = m_g.node("Conv", {x, m_g.weight(n + ".box.weight", m)}, n + ".box",
                     {OnnxGraph::attr("kernel_shape", std::vector<int64_t>{1, 1})});
        const auto anchors = m_options.dynamic ? anchorsDynamic(shape, stride, n) : anchorsConst(h, w, stride, n);
        x = m_g.node("Add", {x, anchors}, n + ".box");
        x = m_g.node("Concat", {x, m_g.node("Sigmoid", {cls}, n + ".cls")}, n, {OnnxGraph::attr("axis", int64_t(1))});
        levels.push_back(reshape(x, {b, no, h * w}, {0, no, -1}, n));
    }
    return m_g.node("Concat", levels, name, {OnnxGraph::attr("axis", int64_t(2))});
}

std::string OnnxModelWriter::write(const std::string& images)
{
    const auto& layers = m_model.spec().layers;
    Strings outputs(layers.size());
    for (const auto& l : layers) {
        Strings in;
        for (const int f : l.from)
            in.push_back(f < 0 ? images : outputs[static_cast<size_t>(f)]);
        const std::string name = layerName(l.index);
        if (l.module == "Conv") {
            if (l.repeats == 1) {
                outputs[l.index] = conv(in[0], module<ConvImpl>(l.index, "Conv"), name);
            } else {
                auto& seq = module<torch::nn::SequentialImpl>(l.index, "Conv");
                std::string x = in[0];
                for (size_t r = 0; r < seq.size(); ++r)
                    x = conv(x, *seq.ptr(r)->as<ConvImpl>(), name + "." + std::to_string(r));
                outputs[l.index] = x;
            }
        } else if (l.module == "C2f") {
            outputs[l.index] = c2f(in[0], module<C2fImpl>(l.index, "C2f"), l, name);
        } else if (l.module == "SPPF") {
            outputs[l.index] = sppf(in[0], module<SPPFImpl>(l.index, "SPPF"), l, name);
        } else if (l.module == "Upsample") {
            outputs[l.index] = upsample(in[0], module<UpsampleImpl>(l.index, "Upsample").scale(), name);
        } else if (l.module == "Concat") {
            outputs[l.index] = m_g.node("Concat", in, name, {OnnxGraph::attr("axis", int64_t(1))});
        } else if (l.module == "Detect") {
            return detect(in, module<DetectImpl>(l.index, "Detect"), name);
        }
    }
    throw InputError(m_model.spec().origin + ": the architecture has no Detect layer to export");
}

std::string pyRepr(const std::string& s)
{
    const bool useDouble = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
    const char q = useDouble ? '"' : '\'';
    std::string out(1, q);
    for (const char c : s) {
        if (c == '\\' || c == q)
            out += '\\';
        out += c;
    }
    return out + q;
}

std::string shapeText(const onnx::TensorShapeProto& shape)
{
    std::string out;
    for (const auto& d : shape.dim())
        out += (out.empty() ? "" : "x") +
               (d.has_dim_value() ? std::to_string(d.dim_value()) : d.has_dim_param() ? d.dim_param() : "?");
    return out;
}

std::string joined(const Strings& parts, const std::string& sep)
{
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : sep) + p;
    return out;
}

std::map<std::string, std::string> exportMetadata(const DetectionModelImpl& model, const Strings& names,
                                                  const ExportOptions& o)
{
    const auto strides = model.strides();
    const std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", std::localtime(&now));
    std::map<std::string, std::string> meta;
    meta["description"] = "Retort YOLOv8 " + (model.spec().scale.empty() ? std::string() : model.spec().scale + " ") +
                          "detector exported from " + (o.sourcePath.empty() ? "memory" : fs::path(o.sourcePath).filename().string());
    meta["author"] = "Retort";
    meta["date"] = date;
    meta["stride"] = std::to_string(static_cast<int>(*std::max_element(strides.begin(), strides.end())));
    meta["task"] = "detect";
    meta["batch"] = std::to_string(o.batch);
    meta["imgsz"] = "[" + std::to_string(o.imgszH) + ", " + std::to_string(o.imgszW) + "]";
    meta["names"] = pythonNamesDict(names);
    meta["retort_version"] = RETORT_VERSION;
    meta["dynamic"] = o.dynamic ? "True" : "False";
    meta["half"] = o.half ? "True" : "False";
    if (!o.sourcePath.empty())
        meta["source"] = fs::path(o.sourcePath).filename().string();
    std::string hash = o.sourceSha256;
    std::error_code ec;
    if (hash.empty() && !o.sourcePath.empty() && fs::is_regular_file(o.sourcePath, ec))
        hash = sha256File(o.sourcePath);
    if (!hash.empty())
        meta["source_sha256"] = hash;
    return meta;
}

torch::Tensor defaultSample(const ExportOptions& o)
{
    auto gen = at::detail::createCPUGenerator(20240928);
    return torch::rand({o.batch, 3, o.imgszH, o.imgszW}, gen, torch::kFloat);
}

/// Strict shape inference on a copy whose output shape is cleared, so that the shape reported is
/// what inference derived, then compared with the declared one.
void inferShapes(const onnx::ModelProto& model, ExportReport& report)
{
    onnx::ModelProto copy = model;
    copy.mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
    onnx::ShapeInferenceOptions opts(/*check_type=*/true, /*strict=*/1, /*data_prop=*/true);
    try {
        onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), opts);
    } catch (const std::exception& e) {
        throw Error("ONNX shape inference failed: " + std::string(e.what()));
    }
    const auto& type = copy.graph().output(0).type().tensor_type();
    report.inferredOutputShape = type.has_shape() ? shapeText(type.shape()) : "unknown";
    const std::string declared = shapeText(model.graph().output(0).type().tensor_type().shape());
    // Dynamic exports: inference names the symbolic batch but not the anchor count.
    const bool ok = report.inferredOutputShape == declared ||
                    (type.has_shape() && type.shape().dim_size() == 3 && type.shape().dim(1).has_dim_value() &&
                     type.shape().dim(1).dim_value() == std::stoll(report.outputShape[1]) && !std::isdigit(declared[0]));
    if (!ok)
        throw Error("ONNX shape inference gives output0 " + report.inferredOutputShape + ", but the graph declares " + declared);
    report.shapeInferencePassed = true;
}

void runOpenCv(const std::string& bytes, ExportReport& report, const ExportOptions& o)
{
    if (o.dynamic) {
        report.opencvSkipReason = "dynamic shapes (OpenCV DNN 4.6 needs fixed shapes; ONNX Runtime checks these)";
        return;
    }
    if (o.half) {
        report.opencvSkipReason = "FP16 I/O (OpenCV DNN takes FP32 input; ONNX Runtime checks these)";
        return;
    }
    cv::dnn::Net net;
    try {
        net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
    } catch (const cv::Exception& e) {
        throw Error("OpenCV DNN cannot load the export: " + std::string(e.what()));
    }
    const auto& x = report.sampleInput;
    std::vector<int> dims(x.sizes().begin(), x.sizes().end());
    cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F, x.data_ptr<float>());
    net.setInput(blob, "images");
    cv::Mat out;
    try {
        out = net.forward();
    } catch (const cv::Exception& e) {
        throw Error("OpenCV DNN cannot run the export: " + std::string(e.what()));
    }
    const auto& expected = report.expectedOutput;
    if (static_cast<int64_t>(out.total()) != expected.numel())
        throw Error("OpenCV DNN output has " + std::to_string(out.total()) + " values, libtorch " +
                    std::to_string(expected.numel()));
    const auto got = torch::from_blob(out.ptr<float>(), expected.sizes(), torch::kFloat).clone();
    const auto diff = (got - expected).abs();
    report.maxBoxDiff = diff.narrow(1, 0, 4).max().item<double>();
    report.maxScoreDiff = diff.size(1) > 4 ? diff.narrow(1, 4, diff.size(1) - 4).max().item<double>() : 0.0;
    report.opencvChecked = true;
    if (report.maxBoxDiff > o.boxTolerance || report.maxScoreDiff > o.scoreTolerance) {
        std::ostringstream s;
        s << "OpenCV DNN output differs from libtorch: boxes by " << report.maxBoxDiff << " px (allowed "
          << o.boxTolerance << "), scores by " << report.maxScoreDiff << " (allowed " << o.scoreTolerance << ")";
        throw Error(s.str());
    }
}

} // namespace

void checkExportable(const ArchSpec& spec)
{
    static const Strings kKnown = {"Conv", "C2f", "SPPF", "Upsample", "Concat", "Detect"};
    for (const auto& l : spec.layers)
        if (std::find(kKnown.begin(), kKnown.end(), l.module) == kKnown.end())
            throw InputError(spec.origin + ":" + std::to_string(l.sourceLine) + ": layer " + std::to_string(l.index) +
                             " is a '" + l.module + "', which the ONNX writer cannot export (it knows " +
                             joined(kKnown, ", ") + ")");
    if (spec.layers.empty() || spec.layers.back().module != "Detect")
        throw InputError(spec.origin + ": the last layer must be Detect to export a detector");
}

void checkExportOptions(const ExportOptions& o, const ArchSpec& spec)
{
    if (o.opset < 12 || o.opset > 17)
        throw InputError("opset " + std::to_string(o.opset) + " is out of range: the ONNX writer supports opsets 12 to 17");
    const auto strides = spec.strides();
    const int maxStride = static_cast<int>(*std::max_element(strides.begin(), strides.end()));
    for (const int s : {o.imgszH, o.imgszW})
        if (s <= 0 || s % maxStride)
            throw InputError("imgsz " + std::to_string(s) + " must be a positive multiple of the largest stride (" +
                             std::to_string(maxStride) + ")");
    if (o.batch < 1)
        throw InputError("batch must be at least 1, got " + std::to_string(o.batch));
}

std::string pythonNamesDict(const std::vector<std::string>& names)
{
    std::string out = "{";
    for (size_t i = 0; i < names.size(); ++i)
        out += (i ? ", " : "") + std::to_string(i) + ": " + pyRepr(names[i]);
    return out + "}";
}

std::string defaultOnnxPath(const std::string& modelPath)
{
    return fs::path(modelPath).replace_extension(".onnx").string();
}

std::vector<std::string> ExportReport::summary() const
{
    std::vector<std::string> lines;
    std::ostringstream s;
    s << "wrote " << path << " (" << bytes / 1e6 << " MB), images " << joined(inputShape, "x") << " -> output0 "
      << joined(outputShape, "x") << ", opset " << metadata.at("opset");
    lines.push_back(s.str());
    lines.push_back(std::string("onnx checker: ") + (checkerPassed ? "passed" : "FAILED"));
    lines.push_back(std::string("shape inference: ") + (shapeInferencePassed ? "passed" : "FAILED") + ", output0 " +
                    inferredOutputShape);
    if (opencvChecked) {
        s.str("");
        s << "OpenCV DNN vs libtorch (sample " << joined({std::to_string(sampleInput.size(0)), "3",
                                                          std::to_string(sampleInput.size(2)),
                                                          std::to_string(sampleInput.size(3))},
                                                         "x")
          << "): passed, max |diff| boxes " << maxBoxDiff << " px, scores " << maxScoreDiff;
        lines.push_back(s.str());
    } else {
        lines.push_back("OpenCV DNN check: skipped, " + opencvSkipReason);
    }
    return lines;
}

ExportReport exportOnnx(DetectionModelImpl& model, const std::vector<std::string>& names, const ExportOptions& options,
                        const std::string& outPath)
{
    checkExportable(model.spec());
    checkExportOptions(options, model.spec());
    if (static_cast<int64_t>(names.size()) != model.nc())
        throw InputError(std::to_string(names.size()) + " class names for a model with nc " + std::to_string(model.nc()));
    if (outPath.empty())
        throw InputError("no output path given for the ONNX export");
    if (options.sampleInput.defined() &&
        (options.sampleInput.dim() != 4 || options.sampleInput.size(1) != 3 ||
         (!options.dynamic && options.sampleInput.sizes() != torch::IntArrayRef({options.batch, 3, options.imgszH,
                                                                                   options.imgszW}))))
        throw InputError("the check input must be (batch, 3, height, width) matching the export's fixed shape");

    ExportReport report;
    report.path = outPath;
    const int32_t floatType = options.half ? onnx::TensorProto::FLOAT16 : onnx::TensorProto::FLOAT;
    const int64_t anchors = [&] {
        int64_t n = 0;
        for (const double s : model.strides())
            n += static_cast<int64_t>(options.imgszH / s) * static_cast<int64_t>(options.imgszW / s);
        return n;
    }();
    const std::string no = std::to_string(4 + model.nc());
    if (options.dynamic) {
        report.inputShape = {"batch", "3", "height", "width"};
        report.outputShape = {"batch", no, "anchors"};
    } else {
        report.inputShape = {std::to_string(options.batch), "3", std::to_string(options.imgszH),
                             std::to_string(options.imgszW)};
        report.outputShape = {std::to_string(options.batch), no, std::to_string(anchors)};
    }

    onnx::ModelProto proto;
    proto.set_ir_version(options.opset >= 15 ? 8 : 7);
    proto.set_producer_name("retort");
    proto.set_producer_version(RETORT_VERSION);
    auto* opset = proto.add_opset_import();
    opset->set_domain("");
    opset->set_version(options.opset);
    auto* graph = proto.mutable_graph();
    graph->set_name("retort-" + (model.spec().scale.empty() ? std::string("yolov8") : "yolov8" + model.spec().scale));
    OnnxGraph g(graph, floatType);
    g.input("images", floatType, report.inputShape);
    const std::string out = OnnxModelWriter(model, options, g).write("images");
    // The last node's output becomes the graph output under Ultralytics' name.
    for (auto& node : *graph->mutable_node())
        for (auto& o : *node.mutable_output())
            if (o == out)
                o = "output0";
    g.output("output0", floatType, report.outputShape);

    report.metadata = exportMetadata(model, names, options);
    for (const auto& [k, v] : report.metadata) {
        auto* prop = proto.add_metadata_props();
        prop->set_key(k);
        prop->set_value(v);
    }
    report.metadata["opset"] = std::to_string(options.opset);

    try {
        onnx::checker::check_model(proto);
    } catch (const std::exception& e) {
        throw Error("onnx checker rejects the export: " + std::string(e.what()));
    }
    report.checkerPassed = true;
    inferShapes(proto, report);

    {
        torch::NoGradGuard noGrad;
        const bool training = model.is_training();
        model.eval();
        report.sampleInput = (options.sampleInput.defined() ? options.sampleInput : defaultSample(options))
                                 .to(torch::kCPU, torch::kFloat)
                                 .contiguous();
        const auto device = model.parameters().front().device();
        report.expectedOutput = model.forward(report.sampleInput.to(device)).to(torch::kCPU, torch::kFloat).contiguous();
        model.train(training);
    }
    std::string bytes;
    if (!proto.SerializeToString(&bytes))
        throw Error("could not serialise the ONNX model (over 2 GB?)");
    runOpenCv(bytes, report, options);

    try {
        writeFileAtomic(outPath, bytes);
    } catch (const Error& e) {
        throw InputError(outPath + ": cannot write the export (" + e.what() + ")");
    }
    report.bytes = static_cast<int64_t>(bytes.size());
    return report;
}

} // namespace retort
