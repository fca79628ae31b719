// retort-cli: the headless front end over retort_core. One subcommand per file (cmd_*.cpp).
#include "commands.h"

#include "util/error.h"
#include "util/threads.h"

#include <cstring>
#include <iostream>

namespace retort::cli {

torch::Device deviceFromArgs(const Args& args)
{
    const std::string d = args.get("device", "cpu");
    try {
        torch::Device device(d);
        if (device.is_cuda() && !torch::cuda::is_available())
            throw UsageError("--device " + d + ": this libtorch build has no CUDA or no GPU is visible");
        return device;
    } catch (const c10::Error&) {
        throw UsageError("--device expects cpu or cuda:N, got '" + d + "'");
    }
}

void applyThreads(const Args& args)
{
    configureThreads(args.getInt("threads", 0));
}

namespace {

const Command kCommands[] = {
    {"info", "layers, parameters, GFLOPs, strides and class names of a model (and what a .pt checkpoint holds)",
     "info --model M [--arch A.yaml (for a bare state_dict .pt)] [--imgsz 640] [--json FILE]", runInfo},
    {"predict", "detect objects in images",
     "predict --model M --source IMG|DIR [--imgsz 640] [--conf 0.25] [--iou 0.7] [--max-det 300] [--agnostic] "
     "[--json FILE] [--save DIR]",
     runPredict},
    {"val", "validate a model on a data set: P, R, mAP50, mAP50-95, per class and by object size",
     "val --model M --data D.yaml [--imgsz 640] [--batch 8] [--conf 0.001] [--iou 0.7] [--split val] [--subset a:b] "
     "[--json F] [--save-coco F]",
     runVal},
    {"train", "train one run (with a teacher in the experiment: a distillation run)",
     "train --config E.yaml [--arm NAME] [--resume RUN_DIR] [--threads N] [--device cpu|cuda:0] [key=value …]", runTrain},
    {"study", "run every arm of an experiment with the same seed and compare them (study.csv, study.md)",
     "study --config E.yaml [--arms a,b] [--seeds 0,1,2] [--fresh] [--threads N] [--device cpu|cuda:0] [key=value …]", runStudy},
    {"synth", "draw a synthetic shapes dataset in YOLO format (with its data YAML)",
     "synth --out DIR --images N --imgsz S --classes K [--seed 0] [--val-fraction 0.2]", runSynth},
    {"bench", "timing breakdowns: bench predict|train|distill|loader …",
     "bench predict --model M --source IMG [--imgsz 640] [--runs 20] [--square] [--no-channels-last] [--no-fuse] [--json F]\n"
     "       bench train --model M [--data D.yaml] [--imgsz 320] [--batch 16] [--steps 10] [--json F]\n"
     "       bench distill --config E.yaml [--arm A] [--steps 10] [--json F]\n"
     "       bench loader --data D.yaml [--imgsz 320] [--batch 16] [--workers 2] [--batches 50] [--json F]",
     runBench},
    {"export", "write an ONNX model (checked with onnx, shape inference and OpenCV DNN)",
     "export --model M [--format onnx] [--imgsz 640 | --imgsz H W] [--batch 1] [--dynamic] [--opset 12] [--half] [--raw] "
     "[--out F] [--check-image IMG] [--check-dump DIR]",
     runExport},
    {"convert", "convert a model (an Ultralytics .pt checkpoint, …) to a .safetensors weights file",
     "convert --model M --out F.safetensors [--arch A.yaml (for a bare state_dict)] [--dtype keep|f32|f16|bf16]",
     runConvert},
};

void printHelp()
{
    std::cout << "retort-cli " << RETORT_VERSION << " — knowledge distillation workbench for YOLO detectors\n\n"
              << "Usage: retort-cli <command> [options]\n\nCommands:\n";
    for (const auto& c : kCommands)
        std::cout << "  " << c.name << std::string(10 - std::strlen(c.name), ' ') << c.summary << "\n";
    std::cout << "\nCommon options: --device cpu|cuda:N, --threads N (default: all cores)\n"
              << "Models (M): a .safetensors checkpoint, an Ultralytics .pt checkpoint (read without\n"
              << "Python), an Ultralytics .torchscript export, or an architecture .yaml (yolov8n.yaml …\n"
              << "yolov8x.yaml, yolo11n.yaml … yolo11x.yaml and yolo26n.yaml … yolo26x.yaml are built in).\n"
              << "Run `retort-cli <command> --help` for a command's options.\n";
}

} // namespace
} // namespace retort::cli

int main(int argc, char** argv)
{
    using namespace retort::cli;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        printHelp();
        return argc < 2 ? 2 : 0;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::cout << "retort-cli " << RETORT_VERSION << "\n";
        return 0;
    }
    for (const auto& c : kCommands) {
        if (std::strcmp(argv[1], c.name) != 0)
            continue;
        for (int i = 2; i < argc; ++i)
            if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
                std::cout << "Usage: retort-cli " << c.usage << "\n\n" << c.summary << "\n";
                return 0;
            }
        try {
            return c.run(argc - 2, argv + 2);
        } catch (const UsageError& e) {
            std::cerr << e.what() << "\nUsage: retort-cli " << c.usage << "\n";
            return 2;
        } catch (const retort::InputError& e) {
            std::cerr << "error: " << e.what() << "\n";
            return 2;
        } catch (const retort::Error& e) {
            std::cerr << "error: " << e.what() << "\n";
            return 1;
        } catch (const c10::Error& e) {
            std::cerr << "error: " << e.what_without_backtrace() << "\n";
            return 1;
        } catch (const std::exception& e) {
            std::cerr << "error: " << e.what() << "\n";
            return 1;
        }
    }
    std::cerr << "retort-cli: unknown command '" << argv[1] << "' (see retort-cli --help)\n";
    return 2;
}
