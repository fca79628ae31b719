#include "train/adapterwarmup.h"

#include "data/batchloader.h"

#include <cstdio>

namespace retort {

void AdapterWarmup::run(int steps, const std::function<void(const std::string&)>& log, TrainerControl& control)
{
    std::vector<torch::Tensor> params;
    for (auto& p : distiller.parameters())
        if (p.requires_grad())
            params.push_back(p);
    if (params.empty() || steps <= 0)
        return;
    torch::optim::Adam optimizer(params, torch::optim::AdamOptions(1e-3));
    BatchLoader loader(dataset, train.batch, true, train.seed + 1, train.workers, std::max(2, train.workers * 2));
    const bool studentTraining = student.is_training();
    student.eval();
    distiller.train();
    const std::vector<int> sLayers = distiller.studentLayers();
    const std::vector<int> tLayers = distiller.teacherLayers();
    int epoch = 0;
    loader.startEpoch(epoch);
    double first = -1, recent = 0;
    int recentCount = 0;
    for (int step = 0; step < steps && !control.stopRequested(); ++step) {
        std::optional<TrainBatch> batch = loader.next();
        if (!batch) {
            loader.startEpoch(++epoch);
            batch = loader.next();
            if (!batch)
                break;
        }
        const auto images = batch->images.to(device).to(torch::kFloat).div_(255.0);
        const DetectionTargets targets{batch->batchIdx.to(device), batch->cls.to(device), batch->bboxes.to(device)};
        FeatureTaps sTaps, tTaps;
        std::vector<torch::Tensor> tMaps;
        {
            torch::NoGradGuard noGrad;
            student.forwardMaps(images, sLayers, &sTaps);
            tMaps = teacher.forwardMaps(images, tLayers, &tTaps);
        }
        const auto loss = distiller.adapterFitLoss(sTaps, tTaps, tMaps, &targets, images.size(2), images.size(3));
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        const double v = loss.item<double>();
        if (first < 0)
            first = v;
        recent += v;
        ++recentCount;
        if ((step + 1) % 50 == 0 || step + 1 == steps || step == 0) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "adapter warm-up: step %d/%d, feature loss %.5g (first %.5g)", step + 1, steps,
                          recent / recentCount, first);
            log(buf);
            recent = 0;
            recentCount = 0;
        }
    }
    for (auto& p : params)
        p.mutable_grad() = torch::Tensor();
    student.train(studentTraining);
}

} // namespace retort
