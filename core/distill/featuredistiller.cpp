#include "distill/featuredistiller.h"

#include "distill/kdlosses.h"
#include "util/error.h"

namespace retort {

FeatureDistillerImpl::FeatureDistillerImpl(const FeatureDistillerOptions& opts) : options(opts)
{
    const std::string& type = options.type();
    if (type != "mse" && type != "at" && type != "cwd" && type != "mgd")
        throw InputError("distill.feature.type: '" + type + "' is not one of mse, at, cwd, mgd");
    const int64_t cs = options.studentChannels();
    const int64_t ct = options.teacherChannels();
    if (type != "at" && cs != ct) {
        adapter = register_module("adapter", torch::nn::Conv2d(torch::nn::Conv2dOptions(cs, ct, 1).bias(true)));
        torch::NoGradGuard noGrad;
        torch::nn::init::kaiming_normal_(adapter->weight, 0.0, torch::kFanOut, torch::kReLU);
        adapter->bias.zero_();
    }
    if (type == "mgd") {
        const auto conv3 = [ct] { return torch::nn::Conv2d(torch::nn::Conv2dOptions(ct, ct, 3).padding(1)); };
        generator = register_module("generator", torch::nn::Sequential(conv3(), torch::nn::ReLU(), conv3()));
    }
}

torch::Tensor FeatureDistillerImpl::align(const torch::Tensor& student)
{
    return hasAdapter() ? adapter(student) : student;
}

torch::Tensor FeatureDistillerImpl::forward(const torch::Tensor& student, const torch::Tensor& teacher,
                                            c10::optional<at::Generator> gen)
{
    const std::string& type = options.type();
    if (type == "at")
        return attentionTransfer(student, teacher);
    const auto s = align(student);
    if (type == "mse")
        return featureMse(s, teacher);
    if (type == "cwd")
        return channelWiseDivergence(s, teacher, options.tau());
    TORCH_CHECK(gen.has_value(), "FeatureDistiller: mgd needs a generator for its mask");
    const auto mask = mgdMask(s.size(0), s.size(2), s.size(3), options.lambda(), *gen, s.device(), s.scalar_type());
    return mgdLoss(generator->forward(s * mask), teacher, options.alpha());
}

} // namespace retort
