#pragma once

#include "train/runlogger.h"
#include "train/studytable.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace retort::test {

/// Writes a run directory through RunLogger, exactly as a Trainer would: args.yaml, one
/// events.jsonl line per batch, one results.csv row per epoch, and weights/last.state when
/// `checkpoint`. Loss values decay smoothly so charts have something to show.
inline void writeRun(const std::string& dir, const std::string& arm, int epochs, int epochsDone,
                     const std::vector<std::string>& lossNames, bool checkpoint, int batches = 20)
{
    RunLogger log(dir, lossNames);
    log.writeArgs("name: fixture\narm: " + arm + "\ntrain:\n  epochs: " + std::to_string(epochs) + "\n");
    long long step = 0;
    for (int e = 0; e < epochsDone; ++e) {
        EpochMetrics em;
        em.epoch = e;
        em.epochs = epochs;
        for (int b = 0; b < batches; ++b, ++step) {
            StepMetrics s;
            s.epoch = e;
            s.epochs = epochs;
            s.batch = b;
            s.batchesPerEpoch = batches;
            s.step = step;
            double total = 0;
            for (size_t i = 0; i < lossNames.size(); ++i) {
                if (lossNames[i] == "total")
                    continue;
                const double v = (1.0 + 0.3 * i) * std::exp(-0.01 * step) * (1.0 + 0.1 * std::sin(step * 0.7 + i));
                s.losses[lossNames[i]] = v;
                total += v;
            }
            s.losses["total"] = total;
            s.lr = 0.01 * (1.0 - 0.9 * step / double(epochs * batches));
            s.imagesPerSecond = 40;
            s.instances = 90;
            log.appendStep(s);
            for (const auto& [k, v] : s.losses)
                em.trainLosses[k] += v / batches;
        }
        em.lrs = {0.01, 0.001, 0.001};
        ValMetrics vm;
        vm.epoch = e;
        vm.map50 = 0.1 + 0.08 * e;
        vm.map50_95 = 0.05 + 0.05 * e;
        vm.precision = 0.5;
        vm.recall = 0.4;
        log.addEpoch(em, &vm);
    }
    if (checkpoint) {
        std::ofstream((std::filesystem::path(dir) / "weights" / "last.state").string()) << "state";
        std::ofstream((std::filesystem::path(dir) / "weights" / "last.safetensors").string()) << "w";
        std::ofstream((std::filesystem::path(dir) / "weights" / "best.safetensors").string()) << "w";
    }
}

} // namespace retort::test
