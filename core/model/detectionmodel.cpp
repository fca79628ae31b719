#include "model/detectionmodel.h"

#include "model/layers.h"
#include "util/error.h"

namespace retort {

DetectionModelImpl::DetectionModelImpl(const ArchSpec& spec) : m_spec(spec)
{
    model = register_module("model", torch::nn::ModuleList());
    m_keep.assign(spec.layers.size(), false);
    for (const auto& l : spec.layers)
        for (const int f : l.from)
            if (f >= 0 && f != l.index - 1)
                m_keep[static_cast<size_t>(f)] = true;

    for (const auto& l : spec.layers) {
        const auto one = [](auto module) {
            return [module](const std::vector<torch::Tensor>& in) mutable { return module->forward(in[0]); };
        };
        if (l.module == "Conv" || l.module == "DWConv") {
            if (l.repeats == 1) {
                Conv m(ConvOptions(l.inChannels, l.outChannels, l.kernel, l.stride).groups(l.groups));
                model->push_back(m);
                m_run.push_back(one(m));
            } else {
                torch::nn::Sequential seq;
                for (int r = 0; r < l.repeats; ++r)
                    seq->push_back(Conv(ConvOptions(r ? l.outChannels : l.inChannels, l.outChannels, l.kernel, l.stride)
                                             .groups(r ? (l.module == "DWConv" ? l.outChannels : 1) : l.groups)));
                model->push_back(seq);
                m_run.push_back(one(seq));
            }
        } else if (l.module == "C2f") {
            C2f m(l.inChannels, l.outChannels, l.blockRepeats, l.shortcut);
            model->push_back(m);
            m_run.push_back(one(m));
        } else if (l.module == "C3k2") {
            C3k2 m(l.inChannels, l.outChannels, l.blockRepeats, l.c3k, l.expansion, l.attn, l.shortcut);
            model->push_back(m);
            m_run.push_back(one(m));
        } else if (l.module == "C2PSA") {
            C2PSA m(l.inChannels, l.outChannels, l.blockRepeats, l.expansion);
            model->push_back(m);
            m_run.push_back(one(m));
        } else if (l.module == "SPPF") {
            SPPF m(l.inChannels, l.outChannels, l.kernel, l.pools, l.shortcut, l.cv1Act);
            model->push_back(m);
            m_run.push_back(one(m));
        } else if (l.module == "Upsample") {
            Upsample m(l.stride);
            model->push_back(m);
            m_run.push_back(one(m));
        } else if (l.module == "Concat") {
            // Parameterless; an Identity keeps the layer numbering.
            model->push_back(torch::nn::Identity());
            m_run.push_back([](const std::vector<torch::Tensor>& in) { return torch::cat(in, 1); });
        } else if (l.module == "Detect") {
            m_detect = Detect(spec.nc, l.detectChannels, spec.regMax, spec.legacyHead, spec.endToEnd);
            model->push_back(m_detect);
            m_run.push_back(nullptr); // handled in forwardMaps
        }
    }
    m_detect->setStrides(spec.strides(), /*initBiases=*/true);
}

std::vector<torch::Tensor> DetectionModelImpl::runToHead(const torch::Tensor& images, const std::vector<int>& tapLayers,
                                                          FeatureTaps* taps)
{
    std::vector<torch::Tensor> outputs(m_spec.layers.size());
    torch::Tensor x = images;
    std::vector<torch::Tensor> inputs;
    for (size_t i = 0; i < m_spec.layers.size(); ++i) {
        const auto& l = m_spec.layers[i];
        inputs.clear();
        for (const int f : l.from)
            inputs.push_back(f < 0 ? images : (f == l.index - 1 ? x : outputs[static_cast<size_t>(f)]));
        if (l.module == "Detect")
            return inputs;
        x = m_run[i](inputs);
        if (m_keep[i])
            outputs[i] = x;
        if (taps && std::find(tapLayers.begin(), tapLayers.end(), l.index) != tapLayers.end())
            (*taps)[l.index] = x;
    }
    throw Error("model has no Detect layer");
}

std::vector<torch::Tensor> DetectionModelImpl::forwardMaps(const torch::Tensor& images, const std::vector<int>& tapLayers,
                                                           FeatureTaps* taps, std::vector<torch::Tensor>* oneToOne)
{
    const auto inputs = runToHead(images, tapLayers, taps);
    if (oneToOne) {
        TORCH_CHECK(m_detect->endToEnd(), "forwardMaps: one-to-one maps asked of a model without that head");
        *oneToOne = m_detect->forwardOneToOne(inputs);
    }
    return m_detect->forward(inputs);
}

torch::Tensor DetectionModelImpl::forward(const torch::Tensor& images, const std::vector<int>& tapLayers,
                                          FeatureTaps* taps)
{
    if (!m_detect->endToEnd())
        return m_detect->decode(forwardMaps(images, tapLayers, taps));
    // Inference needs the one-to-one head only (Ultralytics' fused model drops the other).
    const auto oneToOne = m_detect->forwardOneToOne(runToHead(images, tapLayers, taps));
    return DetectImpl::topK(m_detect->decode(oneToOne, /*xywh=*/false), kEndToEndMaxDet);
}

void DetectionModelImpl::fuse()
{
    forEachConv(*this, [](ConvImpl& c) { c.fuse(); });
}

void DetectionModelImpl::makeFusedLayout()
{
    forEachConv(*this, [](ConvImpl& c) { c.makeFusedLayout(); });
}

bool DetectionModelImpl::fused() const
{
    bool any = false;
    forEachConv(const_cast<DetectionModelImpl&>(*this), [&](ConvImpl& c) { any = any || c.fused(); });
    return any;
}

void DetectionModelImpl::toChannelsLast()
{
    torch::NoGradGuard noGrad;
    for (auto& p : parameters())
        if (p.dim() == 4)
            p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
}

int64_t DetectionModelImpl::layerChannels(int index) const
{
    if (index < 0 || index >= numLayers())
        throw InputError("layer " + std::to_string(index) + " does not exist (the model has layers 0.." +
                         std::to_string(numLayers() - 1) + ")");
    return m_spec.layers[static_cast<size_t>(index)].outChannels;
}

void copyState(DetectionModelImpl& target, const DetectionModelImpl& source)
{
    torch::NoGradGuard noGrad;
    auto dst = target.named_parameters(true);
    for (const auto& p : source.named_parameters(true))
        dst[p.key()].copy_(p.value());
    auto dstBuf = target.named_buffers(true);
    for (const auto& b : source.named_buffers(true))
        dstBuf[b.key()].copy_(b.value());
}

DetectionModel cloneModel(const DetectionModelImpl& source, const torch::Device& device)
{
    DetectionModel copy(source.spec());
    if (source.fused())
        copy->makeFusedLayout();
    copy->to(device);
    copyState(*copy, source);
    copy->train(source.is_training());
    return copy;
}

} // namespace retort
