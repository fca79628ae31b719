#include "distill/featuredistiller.h"

#include "distill/kdlosses.h"
#include "util/error.h"

#include <algorithm>

namespace retort {
namespace {

torch::nn::Conv2d kaimingConv1x1(int64_t in, int64_t out)
{
    torch::nn::Conv2d conv(torch::nn::Conv2dOptions(in, out, 1).bias(true));
    torch::NoGradGuard noGrad;
    torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    conv->bias.zero_();
    return conv;
}

} // namespace

const std::vector<std::string>& featureKdTypes()
{
    static const std::vector<std::string> kTypes{"mse", "at", "cwd", "mgd", "pkd", "score_l2", "fgd"};
    return kTypes;
}

FeatureDistillerImpl::FeatureDistillerImpl(const FeatureDistillerOptions& opts) : options(opts)
{
    const std::string& type = options.type();
    const auto& types = featureKdTypes();
    if (std::find(types.begin(), types.end(), type) == types.end()) {
        std::string list;
        for (const auto& t : types)
            list += (list.empty() ? "" : ", ") + t;
        throw InputError("distill.feature.type: '" + type + "' is not one of " + list);
    }
    const int64_t cs = options.studentChannels();
    const int64_t ct = options.teacherChannels();
    if (type != "at" && type != "score_l2" && cs != ct)
        adapter = register_module("adapter", kaimingConv1x1(cs, ct));
    if (type == "mgd") {
        const auto conv3 = [ct] { return torch::nn::Conv2d(torch::nn::Conv2dOptions(ct, ct, 3).padding(1)); };
        generator = register_module("generator", torch::nn::Sequential(conv3(), torch::nn::ReLU(), conv3()));
    }
    if (type == "score_l2") {
        const int64_t hidden = options.hidden() > 0 ? options.hidden() : ct;
        projector = register_module("projector",
                                    torch::nn::Sequential(kaimingConv1x1(cs, hidden), torch::nn::ReLU(),
                                                          torch::nn::Conv2d(torch::nn::Conv2dOptions(hidden, ct, 1))));
    }
    if (type == "fgd") {
        gcStudent = register_module("gc_student", GcBlock(GcBlockOptions(ct)));
        gcTeacher = register_module("gc_teacher", GcBlock(GcBlockOptions(ct)));
    }
}

torch::Tensor FeatureDistillerImpl::align(const torch::Tensor& student)
{
    if (!projector.is_empty())
        return projector->forward(student);
    return hasAdapter() ? adapter(student) : student;
}

torch::Tensor FeatureDistillerImpl::forward(const torch::Tensor& student, const torch::Tensor& teacherIn,
                                            c10::optional<at::Generator> gen, const FeatureKdGuide& guide)
{
    const std::string& type = options.type();
    const auto teacher = teacherIn.detach();
    if (type == "at")
        return attentionTransfer(student, teacher);
    const auto s = align(student);
    if (type == "mse")
        return featureMse(s, teacher);
    if (type == "cwd")
        return channelWiseDivergence(s, teacher, options.tau());
    if (type == "pkd")
        return pearsonKd(s, teacher);
    if (type == "score_l2") {
        const auto w = guide.positionWeights.defined()
                           ? guide.positionWeights.detach()
                           : torch::ones({s.size(0), s.size(2), s.size(3)}, s.options().requires_grad(false));
        return scoreWeightedL2(s, teacher, w);
    }
    if (type == "fgd") {
        const auto fg = guide.foreground.defined()
                            ? guide.foreground.detach().to(s.dtype())
                            : torch::zeros({s.size(0), s.size(2), s.size(3)}, s.options().requires_grad(false));
        const auto bg = fgdBackgroundMask(fg);
        const double temp = options.fgdTemperature();
        const FgdAttention attS = fgdAttention(s, temp);
        const FgdAttention attT = fgdAttention(teacher, temp);
        return fgdFeatureLoss(s, teacher, fg, attT) * options.fgdAlpha() +
               fgdFeatureLoss(s, teacher, bg, attT) * options.fgdBeta() +
               fgdAttentionLoss(attS, attT) * options.fgdGamma() +
               fgdGlobalLoss(gcStudent(s), gcTeacher(teacher)) * options.fgdLambda();
    }
    TORCH_CHECK(gen.has_value(), "FeatureDistiller: mgd needs a generator for its mask");
    const auto mask = mgdMask(s.size(0), s.size(2), s.size(3), options.lambda(), *gen, s.device(), s.scalar_type());
    return mgdLoss(generator->forward(s * mask), teacher, options.alpha());
}

} // namespace retort
