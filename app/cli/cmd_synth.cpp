#include "commands.h"

#include "data/synthgenerator.h"

#include <chrono>
#include <cstdio>

namespace retort::cli {

int runSynth(int argc, char** argv)
{
    const Args args("synth", argc, argv, {"out", "images", "imgsz", "classes", "seed", "val-fraction"});
    SynthOptions o;
    o.outDir = args.required("out");
    o.images = args.getInt("images", o.images);
    o.imgsz = args.getInt("imgsz", o.imgsz);
    o.classes = args.getInt("classes", o.classes);
    const std::string seed = args.get("seed", "0");
    try {
        o.seed = std::stoull(seed);
    } catch (const std::exception&) {
        throw UsageError("retort-cli synth: --seed expects a non-negative integer, got '" + seed + "'");
    }
    o.valFraction = args.getDouble("val-fraction", o.valFraction);

    const auto t0 = std::chrono::steady_clock::now();
    const SynthResult r = generateSynthDataset(o);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("synth: %d train + %d val images (%d backgrounds), %lld instances, %d classes in %.1f s\n",
                r.trainImages, r.valImages, r.backgrounds, static_cast<long long>(r.instances), o.classes, s);
    std::printf("%s\n", r.yamlPath.c_str());
    return 0;
}

} // namespace retort::cli
