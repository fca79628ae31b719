#include "model/archspec.h"

#include "util/atomicfile.h"
#include "util/error.h"
#include "util/resources.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <numeric>
#include <regex>
#include <set>

namespace retort {
namespace {

int64_t makeDivisible(double x, int64_t divisor)
{
    return static_cast<int64_t>(std::ceil(x / divisor)) * divisor;
}

std::string where(const std::string& origin, const YAML::Node& node)
{
    return origin + ":" + std::to_string(node.Mark().line + 1);
}

/// Ultralytics' guess_model_scale: the letter after "yolov8", "yolo11", "yolo26" ….
std::string scaleFromName(const std::string& name)
{
    static const std::regex re(R"(yolo(?:e-)?v?\d+([nslmx]))");
    std::smatch m;
    const std::string stem = std::filesystem::path(name).stem().string();
    if (std::regex_search(stem, m, re))
        return m[1];
    return {};
}

bool asBool(const YAML::Node& n)
{
    const std::string v = n.as<std::string>();
    if (v == "True" || v == "true")
        return true;
    if (v == "False" || v == "false")
        return false;
    return n.as<bool>();
}

} // namespace

std::string ArchSpec::family() const
{
    if (endToEnd || regMax == 1)
        return "yolo26";
    return legacyHead ? "yolov8" : "yolo11";
}

std::vector<double> ArchSpec::strides() const
{
    std::vector<double> out;
    for (const int f : detect().from)
        out.push_back(layers[static_cast<size_t>(f)].outStride);
    return out;
}

ArchSpec parseArch(const std::string& yamlText, const std::string& origin, const std::string& scaleOverride,
                   int64_t ncOverride)
{
    YAML::Node root;
    try {
        root = YAML::Load(yamlText);
    } catch (const YAML::Exception& e) {
        throw InputError(origin + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
    }
    if (!root.IsMap())
        throw InputError(origin + ": expected a model YAML with nc, backbone and head");
    ArchSpec spec;
    spec.yaml = yamlText;
    spec.origin = origin;
    try {
        spec.nc = ncOverride > 0 ? ncOverride : (root["nc"] ? root["nc"].as<int64_t>() : 80);
        if (spec.nc <= 0)
            throw InputError(origin + ": nc must be positive");
        if (root["reg_max"])
            spec.regMax = root["reg_max"].as<int64_t>();
        if (spec.regMax < 1 || spec.regMax > 64)
            throw InputError(where(origin, root["reg_max"]) + ": reg_max must be 1..64, got " + std::to_string(spec.regMax));
        if (root["end2end"])
            spec.endToEnd = asBool(root["end2end"]);
        std::string scale = scaleOverride;
        if (scale.empty() && root["scale"])
            scale = root["scale"].as<std::string>();
        if (const auto scales = root["scales"]) {
            if (!scales.IsMap() || scales.size() == 0)
                throw InputError(where(origin, scales) + ": scales must map n/s/m/l/x to [depth, width, max_channels]");
            if (scale.empty())
                scale = scales.begin()->first.as<std::string>();
            const auto row = scales[scale];
            if (!row)
                throw InputError(origin + ": scale '" + scale + "' not in scales");
            if (!row.IsSequence() || row.size() != 3)
                throw InputError(where(origin, row) + ": scale '" + scale + "' must be [depth, width, max_channels]");
            spec.scale = scale;
            spec.depthMultiple = row[0].as<double>();
            spec.widthMultiple = row[1].as<double>();
            spec.maxChannels = row[2].as<int64_t>();
        } else {
            if (root["depth_multiple"])
                spec.depthMultiple = root["depth_multiple"].as<double>();
            if (root["width_multiple"])
                spec.widthMultiple = root["width_multiple"].as<double>();
            spec.scale = scale;
        }
        if (!root["backbone"] || !root["backbone"].IsSequence() || !root["head"] || !root["head"].IsSequence())
            throw InputError(origin + ": expected 'backbone' and 'head' lists of [from, repeats, module, args]");

        std::vector<YAML::Node> rows;
        for (const auto& r : root["backbone"])
            rows.push_back(r);
        for (const auto& r : root["head"])
            rows.push_back(r);

        std::vector<int64_t> ch;      // output channels per layer
        std::vector<double> strides;  // output stride per layer
        for (size_t i = 0; i < rows.size(); ++i) {
            const YAML::Node& row = rows[i];
            const std::string at = where(origin, row);
            if (!row.IsSequence() || row.size() != 4)
                throw InputError(at + ": layer " + std::to_string(i) + " must be [from, repeats, module, args]");
            LayerSpec l;
            l.index = static_cast<int>(i);
            l.sourceLine = row.Mark().line + 1;
            auto resolve = [&](int f) {
                const int abs = f < 0 ? static_cast<int>(i) + f : f;
                if (abs < -1 || abs >= static_cast<int>(i) || (abs == -1 && i != 0))
                    throw InputError(at + ": layer " + std::to_string(i) + " takes input from " + std::to_string(f) +
                                     ", which is not an earlier layer");
                return abs;
            };
            if (row[0].IsSequence())
                for (const auto& f : row[0])
                    l.from.push_back(resolve(f.as<int>()));
            else
                l.from.push_back(resolve(row[0].as<int>()));
            const int n = row[1].as<int>();
            if (n < 1)
                throw InputError(at + ": repeats must be >= 1, got " + std::to_string(n));
            l.repeats = n > 1 ? std::max(static_cast<int>(std::nearbyint(n * spec.depthMultiple)), 1) : n;
            std::string module = row[2].as<std::string>();
            if (module.rfind("nn.", 0) == 0)
                module = module.substr(3);
            l.module = module;
            const YAML::Node args = row[3];
            if (!args.IsSequence())
                throw InputError(at + ": args of " + module + " must be a list");
            const int64_t c1 = l.from[0] < 0 ? 3 : ch[static_cast<size_t>(l.from[0])];
            const double s1 = l.from[0] < 0 ? 1.0 : strides[static_cast<size_t>(l.from[0])];
            l.inChannels = c1;
            auto channelsArg = [&](const YAML::Node& a) {
                const int64_t c2 = a.as<std::string>() == "nc" ? spec.nc : a.as<int64_t>();
                // Ultralytics' parse_model leaves a channel count equal to nc unscaled; kept for
                // weight compatibility.
                if (c2 == spec.nc)
                    return c2;
                return makeDivisible(static_cast<double>(std::min(c2, spec.maxChannels)) * spec.widthMultiple, 8);
            };
            if (module == "Conv" || module == "DWConv") {
                if (args.size() < 1)
                    throw InputError(at + ": " + module + " needs [out_channels, kernel, stride]");
                l.outChannels = channelsArg(args[0]);
                l.kernel = args.size() > 1 ? args[1].as<int64_t>() : 1;
                l.stride = args.size() > 2 ? args[2].as<int64_t>() : 1;
                if (module == "DWConv")
                    l.groups = std::gcd(c1, l.outChannels);
                if (l.kernel % 2 == 0)
                    throw InputError(at + ": " + module + " kernel must be odd, got " + std::to_string(l.kernel));
                l.outStride = s1 * std::pow(l.stride, l.repeats);
            } else if (module == "C2f") {
                if (args.size() < 1)
                    throw InputError(at + ": C2f needs [out_channels, shortcut]");
                l.outChannels = channelsArg(args[0]);
                l.shortcut = args.size() > 1 && asBool(args[1]);
                l.blockRepeats = l.repeats;
                l.repeats = 1;
                l.outStride = s1;
            } else if (module == "C3k2") {
                if (args.size() < 1 || args.size() > 4)
                    throw InputError(at + ": C3k2 needs [out_channels, c3k, e, attn] (1 to 4 values), got " +
                                     std::to_string(args.size()));
                l.outChannels = channelsArg(args[0]);
                l.c3k = args.size() > 1 && asBool(args[1]);
                l.expansion = args.size() > 2 ? args[2].as<double>() : 0.5;
                l.attn = args.size() > 3 && asBool(args[3]);
                if (!(l.expansion > 0 && l.expansion <= 1))
                    throw InputError(at + ": C3k2 expansion e must be in (0, 1], got " + args[2].as<std::string>());
                // Ultralytics' parse_model: C3k blocks for the larger scales, and any C3k2 makes
                // Detect use the YOLO11 (non-legacy) class branch.
                if (!scale.empty() && std::string("mlx").find(scale) != std::string::npos)
                    l.c3k = true;
                spec.legacyHead = false;
                l.shortcut = true;
                l.blockRepeats = l.repeats;
                l.repeats = 1;
                l.outStride = s1;
            } else if (module == "C2PSA") {
                if (args.size() < 1 || args.size() > 2)
                    throw InputError(at + ": C2PSA needs [out_channels] or [out_channels, e]");
                l.outChannels = channelsArg(args[0]);
                l.expansion = args.size() > 1 ? args[1].as<double>() : 0.5;
                if (l.outChannels != c1)
                    throw InputError(at + ": C2PSA keeps its channels: input " + std::to_string(c1) + ", output " +
                                     std::to_string(l.outChannels));
                if (static_cast<int64_t>(c1 * l.expansion) < 64)
                    throw InputError(at + ": C2PSA needs at least 64 hidden channels for one attention head, got " +
                                     std::to_string(static_cast<int64_t>(c1 * l.expansion)));
                l.blockRepeats = l.repeats;
                l.repeats = 1;
                l.outStride = s1;
            } else if (module == "SPPF") {
                if (args.size() < 1 || args.size() > 4)
                    throw InputError(at + ": SPPF needs [out_channels, kernel] or [out_channels, kernel, n, shortcut]");
                l.outChannels = channelsArg(args[0]);
                l.kernel = args.size() > 1 ? args[1].as<int64_t>() : 5;
                l.pools = args.size() > 2 ? args[2].as<int64_t>() : 3;
                l.shortcut = args.size() > 3 && asBool(args[3]);
                if (l.kernel % 2 == 0 || l.kernel < 1 || l.pools < 1)
                    throw InputError(at + ": SPPF needs an odd pool size and n >= 1");
                // Ultralytics 8.4's SPPF (the form with n and shortcut, and every end-to-end
                // model) has no SiLU after cv1; 8.3 and earlier, as YOLOv8/YOLO11 were trained, do.
                l.cv1Act = !(args.size() > 2 || spec.endToEnd);
                l.outStride = s1;
            } else if (module == "Upsample") {
                if (args.size() < 3 || args[2].as<std::string>() != "nearest")
                    throw InputError(at + ": Upsample must be [None, scale, \"nearest\"]");
                l.stride = args[1].as<int64_t>();
                l.outChannels = c1;
                l.outStride = s1 / l.stride;
            } else if (module == "Concat") {
                if (args.size() != 1 || args[0].as<int>() != 1)
                    throw InputError(at + ": only Concat over channels ([1]) is supported");
                for (const int f : l.from)
                    l.outChannels += ch[static_cast<size_t>(f)];
                l.outStride = s1;
            } else if (module == "Detect") {
                if (i + 1 != rows.size())
                    throw InputError(at + ": Detect must be the last layer");
                if (args.size() != 1)
                    throw InputError(at + ": Detect takes [nc] (reg_max and end2end are top-level keys), got " +
                                     std::to_string(args.size()) + " values");
                for (const int f : l.from)
                    l.detectChannels.push_back(ch[static_cast<size_t>(f)]);
                l.outChannels = 0;
                l.outStride = s1;
            } else {
                throw InputError(at + ": unknown module '" + row[2].as<std::string>() +
                                 "' (supported: Conv, DWConv, C2f, C3k2, C2PSA, SPPF, nn.Upsample, Concat, Detect)");
            }
            if (l.repeats > 1 && module != "Conv" && module != "DWConv")
                throw InputError(at + ": repeats > 1 is only supported for Conv, DWConv, C2f, C3k2 and C2PSA");
            if (module != "Concat" && module != "Detect" && l.from.size() != 1)
                throw InputError(at + ": " + module + " takes exactly one input");
            ch.push_back(l.outChannels);
            strides.push_back(l.outStride);
            spec.layers.push_back(l);
        }
        if (spec.layers.empty() || spec.layers.back().module != "Detect")
            throw InputError(origin + ": the last layer must be Detect");
    } catch (const YAML::Exception& e) {
        throw InputError(origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    return spec;
}

namespace {

/// The shipped YAML for a built-in name ("yolo11s.yaml" -> "yolo11.yaml"), or empty.
std::string builtinResource(const std::string& name)
{
    static const std::regex re(R"(^(yolov8|yolo11|yolo26)[nsmlx]?\.yaml$)");
    std::smatch m;
    if (!std::regex_match(name, m, re))
        return {};
    return m[1].str() + ".yaml";
}

} // namespace

bool isBuiltinArch(const std::string& name)
{
    return !builtinResource(name).empty();
}

std::vector<std::string> builtinArchNames()
{
    std::vector<std::string> out;
    for (const char* family : {"yolov8", "yolo11", "yolo26"})
        for (const char* scale : {"n", "s", "m", "l", "x"})
            out.push_back(std::string(family) + scale + ".yaml");
    return out;
}

ArchSpec loadArch(const std::string& nameOrPath, int64_t nc)
{
    const std::string resource = builtinResource(nameOrPath);
    if (!resource.empty() && !std::filesystem::exists(nameOrPath)) {
        const auto text = embeddedResource("models/" + resource);
        if (!text)
            throw Error("built-in architecture " + resource + " is missing from this build");
        return parseArch(std::string(*text), nameOrPath, scaleFromName(nameOrPath), nc);
    }
    const std::string text = readFile(nameOrPath);
    return parseArch(text, nameOrPath, scaleFromName(nameOrPath), nc);
}

} // namespace retort
