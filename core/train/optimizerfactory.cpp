#include "train/optimizerfactory.h"

#include "train/experimentconfig.h"

#include <cmath>

namespace retort {

namespace {
void collect(torch::nn::Module& root, std::vector<torch::Tensor> groups[3])
{
    for (const auto& item : root.named_modules("", /*include_self=*/true)) {
        const bool isNorm = item.value()->as<torch::nn::BatchNorm2dImpl>() != nullptr;
        for (const auto& p : item.value()->named_parameters(/*recurse=*/false)) {
            if (!p.value().requires_grad())
                continue;
            if (p.key() == "bias")
                groups[0].push_back(p.value());
            else if (isNorm)
                groups[2].push_back(p.value());
            else
                groups[1].push_back(p.value());
        }
    }
}
} // namespace

OptimizerGroups buildOptimizer(DetectionModelImpl& model, torch::nn::Module* extra, const TrainSettings& s)
{
    std::vector<torch::Tensor> groups[3];
    collect(model, groups);
    if (extra)
        collect(*extra, groups);
    const int accumulate = std::max(static_cast<int>(std::nearbyint(static_cast<double>(s.nbs) / s.batch)), 1);
    const double decay = s.weightDecay * s.batch * accumulate / s.nbs;

    OptimizerGroups out;
    out.adamw = s.optimizer == "AdamW";
    for (auto& g : groups)
        out.params.insert(out.params.end(), g.begin(), g.end());
    if (out.adamw) {
        auto opts = [&](double wd) {
            return std::make_unique<torch::optim::AdamWOptions>(
                torch::optim::AdamWOptions(s.lr0).betas({s.momentum, 0.999}).weight_decay(wd));
        };
        std::vector<torch::optim::OptimizerParamGroup> pg;
        pg.emplace_back(groups[0], opts(0.0));
        pg.emplace_back(groups[1], opts(decay));
        pg.emplace_back(groups[2], opts(0.0));
        out.optimizer = std::make_unique<torch::optim::AdamW>(pg, torch::optim::AdamWOptions(s.lr0));
    } else {
        auto opts = [&](double wd) {
            return std::make_unique<torch::optim::SGDOptions>(
                torch::optim::SGDOptions(s.lr0).momentum(s.momentum).nesterov(true).weight_decay(wd));
        };
        std::vector<torch::optim::OptimizerParamGroup> pg;
        pg.emplace_back(groups[0], opts(0.0));
        pg.emplace_back(groups[1], opts(decay));
        pg.emplace_back(groups[2], opts(0.0));
        out.optimizer = std::make_unique<torch::optim::SGD>(pg, torch::optim::SGDOptions(s.lr0));
    }
    return out;
}

void OptimizerGroups::setLrMomentum(size_t group, double lr, double momentum)
{
    auto& options = optimizer->param_groups()[group].options();
    options.set_lr(lr);
    if (adamw) {
        auto& o = static_cast<torch::optim::AdamWOptions&>(options);
        o.betas({momentum, std::get<1>(o.betas())});
    } else {
        static_cast<torch::optim::SGDOptions&>(options).momentum(momentum);
    }
}

double OptimizerGroups::lr(size_t group) const
{
    return optimizer->param_groups()[group].options().get_lr();
}

void OptimizerGroups::step(double maxGradNorm)
{
    if (maxGradNorm > 0)
        torch::nn::utils::clip_grad_norm_(params, maxGradNorm);
    optimizer->step();
    optimizer->zero_grad();
}

} // namespace retort
