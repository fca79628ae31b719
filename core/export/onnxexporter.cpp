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
#include <cmath>
#include <functional>
#include <ctime>
#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace retort {
namespace {

using Strings = std::vector<std::string>;
using Ints = std::vector<int64_t>;

std::string layerName(int index)
{
    return "model." + std::to_string(index);
}

/// Spatial size of a feature map in a fixed-shape export (unused by dynamic ones).
struct MapSize
{
    int64_t h = 0;
    int64_t w = 0;
};

/// Whether the export ends in Ultralytics' end-to-end (B, k, 6) postprocess.
bool endToEndOutput(const DetectionModelImpl& model, const ExportOptions& o)
{
    return model.endToEnd() && !o.rawOutput;
}

/// Walks the architecture spec and the modules built from it and emits ONNX nodes.
class OnnxModelWriter
{
public:
    OnnxModelWriter(DetectionModelImpl& model, const ExportOptions& options, OnnxGraph& graph)
        : m_model(model), m_options(options), m_g(graph)
    {
    }

    /// Emits the whole network; returns the name of the output: (B, 4+nc, N) xywh + scores, or
    /// for an end-to-end export (B, k, 6) rows [x1, y1, x2, y2, score, class].
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
    std::string attr1(const std::string& op, const std::vector<std::string>& in, const std::string& name,
                      const char* key, const Ints& values)
    {
        return m_g.node(op, in, name, {OnnxGraph::attr(key, values)});
    }
    std::string transpose(const std::string& x, const Ints& perm, const std::string& name)
    {
        return attr1("Transpose", {x}, name, "perm", perm);
    }
    std::string concat(const Strings& xs, int64_t axis, const std::string& name)
    {
        return m_g.node("Concat", xs, name, {OnnxGraph::attr("axis", axis)});
    }
    std::string reshape(const std::string& x, const Ints& fixed, const Ints& dynamic, const std::string& name)
    {
        return m_g.node("Reshape", {x, m_g.int64(name + ".shape", m_options.dynamic ? dynamic : fixed)}, name);
    }

    /// Conv (BN folded) with the given weights: k x k, `stride`, `groups`, "same" padding.
    std::string convNode(const std::string& x, const torch::Tensor& w, const torch::Tensor& b, int64_t stride,
                         int64_t groups, const std::string& name);
    std::string conv(const std::string& x, ConvImpl& c, const std::string& name);
    std::string conv2d(const std::string& x, torch::nn::Conv2dImpl& c, const std::string& name);
    /// A chain of Conv / Conv2d modules, nested in Sequential or other containers (Detect branches).
    std::string convChain(const std::string& x, torch::nn::Module& m, const std::string& name);
    std::string bottleneck(const std::string& x, BottleneckImpl& m, bool shortcut, const std::string& name);
    std::string c2f(const std::string& x, C2fImpl& m, const LayerSpec& l, const std::string& name);
    std::string c3k(const std::string& x, C3kImpl& m, bool shortcut, const std::string& name);
    std::string c3k2(const std::string& x, C3k2Impl& m, const LayerSpec& l, MapSize s, const std::string& name);
    std::string attention(const std::string& x, AttentionImpl& m, MapSize s, const std::string& name);
    std::string psaBlock(const std::string& x, PSABlockImpl& m, MapSize s, const std::string& name);
    std::string c2psa(const std::string& x, C2PSAImpl& m, MapSize s, const std::string& name);
    std::string sppf(const std::string& x, SPPFImpl& m, const LayerSpec& l, const std::string& name);
    std::string upsample(const std::string& x, int64_t scale, const std::string& name);
    std::string detect(const Strings& inputs, DetectImpl& d, const std::string& name);
    /// One head (box + class branch lists) decoded to (B, 4+nc, N): xywh, or xyxy when `xyxy`.
    /// `branch` is "" for cv2/cv3 or "one2one_" for the end-to-end head's copies.
    std::string decodeHead(const Strings& inputs, DetectImpl& d, const std::string& branch, bool xyxy,
                           const std::string& name);
    std::string topK(const std::string& decoded, int64_t nc, const std::string& name);
    std::string anchorsConst(int64_t h, int64_t w, double stride, bool xyxy, const std::string& name);
    std::string anchorsDynamic(const std::string& shape, double stride, bool xyxy, const std::string& name);

    DetectionModelImpl& m_model;
    const ExportOptions& m_options;
    OnnxGraph& m_g;
};

/// Conv∘BN as (weight, bias) in double, so that the folded weights are as close to conv∘BN as FP32 allows.
std::pair<torch::Tensor, torch::Tensor> foldedConv(ConvImpl& c)
{
    torch::NoGradGuard noGrad;
    auto w = c.conv->weight.detach().to(torch::kCPU, torch::kDouble);
    if (c.fused())
        return {w, c.conv->bias.detach().to(torch::kCPU, torch::kDouble)};
    const auto& bn = c.bn;
    const auto scale = bn->weight.detach().to(torch::kCPU, torch::kDouble) /
                       torch::sqrt(bn->running_var.detach().to(torch::kCPU, torch::kDouble) + bn->options.eps());
    return {w * scale.view({-1, 1, 1, 1}),
            bn->bias.detach().to(torch::kCPU, torch::kDouble) - bn->running_mean.detach().to(torch::kCPU, torch::kDouble) * scale};
}

std::string OnnxModelWriter::convNode(const std::string& x, const torch::Tensor& w, const torch::Tensor& b,
                                      int64_t stride, int64_t groups, const std::string& name)
{
    const int64_t k = w.size(2);
    const int64_t p = k / 2;
    Strings inputs{x, m_g.weight(name + ".weight", w)};
    if (b.defined())
        inputs.push_back(m_g.weight(name + ".bias", b));
    return m_g.node("Conv", inputs, name,
                    {OnnxGraph::attr("kernel_shape", Ints{k, k}), OnnxGraph::attr("strides", Ints{stride, stride}),
                     OnnxGraph::attr("pads", Ints{p, p, p, p}), OnnxGraph::attr("dilations", Ints{1, 1}),
                     OnnxGraph::attr("group", groups)});
}

std::string OnnxModelWriter::conv(const std::string& x, ConvImpl& c, const std::string& name)
{
    const auto [w, b] = foldedConv(c);
    const auto y = convNode(x, w, b, c.options.stride(), c.options.groups(), name);
    return c.options.act() ? act(y, name) : y;
}

std::string OnnxModelWriter::conv2d(const std::string& x, torch::nn::Conv2dImpl& c, const std::string& name)
{
    return convNode(x, c.weight, c.bias, (*c.options.stride())[0], c.options.groups(), name);
}

std::string OnnxModelWriter::convChain(const std::string& x, torch::nn::Module& m, const std::string& name)
{
    if (auto* c = m.as<ConvImpl>())
        return conv(x, *c, name);
    if (auto* c = m.as<torch::nn::Conv2dImpl>())
        return conv2d(x, *c, name);
    const auto children = m.named_children();
    if (children.is_empty())
        throw InputError(m_model.spec().origin + ": " + name + " is a " + m.name() +
                         ", which the ONNX writer cannot export in a Detect branch");
    std::string y = x;
    for (const auto& child : children)
        y = convChain(y, *child.value(), name + "." + child.key());
    return y;
}

std::string OnnxModelWriter::bottleneck(const std::string& x, BottleneckImpl& m, bool shortcut, const std::string& name)
{
    const auto y = conv(conv(x, *m.cv1, name + ".cv1"), *m.cv2, name + ".cv2");
    // Bottleneck adds its input when shortcut is on and the widths match.
    const bool add = shortcut && m.cv1->options.in() == m.cv2->options.out();
    return add ? m_g.node("Add", {x, y}, name) : y;
}

std::string OnnxModelWriter::c2f(const std::string& x, C2fImpl& m, const LayerSpec& l, const std::string& name)
{
    // Equal halves: no `split` sizes, so the node reads the same in opset 12 (attribute) and 13+ (input).
    auto ys = m_g.nodeN("Split", {conv(x, *m.cv1, name + ".cv1")}, name, 2, {OnnxGraph::attr("axis", int64_t(1))});
    for (size_t i = 0; i < m.m->size(); ++i)
        ys.push_back(bottleneck(ys.back(), *m.m[i]->as<BottleneckImpl>(), l.shortcut, name + ".m." + std::to_string(i)));
    return conv(concat(ys, 1, name), *m.cv2, name + ".cv2");
}

std::string OnnxModelWriter::c3k(const std::string& x, C3kImpl& m, bool shortcut, const std::string& name)
{
    std::string y = conv(x, *m.cv1, name + ".cv1");
    for (size_t i = 0; i < m.m->size(); ++i)
        y = bottleneck(y, *m.m->ptr(i)->as<BottleneckImpl>(), shortcut, name + ".m." + std::to_string(i));
    return conv(concat({y, conv(x, *m.cv2, name + ".cv2")}, 1, name), *m.cv3, name + ".cv3");
}

std::string OnnxModelWriter::c3k2(const std::string& x, C3k2Impl& m, const LayerSpec& l, MapSize s,
                                  const std::string& name)
{
    auto ys = m_g.nodeN("Split", {conv(x, *m.cv1, name + ".cv1")}, name, 2, {OnnxGraph::attr("axis", int64_t(1))});
    for (size_t i = 0; i < m.m->size(); ++i) {
        const std::string bn = name + ".m." + std::to_string(i);
        auto& block = *m.m[i];
        if (auto* b = block.as<BottleneckImpl>()) {
            ys.push_back(bottleneck(ys.back(), *b, l.shortcut, bn));
        } else if (auto* c = block.as<C3kImpl>()) {
            ys.push_back(c3k(ys.back(), *c, l.shortcut, bn));
        } else if (auto* seq = block.as<torch::nn::SequentialImpl>();
                   seq && seq->size() == 2 && seq->ptr(0)->as<BottleneckImpl>() && seq->ptr(1)->as<PSABlockImpl>()) {
            const auto y = bottleneck(ys.back(), *seq->ptr(0)->as<BottleneckImpl>(), l.shortcut, bn + ".0");
            ys.push_back(psaBlock(y, *seq->ptr(1)->as<PSABlockImpl>(), s, bn + ".1"));
        } else {
            throw InputError(m_model.spec().origin + ": " + bn + " is a " + block.name() +
                             ", which the ONNX writer cannot export in a C3k2");
        }
    }
    return conv(concat(ys, 1, name), *m.cv2, name + ".cv2");
}

std::string OnnxModelWriter::attention(const std::string& x, AttentionImpl& m, MapSize s, const std::string& name)
{
    const int64_t b = m_options.batch;
    const int64_t heads = m.heads();
    const int64_t kd = m.keyDim();
    const int64_t hd = m.headDim();
    const int64_t n = s.h * s.w;
    // qkv(x).view(B, heads, 2*kd + hd, N).split(kd, kd, hd): per head, rows [q | k | v] of the
    // 1x1 conv. Three convs over those rows give q, k and v directly (no Split, whose sizes move
    // from attribute to input at opset 13); the softmax scale kd^-0.5 is folded into q's rows.
    const auto qkv = foldedConv(*m.qkv);
    const auto part = [&](int64_t offset, int64_t count, double scale, const std::string& n2) {
        std::vector<int64_t> rows;
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t j = 0; j < count; ++j)
                rows.push_back(h * (2 * kd + hd) + offset + j);
        const auto idx = torch::tensor(rows, torch::kLong);
        return convNode(x, qkv.first.index_select(0, idx) * scale, qkv.second.index_select(0, idx) * scale, 1, 1,
                        name + n2);
    };
    const auto q = part(0, kd, std::pow(static_cast<double>(kd), -0.5), ".q");
    const auto k = part(kd, kd, 1.0, ".k");
    const auto v = part(2 * kd, hd, 1.0, ".v"); // (B, C, H, W): v.reshape(B, C, H, W) for pe
    const auto qT = transpose(reshape(q, {b, heads, kd, n}, {0, heads, kd, -1}, name + ".q"), {0, 1, 3, 2}, name + ".q");
    auto attn = m_g.node("MatMul", {qT, reshape(k, {b, heads, kd, n}, {0, heads, kd, -1}, name + ".k")}, name);
    // (B, heads, N, N) softmax over the last axis: what opset 12 (flatten from `axis`) and 13+ agree on.
    attn = m_g.node("Softmax", {attn}, name, {OnnxGraph::attr("axis", int64_t(3))});
    const auto vR = reshape(v, {b, heads, hd, n}, {0, heads, hd, -1}, name + ".v");
    auto y = m_g.node("MatMul", {vR, transpose(attn, {0, 1, 3, 2}, name)}, name); // (B, heads, hd, N)
    y = m_options.dynamic ? m_g.node("Reshape", {y, m_g.node("Shape", {v}, name)}, name)
                          : reshape(y, {b, heads * hd, s.h, s.w}, {}, name);
    y = m_g.node("Add", {y, conv(v, *m.pe, name + ".pe")}, name);
    return conv(y, *m.proj, name + ".proj");
}

std::string OnnxModelWriter::psaBlock(const std::string& x, PSABlockImpl& m, MapSize s, const std::string& name)
{
    // Retort builds every PSABlock with the shortcut (as Ultralytics' C2PSA and C3k2 do).
    const auto y = m_g.node("Add", {x, attention(x, *m.attn, s, name + ".attn")}, name);
    auto f = conv(y, *m.ffn->ptr(0)->as<ConvImpl>(), name + ".ffn.0");
    f = conv(f, *m.ffn->ptr(1)->as<ConvImpl>(), name + ".ffn.1");
    return m_g.node("Add", {y, f}, name);
}

std::string OnnxModelWriter::c2psa(const std::string& x, C2PSAImpl& m, MapSize s, const std::string& name)
{
    const auto ys = m_g.nodeN("Split", {conv(x, *m.cv1, name + ".cv1")}, name, 2, {OnnxGraph::attr("axis", int64_t(1))});
    std::string y = ys[1];
    for (size_t i = 0; i < m.m->size(); ++i)
        y = psaBlock(y, *m.m->ptr(i)->as<PSABlockImpl>(), s, name + ".m." + std::to_string(i));
    return conv(concat({ys[0], y}, 1, name), *m.cv2, name + ".cv2");
}

std::string OnnxModelWriter::sppf(const std::string& x, SPPFImpl& m, const LayerSpec& l, const std::string& name)
{
    Strings ys{conv(x, *m.cv1, name + ".cv1")};
    const int64_t k = l.kernel;
    for (int64_t i = 0; i < l.pools; ++i)
        ys.push_back(m_g.node("MaxPool", {ys.back()}, name + ".m",
                              {OnnxGraph::attr("kernel_shape", Ints{k, k}), OnnxGraph::attr("strides", Ints{1, 1}),
                               OnnxGraph::attr("pads", Ints{k / 2, k / 2, k / 2, k / 2})}));
    const auto y = conv(concat(ys, 1, name), *m.cv2, name + ".cv2");
    return l.shortcut && l.inChannels == l.outChannels ? m_g.node("Add", {y, x}, name) : y;
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

std::string OnnxModelWriter::anchorsConst(int64_t h, int64_t w, double stride, bool xyxy, const std::string& name)
{
    // (B, 4, H, W): anchor centres in input pixels on channels 0-1 (and 2-3 for xyxy), zero on
    // w/h. The full shape on purpose: OpenCV imports Add(x, const) of equal shapes as an
    // element-wise sum, while a broadcast constant becomes a bias that it then tries to fold
    // into the preceding conv.
    auto a = torch::zeros({4, h, w}, torch::kDouble);
    a[0] = (torch::arange(w, torch::kDouble) + 0.5).mul(stride).view({1, w}).expand({h, w});
    a[1] = (torch::arange(h, torch::kDouble) + 0.5).mul(stride).view({h, 1}).expand({h, w});
    if (xyxy) {
        a[2] = a[0].clone();
        a[3] = a[1].clone();
    }
    a = a.unsqueeze(0).expand({m_options.batch, 4, h, w}).contiguous();
    return m_g.weight(name + ".anchors", a);
}

std::string OnnxModelWriter::anchorsDynamic(const std::string& shape, double stride, bool xyxy, const std::string& name)
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
    const auto centres = [&](const std::string& n, const Ints& viewShape) {
        auto r = m_g.node("Range", {zero, n, one}, name);
        r = m_g.node("Mul", {m_g.node("Add", {r, half}, name), s}, name);
        return m_g.node("Reshape", {r, m_g.int64(name + ".view", viewShape)}, name);
    };
    const auto gy = centres(dim(2), {1, -1, 1});
    const auto gx = centres(dim(3), {1, 1, -1});
    const auto gxFull = m_g.node("Add", {gx, m_g.node("Mul", {gy, zero}, name)}, name);
    const auto gyFull = m_g.node("Add", {gy, m_g.node("Mul", {gx, zero}, name)}, name);
    const auto zeros = m_g.node("Mul", {gxFull, zero}, name);
    auto a = concat(xyxy ? Strings{gxFull, gyFull, gxFull, gyFull} : Strings{gxFull, gyFull, zeros, zeros}, 0, name);
    if (m_g.floatType() != onnx::TensorProto::FLOAT)
        a = m_g.node("Cast", {a}, name, {OnnxGraph::attr("to", int64_t(m_g.floatType()))});
    return a;
}

std::string OnnxModelWriter::decodeHead(const Strings& inputs, DetectImpl& d, const std::string& branch, bool xyxy,
                                        const std::string& name)
{
    auto& boxList = branch.empty() ? *d.cv2 : *d.one2one_cv2;
    auto& clsList = branch.empty() ? *d.cv3 : *d.one2one_cv3;
    const int64_t b = m_options.batch;
    const int64_t bins = d.regMax();
    const int64_t no = 4 + d.nc();
    torch::NoGradGuard noGrad;
    Strings levels;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const std::string n = name + "." + branch + "level" + std::to_string(i);
        const double stride = d.strides()[i];
        const int64_t h = static_cast<int64_t>(m_options.imgszH / stride);
        const int64_t w = static_cast<int64_t>(m_options.imgszW / stride);
        auto x = convChain(inputs[i], *boxList[i], name + "." + branch + "cv2." + std::to_string(i));
        const auto cls = convChain(inputs[i], *clsList[i], name + "." + branch + "cv3." + std::to_string(i));
        const auto shape = m_options.dynamic ? m_g.node("Shape", {cls}, n) : std::string();

        if (bins > 1) {
            // DFL: softmax over the bins as the last axis (opset < 13 Softmax flattens from `axis`
            // on), then Ultralytics' fixed 1x1 conv with weights 0..bins-1 as the expectation.
            const auto dflWeight = d.dfl->conv->weight.detach().to(torch::kCPU, torch::kDouble); // (1, bins, 1, 1)
            x = reshape(x, {b, 4, bins, h * w}, {0, 4, bins, -1}, n + ".dfl");
            x = transpose(x, {0, 1, 3, 2}, n + ".dfl");
            x = m_g.node("Softmax", {x}, n + ".dfl", {OnnxGraph::attr("axis", int64_t(3))});
            x = transpose(x, {0, 3, 1, 2}, n + ".dfl");
            x = m_g.node("Conv", {x, m_g.weight(name + ".dfl.conv.weight", dflWeight)}, n + ".dfl",
                         {OnnxGraph::attr("kernel_shape", Ints{1, 1})}); // (B, 1, 4, HW): l, t, r, b
            if (m_options.dynamic) {
                // (B, nc, H, W) -> (B, 4, H, W) as a shape tensor: shape * [1,0,1,1] + [0,4,0,0].
                const auto target = m_g.node("Add", {m_g.node("Mul", {shape, m_g.int64(n + ".keep", {1, 0, 1, 1})}, n),
                                                     m_g.int64(n + ".four", {0, 4, 0, 0})},
                                             n);
                x = m_g.node("Reshape", {x, target}, n + ".ltrb");
            } else {
                x = reshape(x, {b, 4, h, w}, {}, n + ".ltrb");
            }
        } // reg_max 1 (YOLO26): the box branch gives l, t, r, b in grid units directly.

        // dist2bbox * stride is linear in l,t,r,b plus the anchor centre: a fixed 1x1 conv then
        // the anchors, both initialisers; no broadcasting Sub/Mul that OpenCV rejects.
        const auto m = (xyxy ? torch::tensor({-1.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0},
                                             torch::kDouble)
                             : torch::tensor({-0.5, 0.0, 0.5, 0.0, 0.0, -0.5, 0.0, 0.5, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0},
                                             torch::kDouble))
                           .view({4, 4, 1, 1}) *
                       stride;
        x = m_g.node("Conv", {x, m_g.weight(n + ".box.weight", m)}, n + ".box",
                     {OnnxGraph::attr("kernel_shape", Ints{1, 1})});
        const auto anchors = m_options.dynamic ? anchorsDynamic(shape, stride, xyxy, n) : anchorsConst(h, w, stride, xyxy, n);
        x = m_g.node("Add", {x, anchors}, n + ".box");
        x = concat({x, m_g.node("Sigmoid", {cls}, n + ".cls")}, 1, n);
        levels.push_back(reshape(x, {b, no, h * w}, {0, no, -1}, n));
    }
    return concat(levels, 2, name);
}

std::string OnnxModelWriter::topK(const std::string& decoded, int64_t nc, const std::string& name)
{
    // DetectImpl::topK on (B, 4+nc, N) xyxy: the k anchors of highest best-class score, then
    // the k highest (anchor, class) scores among them. In FP32 (TopK and ReduceMax lack FP16 on
    // some runtimes' CPUs).
    const int64_t b = m_options.batch;
    const int32_t floatType = m_g.floatType();
    const auto cast = [&](const std::string& x, int64_t to) {
        return m_g.node("Cast", {x}, name, {OnnxGraph::attr("to", to)});
    };
    const auto x = floatType == onnx::TensorProto::FLOAT ? decoded : cast(decoded, onnx::TensorProto::FLOAT);
    const auto slice = [&](int64_t from, int64_t to) {
        return m_g.node("Slice", {x, m_g.int64(name + ".starts", {from}), m_g.int64(name + ".ends", {to}),
                                  m_g.int64(name + ".axes", {1})},
                        name);
    };
    const auto boxes = slice(0, 4);       // (B, 4, N)
    const auto scores = slice(4, 4 + nc); // (B, nc, N)
    const auto best = m_g.node("ReduceMax", {scores}, name,
                               {OnnxGraph::attr("axes", Ints{1}), OnnxGraph::attr("keepdims", int64_t(0))}); // (B, N)
    std::string k;
    if (m_options.dynamic) {
        const auto n = m_g.node("Gather", {m_g.node("Shape", {best}, name), m_g.int64(name + ".dim", {1})}, name,
                                {OnnxGraph::attr("axis", int64_t(0))});
        k = m_g.node("Min", {n, m_g.int64(name + ".max_det", {DetectionModelImpl::kEndToEndMaxDet})}, name);
    } else {
        int64_t anchors = 0;
        for (const double s : m_model.strides())
            anchors += static_cast<int64_t>(m_options.imgszH / s) * static_cast<int64_t>(m_options.imgszW / s);
        k = m_g.int64(name + ".k", {std::min(DetectionModelImpl::kEndToEndMaxDet, anchors)});
    }
    const auto topk = [&](const std::string& v) {
        return m_g.nodeN("TopK", {v, k}, name, 2,
                         {OnnxGraph::attr("axis", int64_t(1)), OnnxGraph::attr("largest", int64_t(1)),
                          OnnxGraph::attr("sorted", int64_t(1))});
    };
    // (B, k) -> (B, 1, k), broadcast to (B, rows, k) for GatherElements along the anchors.
    const auto rows = [&](const std::string& v) { return reshape(v, {b, 1, -1}, {0, 1, -1}, name); };
    const auto spread = [&](const std::string& v, int64_t r) {
        return m_g.node("Expand", {rows(v), m_g.int64(name + ".expand", {1, r, 1})}, name);
    };
    const auto gather = [&](const std::string& data, const std::string& index, int64_t axis) {
        return m_g.node("GatherElements", {data, index}, name, {OnnxGraph::attr("axis", axis)});
    };
    const auto anchorIdx = topk(best)[1]; // (B, k)
    const auto top = gather(scores, spread(anchorIdx, nc), 2); // (B, nc, k)
    // Flattened (anchor, class) in the order of (B, k, nc).flatten(1).
    const auto flat = reshape(transpose(top, {0, 2, 1}, name), {b, -1}, {0, -1}, name);
    const auto picked = topk(flat); // scores (B, k), flat indices (B, k)
    const auto ncConst = m_g.int64(name + ".nc", {nc}, true);
    const auto anchor = gather(anchorIdx, m_g.node("Div", {picked[1], ncConst}, name), 1);
    const auto cls = cast(m_g.node("Mod", {picked[1], ncConst}, name), onnx::TensorProto::FLOAT);
    const auto box = gather(boxes, spread(anchor, 4), 2); // (B, 4, k)
    auto out = transpose(concat({box, rows(picked[0]), rows(cls)}, 1, name), {0, 2, 1}, name); // (B, k, 6)
    return floatType == onnx::TensorProto::FLOAT ? out : cast(out, floatType);
}

std::string OnnxModelWriter::detect(const Strings& inputs, DetectImpl& d, const std::string& name)
{
    if (!endToEndOutput(m_model, m_options))
        return decodeHead(inputs, d, "", /*xyxy=*/false, name);
    // End-to-end: the one-to-one head, decoded to xyxy, then the top-k rule in place of NMS.
    return topK(decodeHead(inputs, d, "one2one_", /*xyxy=*/true, name), d.nc(), name + ".topk");
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
        const MapSize size{static_cast<int64_t>(m_options.imgszH / l.outStride),
                           static_cast<int64_t>(m_options.imgszW / l.outStride)};
        if (l.module == "Conv" || l.module == "DWConv") {
            // DWConv is a grouped Conv (groups = gcd(in, out)), which conv() writes as such.
            if (l.repeats == 1) {
                outputs[l.index] = conv(in[0], module<ConvImpl>(l.index, l.module), name);
            } else {
                auto& seq = module<torch::nn::SequentialImpl>(l.index, l.module);
                std::string x = in[0];
                for (size_t r = 0; r < seq.size(); ++r)
                    x = conv(x, *seq.ptr(r)->as<ConvImpl>(), name + "." + std::to_string(r));
                outputs[l.index] = x;
            }
        } else if (l.module == "C2f") {
            outputs[l.index] = c2f(in[0], module<C2fImpl>(l.index, "C2f"), l, name);
        } else if (l.module == "C3k2") {
            outputs[l.index] = c3k2(in[0], module<C3k2Impl>(l.index, "C3k2"), l, size, name);
        } else if (l.module == "C2PSA") {
            outputs[l.index] = c2psa(in[0], module<C2PSAImpl>(l.index, "C2PSA"), size, name);
        } else if (l.module == "SPPF") {
            outputs[l.index] = sppf(in[0], module<SPPFImpl>(l.index, "SPPF"), l, name);
        } else if (l.module == "Upsample") {
            outputs[l.index] = upsample(in[0], module<UpsampleImpl>(l.index, "Upsample").scale(), name);
        } else if (l.module == "Concat") {
            outputs[l.index] = concat(in, 1, name);
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

/// "YOLOv8", "YOLO11", "YOLO26" from the spec's family.
std::string familyTitle(const ArchSpec& spec)
{
    std::string f = spec.family();
    for (auto& c : f)
        if (c != 'v')
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return f;
}

std::map<std::string, std::string> exportMetadata(const DetectionModelImpl& model, const Strings& names,
                                                  const ExportOptions& o)
{
    const auto strides = model.strides();
    const std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", std::localtime(&now));
    std::map<std::string, std::string> meta;
    meta["description"] = "Retort " + familyTitle(model.spec()) + " " + (model.spec().scale.empty() ? std::string() : model.spec().scale + " ") +
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
    // Ultralytics' AutoBackend reads `end2end` to skip NMS on (B, max_det, 6) outputs.
    meta["end2end"] = endToEndOutput(model, o) ? "True" : "False";
    if (endToEndOutput(model, o))
        meta["max_det"] = std::to_string(DetectionModelImpl::kEndToEndMaxDet);
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
    // Dynamic exports: inference names the symbolic batch but not the anchor (or detection)
    // count; the fixed dimensions (4+nc rows, or 6 columns) must still come out as declared.
    bool ok = report.inferredOutputShape == declared;
    if (!ok && !std::isdigit(static_cast<unsigned char>(declared[0])) && type.has_shape() &&
        type.shape().dim_size() == static_cast<int>(report.outputShape.size())) {
        ok = true;
        for (size_t i = 1; i < report.outputShape.size(); ++i) {
            const auto& want = report.outputShape[i];
            const auto& got = type.shape().dim(static_cast<int>(i));
            if (std::isdigit(static_cast<unsigned char>(want[0])) && (!got.has_dim_value() || got.dim_value() != std::stoll(want)))
                ok = false;
        }
    }
    if (!ok)
        throw Error("ONNX shape inference gives output0 " + report.inferredOutputShape + ", but the graph declares " + declared);
    report.shapeInferencePassed = true;
}

/// libtorch's output on the sample in FP64, from a CPU copy of the model.
torch::Tensor exactOutput(const DetectionModelImpl& model, const torch::Tensor& x, bool endToEnd)
{
    torch::NoGradGuard noGrad;
    DetectionModel copy = cloneModel(model, torch::kCPU);
    copy->to(torch::kDouble);
    copy->eval();
    const auto x64 = x.to(torch::kDouble);
    const auto y = model.endToEnd() && !endToEnd ? copy->detectHead()->decode(copy->forwardMaps(x64)) : copy->forward(x64);
    return y.to(torch::kFloat);
}

void runOpenCv(const std::string& bytes, ExportReport& report, const ExportOptions& o, bool endToEnd,
               const std::function<torch::Tensor()>& exact)
{
    if (o.dynamic) {
        report.opencvSkipReason = "dynamic shapes (OpenCV DNN 4.6 needs fixed shapes; ONNX Runtime checks these)";
        return;
    }
    if (o.half) {
        report.opencvSkipReason = "FP16 I/O (OpenCV DNN takes FP32 input; ONNX Runtime checks these)";
        return;
    }
    // OpenCV 4.6 has no importer for the end-to-end postprocess (TopK, GatherElements): that
    // graph is skipped here rather than failed, and ONNX Runtime compares it with libtorch.
    const auto unsupported = [&](const std::string& what, const cv::Exception& e) {
        if (!endToEnd)
            throw Error("OpenCV DNN cannot " + what + " the export: " + std::string(e.what()));
        std::string msg = e.err.empty() ? std::string(e.what()) : e.err;
        if (msg.rfind("> ", 0) == 0)
            msg.erase(0, 2);
        report.opencvSkipReason = "OpenCV DNN " + std::string(CV_VERSION) + " cannot " + what +
                                  " the end-to-end postprocess (TopK, GatherElements): " + msg +
                                  "; ONNX Runtime checks these, or export --raw for OpenCV";
    };
    cv::dnn::Net net;
    try {
        net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
    } catch (const cv::Exception& e) {
        return unsupported("load", e);
    }
    const auto& x = report.sampleInput;
    std::vector<int> dims(x.sizes().begin(), x.sizes().end());
    cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F, x.data_ptr<float>());
    net.setInput(blob, "images");
    cv::Mat out;
    try {
        out = net.forward();
    } catch (const cv::Exception& e) {
        return unsupported("run", e);
    }
    const auto& expected = report.expectedOutput;
    if (static_cast<int64_t>(out.total()) != expected.numel())
        throw Error("OpenCV DNN output has " + std::to_string(out.total()) + " values, libtorch " +
                    std::to_string(expected.numel()));
    const auto got = torch::from_blob(out.ptr<float>(), expected.sizes(), torch::kFloat).clone();
    // (B, 4+nc, N): box rows 0-3; end-to-end (B, k, 6): box columns 0-3, score 4, class 5.
    const int64_t dim = endToEnd ? 2 : 1;
    const auto maxDiff = [&](const torch::Tensor& a, const torch::Tensor& b) {
        const auto diff = (a - b).abs();
        return std::make_pair(diff.narrow(dim, 0, 4).max().item<double>(),
                              diff.size(dim) > 4 ? diff.narrow(dim, 4, endToEnd ? 1 : diff.size(dim) - 4).max().item<double>()
                                                 : 0.0);
    };
    std::tie(report.maxBoxDiff, report.maxScoreDiff) = maxDiff(got, expected);
    const int64_t classMismatches = endToEnd ? (got - expected).abs().narrow(2, 5, 1).gt(0.5).sum().item<int64_t>() : 0;
    report.opencvChecked = true;
    double allowed = o.boxTolerance * report.boxToleranceScale;
    double allowedScore = o.scoreTolerance;
    if ((report.maxBoxDiff > allowed || report.maxScoreDiff > allowedScore) && !endToEnd) {
        // Random or untrained weights make FP32 itself this far off: then OpenCV passes when it is
        // as close to the FP64 result as libtorch's FP32 is (twice that, plus the tolerances).
        const auto exact64 = exact();
        const auto [torchBox, torchScore] = maxDiff(expected, exact64);
        const auto [cvBox, cvScore] = maxDiff(got, exact64);
        report.fp32BoxNoise = torchBox;
        report.fp32ScoreNoise = torchScore;
        if (cvBox <= 2 * torchBox + allowed && cvScore <= 2 * torchScore + allowedScore) {
            allowed = report.maxBoxDiff;
            allowedScore = report.maxScoreDiff;
        }
    }
    if (report.maxBoxDiff > allowed || report.maxScoreDiff > allowedScore || classMismatches) {
        std::ostringstream s;
        s << "OpenCV DNN output differs from libtorch: boxes by " << report.maxBoxDiff << " px (allowed " << allowed
          << "), scores by " << report.maxScoreDiff << " (allowed " << o.scoreTolerance << ")";
        if (classMismatches)
            s << ", " << classMismatches << " rows of another class";
        throw Error(s.str());
    }
}

/// Random or untrained weights give boxes far outside the image (raw ltrb distances are
/// unbounded); FP32 differences grow with them, so the box tolerance scales with how far the
/// largest |coordinate| exceeds the input side.
double boxToleranceScale(const torch::Tensor& expected, bool endToEnd, const ExportOptions& o)
{
    const auto boxes = expected.narrow(endToEnd ? 2 : 1, 0, 4);
    const double largest = boxes.numel() ? boxes.abs().max().item<double>() : 0.0;
    return std::max(1.0, largest / std::max(o.imgszH, o.imgszW));
}

} // namespace

void checkExportable(const ArchSpec& spec)
{
    static const Strings kKnown = {"Conv", "DWConv", "C2f", "C3k2", "C2PSA", "SPPF", "Upsample", "Concat", "Detect"};
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
        if (boxToleranceScale > 1)
            s << " (box tolerance x" << boxToleranceScale << ": boxes reach " << boxToleranceScale << "x the input side)";
        if (fp32BoxNoise > 0 || fp32ScoreNoise > 0)
            s << "; within FP32 noise (libtorch FP32 vs FP64: boxes " << fp32BoxNoise << " px, scores " << fp32ScoreNoise
              << ")";
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
    const bool endToEnd = endToEndOutput(model, options);
    const std::string rows = std::to_string(std::min(DetectionModelImpl::kEndToEndMaxDet, anchors));
    if (options.dynamic) {
        report.inputShape = {"batch", "3", "height", "width"};
        report.outputShape = endToEnd ? Strings{"batch", "detections", "6"} : Strings{"batch", no, "anchors"};
    } else {
        report.inputShape = {std::to_string(options.batch), "3", std::to_string(options.imgszH),
                             std::to_string(options.imgszW)};
        report.outputShape = endToEnd ? Strings{std::to_string(options.batch), rows, "6"}
                                      : Strings{std::to_string(options.batch), no, std::to_string(anchors)};
    }

    onnx::ModelProto proto;
    proto.set_ir_version(options.opset >= 15 ? 8 : 7);
    proto.set_producer_name("retort");
    proto.set_producer_version(RETORT_VERSION);
    auto* opset = proto.add_opset_import();
    opset->set_domain("");
    opset->set_version(options.opset);
    auto* graph = proto.mutable_graph();
    graph->set_name("retort-" + model.spec().family() + model.spec().scale);
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
        const auto input = report.sampleInput.to(device);
        // The raw export of an end-to-end model is its one-to-many head, as Ultralytics decodes it for NMS.
        const auto expected = model.endToEnd() && !endToEnd ? model.detectHead()->decode(model.forwardMaps(input))
                                                            : model.forward(input);
        report.expectedOutput = expected.to(torch::kCPU, torch::kFloat).contiguous();
        model.train(training);
    }
    report.boxToleranceScale = boxToleranceScale(report.expectedOutput, endToEnd, options);
    std::string bytes;
    if (!proto.SerializeToString(&bytes))
        throw Error("could not serialise the ONNX model (over 2 GB?)");
    runOpenCv(bytes, report, options, endToEnd,
              [&] { return exactOutput(model, report.sampleInput, endToEnd); });

    try {
        writeFileAtomic(outPath, bytes);
    } catch (const Error& e) {
        throw InputError(outPath + ": cannot write the export (" + e.what() + ")");
    }
    report.bytes = static_cast<int64_t>(bytes.size());
    return report;
}

} // namespace retort
