#include "commands.h"

#include "io/weights.h"
#include "model/modelinfo.h"
#include "util/atomicfile.h"
#include "util/json.h"

#include <cstdio>
#include <iostream>

namespace retort::cli {

int runInfo(int argc, char** argv)
{
    const Args args("info", argc, argv, {"model", "imgsz", "json", "device", "threads"});
    applyThreads(args);
    const std::string path = args.required("model");
    const int imgsz = args.getInt("imgsz", 640);
    if (imgsz <= 0 || imgsz % 32)
        throw UsageError("retort-cli info: --imgsz must be a positive multiple of 32, got " + std::to_string(imgsz));
    LoadedModel m = loadModel(path, {deviceFromArgs(args)});
    const ModelInfo info = modelInfo(*m.model, imgsz);

    std::printf("%-4s %-12s %3s %10s  %-10s %s\n", "", "from", "n", "params", "module", "out");
    for (const auto& l : info.layers) {
        std::string from;
        for (const int f : l.from)
            from += (from.empty() ? "" : ",") + std::to_string(f == l.index - 1 ? -1 : f);
        if (l.from.size() > 1)
            from = "[" + from + "]";
        std::printf("%-4d %-12s %3d %10lld  %-10s %lld @ /%g\n", l.index, from.c_str(), l.repeats,
                    static_cast<long long>(l.params), l.module.c_str(), static_cast<long long>(l.outChannels), l.stride);
    }
    std::printf("%s summary: %zu layers, %lld parameters, %lld gradients, %.1f GFLOPs @ %d%s\n", path.c_str(),
                info.layers.size(), static_cast<long long>(info.params), static_cast<long long>(info.gradients),
                info.gflops, imgsz, m.model->fused() ? " (fused)" : "");
    std::printf("strides:");
    for (const double s : info.strides)
        std::printf(" %g", s);
    std::printf("\nclasses (%zu):", m.names.size());
    for (size_t i = 0; i < m.names.size() && i < 10; ++i)
        std::printf(" %s", m.names[i].c_str());
    std::printf("%s\n", m.names.size() > 10 ? " …" : "");

    if (args.has("json")) {
        JsonWriter w;
        w.beginObject();
        w.field("model", path).field("format", m.format).field("params", info.params);
        w.field("gradients", info.gradients).field("gflops", info.gflops).field("imgsz", imgsz);
        w.field("fused", m.model->fused()).field("scale", m.model->spec().scale).field("nc", m.model->nc());
        w.array("stride", info.strides).array("names", m.names);
        w.key("layers").beginArray();
        for (const auto& l : info.layers) {
            w.beginObject().field("index", l.index).array("from", l.from).field("repeats", l.repeats);
            w.field("module", l.module).field("params", l.params).field("out_channels", l.outChannels);
            w.field("stride", l.stride).endObject();
        }
        w.endArray().endObject();
        writeFileAtomic(args.get("json"), w.str() + "\n");
    }
    return 0;
}

} // namespace retort::cli
