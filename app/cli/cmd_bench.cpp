#include "commands.h"

#include <cstring>

namespace retort::cli {

int runBench(int argc, char** argv)
{
    struct Sub
    {
        const char* name;
        int (*run)(int, char**);
    };
    static const Sub kSubs[] = {
        {"predict", runBenchPredict},
        {"loader", runBenchLoader},
        {"train", runBenchTrain},
        {"distill", runBenchDistill},
    };
    if (argc < 1)
        throw UsageError("retort-cli bench: name what to measure: predict|train|distill|loader");
    for (const auto& s : kSubs)
        if (!std::strcmp(argv[0], s.name))
            return s.run(argc - 1, argv + 1);
    throw UsageError(std::string("retort-cli bench: unknown benchmark '") + argv[0] + "'");
}

} // namespace retort::cli
