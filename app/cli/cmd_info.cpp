#include "commands.h"

#include "io/weights.h"
#include "model/modelinfo.h"
#include "util/atomicfile.h"
#include "util/json.h"

#include <cstdio>
#include <iostream>

namespace retort::cli {
namespace {

std::string meta(const LoadedModel& m, const char* key, const char* fallback = "?")
{
    const auto it = m.metadata.find(key);
    return it == m.metadata.end() || it->second.empty() ? fallback : it->second;
}

/// What an Ultralytics checkpoint says about itself: where, when and how it was trained.
void printCheckpoint(const LoadedModel& m)
{
    const std::string what = m.metadata.count("pt_class") ? meta(m, "pt_object") + " of " + meta(m, "pt_class")
                                                          : std::string("a bare state_dict");
    std::printf("checkpoint: %s, Ultralytics %s, saved %s, epoch %s, best fitness %s, %s weights\n", what.c_str(),
                meta(m, "version").c_str(), meta(m, "date").c_str(), meta(m, "epoch").c_str(),
                meta(m, "best_fitness", "-").c_str(), meta(m, "dtype").c_str());
    std::printf("architecture: %s (scale %s)\n", m.metadata.count("arch_ckpt") ? "the checkpoint's model.yaml" : "given",
                m.model->spec().scale.empty() ? "-" : m.model->spec().scale.c_str());
    const auto it = m.metadata.find("train_args");
    if (it == m.metadata.end())
        return;
    const YAML::Node a = parseJson(it->second, m.source + " (train_args)");
    std::string line = "train args (" + std::to_string(a.size()) + "):";
    for (const auto& kv : a) {
        std::string v = kv.second.IsNull() ? "None" : kv.second.IsScalar() ? kv.second.as<std::string>() : YAML::Dump(kv.second);
        for (char& c : v)
            if (c == '\n')
                c = ' ';
        const std::string item = " " + kv.first.as<std::string>() + "=" + v;
        if (line.size() + item.size() > 100) {
            std::printf("%s\n", line.c_str());
            line = "   ";
        }
        line += item;
    }
    std::printf("%s\n", line.c_str());
}

} // namespace

int runInfo(int argc, char** argv)
{
    const Args args("info", argc, argv, {"model", "arch", "imgsz", "json", "device", "threads"});
    applyThreads(args);
    const std::string path = args.required("model");
    const int imgsz = args.getInt("imgsz", 640);
    if (imgsz <= 0 || imgsz % 32)
        throw UsageError("retort-cli info: --imgsz must be a positive multiple of 32, got " + std::to_string(imgsz));
    LoadOptions lo;
    lo.device = deviceFromArgs(args);
    lo.arch = args.get("arch");
    LoadedModel m = loadModel(path, lo);
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
    const ArchSpec& spec = m.model->spec();
    std::printf("family: %s, head: %s, reg_max %lld, Detect reads layers", spec.family().c_str(),
                spec.endToEnd ? "end-to-end (one-to-one top-k, no NMS)" : "NMS", static_cast<long long>(spec.regMax));
    for (const int f : spec.headInputs())
        std::printf(" %d", f);
    std::printf("\n");
    std::printf("strides:");
    for (const double s : info.strides)
        std::printf(" %g", s);
    std::printf("\nclasses (%zu):", m.names.size());
    for (size_t i = 0; i < m.names.size() && i < 10; ++i)
        std::printf(" %s", m.names[i].c_str());
    std::printf("%s\n", m.names.size() > 10 ? " …" : "");
    if (m.format == "pt")
        printCheckpoint(m);

    if (args.has("json")) {
        JsonWriter w;
        w.beginObject();
        w.field("model", path).field("format", m.format).field("params", info.params);
        w.field("gradients", info.gradients).field("gflops", info.gflops).field("imgsz", imgsz);
        w.field("fused", m.model->fused()).field("scale", m.model->spec().scale).field("nc", m.model->nc());
        w.field("family", spec.family()).field("end2end", spec.endToEnd).field("reg_max", spec.regMax);
        w.array("head_inputs", spec.headInputs());
        w.array("stride", info.strides).array("names", m.names);
        w.key("layers").beginArray();
        for (const auto& l : info.layers) {
            w.beginObject().field("index", l.index).array("from", l.from).field("repeats", l.repeats);
            w.field("module", l.module).field("params", l.params).field("out_channels", l.outChannels);
            w.field("stride", l.stride).endObject();
        }
        w.endArray();
        if (m.format == "pt") {
            w.key("checkpoint").beginObject();
            for (const char* k : {"pt_object", "pt_class", "date", "version", "dtype"})
                if (m.metadata.count(k))
                    w.field(k, m.metadata.at(k));
            for (const char* k : {"epoch", "best_fitness", "train_args", "arch_ckpt"})
                if (m.metadata.count(k))
                    w.key(k).raw(m.metadata.at(k));
            w.endObject();
        }
        w.endObject();
        writeFileAtomic(args.get("json"), w.str() + "\n");
    }
    return 0;
}

} // namespace retort::cli
