#pragma once

#include "args.h"

#include <torch/torch.h>

#include <string>

namespace retort::cli {

/// A subcommand: `run` gets the arguments after the command name and returns the exit status.
struct Command
{
    const char* name;
    const char* summary;
    const char* usage;
    int (*run)(int argc, char** argv);
};

int runInfo(int argc, char** argv);
int runPredict(int argc, char** argv);
int runVal(int argc, char** argv);
int runBench(int argc, char** argv);
int runBenchPredict(int argc, char** argv);
int runBenchLoader(int argc, char** argv);
int runBenchTrain(int argc, char** argv);
int runBenchDistill(int argc, char** argv);
int runSynth(int argc, char** argv);
int runTrain(int argc, char** argv);
int runStudy(int argc, char** argv);
int runExport(int argc, char** argv);
int runConvert(int argc, char** argv);

/// Common flags: --device (cpu, cuda:0) and --threads N.
torch::Device deviceFromArgs(const Args& args);
void applyThreads(const Args& args);

} // namespace retort::cli
