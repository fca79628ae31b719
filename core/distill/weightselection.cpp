#include "distill/weightselection.h"

#include "util/error.h"

#include <cstdio>

namespace retort {
namespace {

/// Teacher channel indices of one student channel space.
using Selection = std::vector<int64_t>;

class Selector
{
public:
    explicit Selector(InheritReport& report) : m_report(report) {}

    /// floor(i * T / S) for i in [0, S): the identity when T == S.
    Selection uniform(int64_t teacherSize, int64_t studentSize, const std::string& where) const
    {
        if (teacherSize < studentSize)
            throw InputError(where + ": the teacher has " + std::to_string(teacherSize) + " channels, the student " +
                             std::to_string(studentSize) + "; weight selection needs a teacher at least as wide");
        Selection s(static_cast<size_t>(studentSize));
        for (int64_t i = 0; i < studentSize; ++i)
            s[static_cast<size_t>(i)] = i * teacherSize / studentSize;
        return s;
    }

    /// `chunks` consecutive copies of `inner`, the k-th shifted by k * teacherChunk (C2f's
    /// split and concat, SPPF's pyramid).
    static Selection chunked(const Selection& inner, int64_t teacherChunk, int64_t chunks)
    {
        Selection s;
        for (int64_t k = 0; k < chunks; ++k)
            for (const int64_t i : inner)
                s.push_back(k * teacherChunk + i);
        return s;
    }

    /// dst = src indexed by `sel[d]` along each dim d (an empty selection keeps the dim whole).
    void copy(torch::Tensor dst, const torch::Tensor& src, const std::vector<Selection>& sel, const std::string& where)
    {
        torch::Tensor x = src;
        for (size_t d = 0; d < sel.size(); ++d)
            if (!sel[d].empty())
                x = x.index_select(static_cast<int64_t>(d), torch::tensor(sel[d], torch::kLong).to(src.device()));
        if (x.sizes() != dst.sizes())
            throw InputError(where + ": selected teacher tensor " + shape(x) + " does not fit the student's " + shape(dst));
        dst.copy_(x);
        ++m_report.tensors;
        m_report.values += dst.numel();
    }

    /// A Conv (conv + BN) whose input channels are `in` and output channels `out`.
    void conv(ConvImpl& s, const ConvImpl& t, const Selection& in, const Selection& out, const std::string& where)
    {
        if (s.fused() || t.fused())
            throw InputError(where + ": weight selection needs unfused models (BatchNorm separate)");
        const auto& so = s.options;
        const auto& to = t.options;
        if (so.kernel() != to.kernel() || so.stride() != to.stride())
            throw InputError(where + ": the teacher's kernel/stride differ from the student's");
        const bool depthwise = so.groups() > 1;
        if (depthwise && (so.groups() != so.in() || to.groups() != to.in()))
            throw InputError(where + ": grouped convolutions other than depthwise are not supported");
        copy(s.conv->weight, t.conv->weight, {out, depthwise ? Selection{} : in}, where + ".conv.weight");
        copy(s.bn->weight, t.bn->weight, {out}, where + ".bn.weight");
        copy(s.bn->bias, t.bn->bias, {out}, where + ".bn.bias");
        copy(s.bn->running_mean, t.bn->running_mean, {out}, where + ".bn.running_mean");
        copy(s.bn->running_var, t.bn->running_var, {out}, where + ".bn.running_var");
    }

    /// A Conv with evenly selected outputs; returns them.
    Selection conv(ConvImpl& s, const ConvImpl& t, const Selection& in, const std::string& where)
    {
        Selection out = uniform(t.options.out(), s.options.out(), where);
        conv(s, t, in, out, where);
        return out;
    }

    /// A bare Conv2d (the head's last layers): inputs selected, outputs and bias whole.
    void conv2d(torch::nn::Conv2dImpl& s, const torch::nn::Conv2dImpl& t, const Selection& in, const std::string& where)
    {
        if (s.weight.size(0) != t.weight.size(0))
            throw InputError(where + ": the teacher has " + std::to_string(t.weight.size(0)) + " outputs, the student " +
                             std::to_string(s.weight.size(0)));
        copy(s.weight, t.weight, {{}, in}, where + ".weight");
        if (s.bias.defined() && t.bias.defined())
            copy(s.bias, t.bias, {}, where + ".bias");
    }

    Selection c2f(C2fImpl& s, const C2fImpl& t, const Selection& in, const std::string& where)
    {
        const int64_t ht = t.cv1->options.out() / 2;
        const int64_t hs = s.cv1->options.out() / 2;
        const Selection hidden = uniform(ht, hs, where + ".cv1");
        conv(*s.cv1, *t.cv1, in, chunked(hidden, ht, 2), where + ".cv1");
        const auto ns = static_cast<int64_t>(s.m->size());
        if (static_cast<int64_t>(t.m->size()) < ns)
            throw InputError(where + ": the teacher has " + std::to_string(t.m->size()) + " bottlenecks, the student " +
                             std::to_string(ns) + "; weight selection needs a teacher at least as deep");
        for (int64_t j = 0; j < ns; ++j) {
            auto& sb = *s.m[static_cast<size_t>(j)]->as<BottleneckImpl>();
            const auto& tb = *t.m->ptr(static_cast<size_t>(j))->as<BottleneckImpl>();
            const std::string w = where + ".m." + std::to_string(j);
            const Selection mid = conv(*sb.cv1, *tb.cv1, hidden, w + ".cv1");
            conv(*sb.cv2, *tb.cv2, mid, hidden, w + ".cv2");
        }
        return conv(*s.cv2, *t.cv2, chunked(hidden, ht, 2 + ns), where + ".cv2");
    }

    Selection sppf(SPPFImpl& s, const SPPFImpl& t, const Selection& in, const std::string& where)
    {
        const Selection hidden = conv(*s.cv1, *t.cv1, in, where + ".cv1");
        return conv(*s.cv2, *t.cv2, chunked(hidden, t.cv1->options.out(), 4), where + ".cv2");
    }

    void detect(DetectImpl& s, const DetectImpl& t, const std::vector<Selection>& in, const std::string& where)
    {
        if (s.nc() != t.nc())
            throw InputError(where + ": the teacher has " + std::to_string(t.nc()) + " classes, the student " +
                             std::to_string(s.nc()) + "; weight selection needs equal class counts");
        if (s.regMax() != t.regMax())
            throw InputError(where + ": the teacher's DFL bins (reg_max " + std::to_string(t.regMax()) +
                             ") differ from the student's (" + std::to_string(s.regMax()) + ")");
        for (size_t i = 0; i < in.size(); ++i)
            for (const char* branch : {"cv2", "cv3"}) {
                const bool box = branch[2] == '2';
                auto& ss = *(box ? s.cv2 : s.cv3)[i]->as<torch::nn::SequentialImpl>();
                const auto& ts = *(box ? t.cv2 : t.cv3)->ptr(i)->as<torch::nn::SequentialImpl>();
                const std::string w = where + "." + branch + "." + std::to_string(i);
                Selection x = conv(*ss[0]->as<ConvImpl>(), *ts[0]->as<ConvImpl>(), in[i], w + ".0");
                x = conv(*ss[1]->as<ConvImpl>(), *ts[1]->as<ConvImpl>(), x, w + ".1");
                conv2d(*ss[2]->as<torch::nn::Conv2dImpl>(), *ts[2]->as<torch::nn::Conv2dImpl>(), x, w + ".2");
            }
    }

private:
    static std::string shape(const torch::Tensor& t)
    {
        std::string s = "(";
        for (int64_t d = 0; d < t.dim(); ++d)
            s += (d ? ", " : "") + std::to_string(t.size(d));
        return s + ")";
    }

    InheritReport& m_report;
};

} // namespace

std::string InheritReport::describe() const
{
    char buf[160];
    std::snprintf(buf, sizeof buf, "%d of %d tensors (%.2fM values) selected from the teacher's", tensors, total,
                  static_cast<double>(values) / 1e6);
    return buf;
}

InheritReport inheritWeights(DetectionModelImpl& student, const DetectionModelImpl& teacher)
{
    const auto& ss = student.spec();
    const auto& ts = teacher.spec();
    if (ss.family() != "yolov8" || ts.family() != "yolov8")
        throw InputError("weight selection: the teacher is " + ts.family() + " and the student " + ss.family() +
                         "; it selects weights between two scales of YOLOv8 only (C3k2, C2PSA and the YOLO11/26 "
                         "heads are not supported yet)");
    if (ss.layers.size() != ts.layers.size())
        throw InputError("weight selection: the teacher has " + std::to_string(ts.layers.size()) +
                         " layers, the student " + std::to_string(ss.layers.size()) +
                         "; it needs two scales of one architecture (e.g. yolov8s and yolov8n)");
    InheritReport report;
    // Learnt tensors and BN statistics; the DFL conv is fixed (0..reg_max-1), equal by construction.
    for (const auto& p : student.named_parameters(true))
        report.total += p.key().find(".dfl.") == std::string::npos ? 1 : 0;
    for (const auto& b : student.named_buffers(true))
        report.total += b.key().find("running_") != std::string::npos ? 1 : 0;

    torch::NoGradGuard noGrad;
    Selector sel(report);
    std::vector<Selection> out(ss.layers.size());
    std::vector<int64_t> teacherWidth(ss.layers.size());
    Selection image{0, 1, 2};
    for (size_t i = 0; i < ss.layers.size(); ++i) {
        const auto& sl = ss.layers[i];
        const auto& tl = ts.layers[i];
        const std::string where = "model." + std::to_string(i);
        if (sl.module != tl.module || sl.from != tl.from)
            throw InputError("weight selection: layer " + std::to_string(i) + " is " + tl.module + " in the teacher but " +
                             sl.module + " in the student; it needs two scales of one architecture");
        const auto input = [&](size_t k) -> const Selection& {
            const int f = sl.from[k];
            return f < 0 ? image : out[static_cast<size_t>(f)];
        };
        auto& sm = *student.model[i];
        const auto& tm = *teacher.model->ptr(i);
        if (sl.module == "Conv") {
            if (auto* sc = sm.as<ConvImpl>()) {
                out[i] = sel.conv(*sc, *tm.as<ConvImpl>(), input(0), where);
            } else {
                auto& sq = *sm.as<torch::nn::SequentialImpl>();
                const auto& tq = *tm.as<torch::nn::SequentialImpl>();
                if (tq.size() < sq.size())
                    throw InputError(where + ": the teacher repeats this Conv " + std::to_string(tq.size()) +
                                     " times, the student " + std::to_string(sq.size()));
                Selection x = input(0);
                for (size_t r = 0; r < sq.size(); ++r)
                    x = sel.conv(*sq[r]->as<ConvImpl>(), *tq[r]->as<ConvImpl>(), x, where + "." + std::to_string(r));
                out[i] = x;
            }
        } else if (sl.module == "C2f") {
            out[i] = sel.c2f(*sm.as<C2fImpl>(), *tm.as<C2fImpl>(), input(0), where);
        } else if (sl.module == "SPPF") {
            out[i] = sel.sppf(*sm.as<SPPFImpl>(), *tm.as<SPPFImpl>(), input(0), where);
        } else if (sl.module == "Upsample") {
            out[i] = input(0);
        } else if (sl.module == "Concat") {
            int64_t offset = 0;
            for (size_t k = 0; k < sl.from.size(); ++k) {
                for (const int64_t c : input(k))
                    out[i].push_back(offset + c);
                const int f = sl.from[k];
                offset += f < 0 ? 3 : teacherWidth[static_cast<size_t>(f)];
            }
        } else if (sl.module == "Detect") {
            std::vector<Selection> levels;
            for (size_t k = 0; k < sl.from.size(); ++k)
                levels.push_back(input(k));
            sel.detect(*sm.as<DetectImpl>(), *tm.as<DetectImpl>(), levels, where);
        } else {
            throw InputError(where + ": weight selection does not know the module " + sl.module);
        }
        teacherWidth[i] = tl.outChannels;
    }
    return report;
}

} // namespace retort
