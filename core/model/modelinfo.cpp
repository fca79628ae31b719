#include "model/modelinfo.h"

#include "model/layers.h"

namespace retort {
namespace {

/// MACs of every Conv2d and BN element count below `module` whose output lives at `area`
/// positions.
void countOps(torch::nn::Module& module, double area, double& macs, double& bnElements)
{
    for (const auto& m : module.modules(/*include_self=*/true)) {
        if (auto* conv = m->as<torch::nn::Conv2dImpl>())
            macs += static_cast<double>(conv->weight.numel()) * area;
        else if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>())
            bnElements += static_cast<double>(bn->options.num_features()) * area;
    }
}

} // namespace

int64_t countParameters(torch::nn::Module& module, bool trainableOnly)
{
    int64_t n = 0;
    for (const auto& p : module.parameters(true))
        if (!trainableOnly || p.requires_grad())
            n += p.numel();
    return n;
}

double modelGflops(DetectionModelImpl& model, int imgsz, bool deployed)
{
    const auto& spec = model.spec();
    double macs = 0;
    double bnElements = 0;
    const double pixels = static_cast<double>(imgsz) * imgsz;
    for (size_t i = 0; i + 1 < spec.layers.size(); ++i) {
        const double s = spec.layers[i].outStride;
        countOps(*model.model[i], pixels / (s * s), macs, bnElements);
    }
    auto detect = model.detectHead();
    const auto strides = detect->strides();
    auto branches = detect->branches();
    if (deployed && detect->endToEnd())
        branches.erase(branches.begin(), branches.begin() + 2); // the one-to-many head
    double anchors = 0;
    for (size_t j = 0; j < strides.size(); ++j) {
        const double area = pixels / (strides[j] * strides[j]);
        anchors += area;
        for (auto& branch : branches)
            countOps(*branch[j], area, macs, bnElements);
    }
    if (detect->regMax() > 1)
        macs += static_cast<double>(detect->regMax()) * 4 * anchors; // DFL 1x1 conv
    // thop: affine BatchNorm costs 2 x 2 ops per element; Ultralytics reports 2 x thop's count.
    return 2.0 * (macs + 4.0 * bnElements) / 1e9;
}

int64_t deployedParameters(DetectionModelImpl& model)
{
    int64_t n = countParameters(model);
    auto detect = model.detectHead();
    if (detect->endToEnd())
        n -= countParameters(*detect->cv2) + countParameters(*detect->cv3);
    return n;
}

ModelInfo modelInfo(DetectionModelImpl& model, int imgsz)
{
    ModelInfo info;
    info.imgsz = imgsz;
    info.params = countParameters(model);
    info.gradients = countParameters(model, true);
    info.gflops = modelGflops(model, imgsz);
    info.strides = model.strides();
    const auto& spec = model.spec();
    for (size_t i = 0; i < spec.layers.size(); ++i) {
        const auto& l = spec.layers[i];
        LayerInfo li;
        li.index = l.index;
        li.from = l.from;
        li.repeats = l.blockRepeats > 1 ? static_cast<int>(l.blockRepeats) : l.repeats;
        li.module = l.module;
        li.params = countParameters(*model.model[i]);
        li.outChannels = l.outChannels;
        li.stride = l.outStride;
        info.layers.push_back(li);
    }
    return info;
}

} // namespace retort
