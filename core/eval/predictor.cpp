#include "eval/predictor.h"

#include <opencv2/imgproc.hpp>

#include <chrono>

namespace retort {
namespace {
using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}
} // namespace

torch::Tensor imageToTensor(const cv::Mat& bgr)
{
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    auto t = torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8);
    return t.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat).div_(255.0).contiguous();
}

void scaleBoxesToOriginal(torch::Tensor& boxes, const LetterboxInfo& info)
{
    // Ultralytics recomputes gain and padding from the shapes (scale_boxes without ratio_pad).
    const double gain = std::min(static_cast<double>(info.height()) / info.origH,
                                 static_cast<double>(info.width()) / info.origW);
    const double padX = pyRound((info.width() - info.origW * gain) / 2 - 0.1);
    const double padY = pyRound((info.height() - info.origH * gain) / 2 - 0.1);
    auto xy = boxes.narrow(1, 0, 4);
    xy.select(1, 0).sub_(padX).div_(gain).clamp_(0, info.origW);
    xy.select(1, 2).sub_(padX).div_(gain).clamp_(0, info.origW);
    xy.select(1, 1).sub_(padY).div_(gain).clamp_(0, info.origH);
    xy.select(1, 3).sub_(padY).div_(gain).clamp_(0, info.origH);
}

Predictor::Predictor(DetectionModel model, std::vector<std::string> names, PredictOptions options, torch::Device device)
    : m_model(std::move(model)), m_names(std::move(names)), m_options(options), m_device(device)
{
    m_model->eval();
}


torch::Tensor Predictor::preprocess(const cv::Mat& bgr, LetterboxInfo* info) const
{
    LetterboxOptions lb;
    lb.height = m_options.imgszH;
    lb.width = m_options.imgszW;
    lb.minimal = m_options.rect;
    const cv::Mat boxed = letterbox(bgr, lb, info);
    auto x = imageToTensor(boxed).to(m_device);
    return m_channelsLast ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
}

ImageDetections Predictor::postprocess(const torch::Tensor& dets, const LetterboxInfo& info, const std::string& name) const
{
    ImageDetections out;
    out.image = name;
    out.width = info.origW;
    out.height = info.origH;
    auto d = dets.to(torch::kCPU).clone();
    scaleBoxesToOriginal(d, info);
    const auto acc = d.accessor<float, 2>();
    for (int64_t i = 0; i < d.size(0); ++i) {
        Detection det;
        det.classId = static_cast<int>(acc[i][5]);
        det.className = det.classId < static_cast<int>(m_names.size()) ? m_names[static_cast<size_t>(det.classId)]
                                                                        : std::to_string(det.classId);
        det.score = acc[i][4];
        det.x1 = acc[i][0];
        det.y1 = acc[i][1];
        det.x2 = acc[i][2];
        det.y2 = acc[i][3];
        out.detections.push_back(det);
    }
    return out;
}

ImageDetections Predictor::predict(const cv::Mat& bgr, const std::string& name)
{
    torch::NoGradGuard noGrad;
    auto t0 = Clock::now();
    LetterboxInfo info;
    const auto input = preprocess(bgr, &info);
    m_timings.preprocessMs = msSince(t0);

    t0 = Clock::now();
    const auto output = m_model->forward(input);
    m_timings.inferenceMs = msSince(t0);

    t0 = Clock::now();
    const auto dets = selectDetections(output, m_model->endToEnd(), m_options.nms);
    auto result = postprocess(dets[0], info, name);
    m_timings.postprocessMs = msSince(t0);
    return result;
}

} // namespace retort
