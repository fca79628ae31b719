#include "data/dataconfig.h"

#include "util/error.h"
#include "util/yamlcheck.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;

namespace retort {

namespace {

// Ultralytics' IMG_FORMATS minus what OpenCV cannot decode (dng, mpo, pfm).
const std::set<std::string> kImageExtensions = {".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp"};

std::string where(const std::string& file, const YAML::Node& node)
{
    const YAML::Mark m = node.Mark();
    return file + ":" + std::to_string(m.is_null() ? 0 : m.line + 1);
}

std::string lowerExtension(const fs::path& p)
{
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

bool isImageFile(const fs::path& p)
{
    return kImageExtensions.count(lowerExtension(p)) > 0;
}

std::string resolve(const fs::path& base, const std::string& entry)
{
    fs::path p(entry);
    if (p.is_relative())
        p = base / p;
    return p.lexically_normal().string();
}

// `train: dir`, `train: [dir, list.txt]`; null allowed only where `optional`.
std::vector<std::string> readSplit(const YAML::Node& root, const char* key, const std::string& file,
                                   const fs::path& base, bool optional)
{
    const YAML::Node node = root[key];
    if (!node || node.IsNull()) {
        if (optional)
            return {};
        throw InputError(where(file, node ? node : root) + ": missing key '" + key +
                         "' (expected an image directory, a .txt list of images, or a list of those)");
    }
    std::vector<YAML::Node> items;
    if (node.IsScalar())
        items.push_back(node);
    else if (node.IsSequence())
        for (const auto& n : node)
            items.push_back(n);
    else
        throw InputError(where(file, node) + ": '" + key + "' must be a path or a list of paths");
    std::vector<std::string> out;
    for (const auto& item : items) {
        if (!item.IsScalar())
            throw InputError(where(file, item) + ": '" + key + "' entries must be paths");
        const std::string path = resolve(base, item.as<std::string>());
        std::error_code ec;
        if (!fs::exists(path, ec))
            throw InputError(where(file, item) + ": '" + key + "' entry " + path + " does not exist");
        out.push_back(path);
    }
    return out;
}

std::vector<std::string> readNames(const YAML::Node& root, const std::string& file)
{
    const YAML::Node node = root["names"];
    std::vector<std::string> names;
    if (!node || node.IsNull()) {
        const YAML::Node nc = root["nc"];
        if (!nc)
            throw InputError(file + ": missing key 'names' (a list of class names or a {index: name} map)");
        int n = -1;
        try {
            n = nc.IsScalar() ? nc.as<int>() : -1;
        } catch (const YAML::Exception&) {
        }
        if (n < 1 || n > 100000)
            throw InputError(where(file, nc) + ": 'nc' must be an integer between 1 and 100000, got '" +
                             (nc.IsScalar() ? nc.Scalar() : std::string("a non-scalar")) + "'");
        for (int i = 0; i < n; ++i)
            names.push_back("class_" + std::to_string(i));
        return names;
    }
    if (node.IsSequence()) {
        for (const auto& n : node) {
            if (!n.IsScalar())
                throw InputError(where(file, n) + ": 'names' entries must be strings");
            names.push_back(n.as<std::string>());
        }
    } else if (node.IsMap()) {
        std::map<int, std::string> byIndex;
        for (const auto& kv : node) {
            int index = -1;
            try {
                index = kv.first.as<int>();
            } catch (const YAML::Exception&) {
                throw InputError(where(file, kv.first) + ": 'names' map key '" + kv.first.Scalar() +
                                 "' is not a class index");
            }
            if (!kv.second.IsScalar())
                throw InputError(where(file, kv.second) + ": 'names' value for class " + std::to_string(index) +
                                 " must be a string");
            if (index < 0 || !byIndex.emplace(index, kv.second.as<std::string>()).second)
                throw InputError(where(file, kv.first) + ": 'names' class index " + std::to_string(index) +
                                 " is negative or repeated");
        }
        int expected = 0;
        for (const auto& [index, name] : byIndex) {
            if (index != expected)
                throw InputError(where(file, node) + ": 'names' must index classes 0.." +
                                 std::to_string(byIndex.size() - 1) + " without gaps; class " +
                                 std::to_string(expected) + " is missing");
            names.push_back(name);
            ++expected;
        }
    } else {
        throw InputError(where(file, node) + ": 'names' must be a list of class names or a {index: name} map");
    }
    if (names.empty())
        throw InputError(where(file, node) + ": 'names' is empty");
    if (const YAML::Node nc = root["nc"]; nc && !nc.IsNull()) {
        int n = -1;
        try {
            if (!nc.IsScalar())
                throw YAML::Exception(nc.Mark(), "not a scalar");
            n = nc.as<int>();
        } catch (const YAML::Exception&) {
            throw InputError(where(file, nc) + ": 'nc' must be an integer");
        }
        if (n != static_cast<int>(names.size()))
            throw InputError(where(file, nc) + ": 'nc' is " + std::to_string(n) + " but 'names' lists " +
                             std::to_string(names.size()) + " classes");
    }
    return names;
}

} // namespace

DataConfig loadDataConfig(const std::string& yamlPath)
{
    std::error_code fsError;
    if (!fs::is_regular_file(yamlPath, fsError))
        throw InputError(yamlPath + ": data YAML not found");
    YAML::Node root;
    try {
        root = YAML::LoadFile(yamlPath);
    } catch (const YAML::Exception& e) {
        throw InputError(yamlPath + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (!root.IsMap())
        throw InputError(yamlPath + ": a data YAML must be a map with train, val and names");
    rejectDuplicateKeys(root, yamlPath);

    DataConfig cfg;
    cfg.yamlPath = yamlPath;
    const fs::path yamlDir = fs::absolute(yamlPath).parent_path();
    fs::path base = yamlDir;
    if (const YAML::Node p = root["path"]; p && !p.IsNull()) {
        if (!p.IsScalar())
            throw InputError(where(yamlPath, p) + ": 'path' must be a directory");
        base = resolve(yamlDir, p.as<std::string>());
        if (!fs::is_directory(base, fsError))
            throw InputError(where(yamlPath, p) + ": 'path' " + base.string() + " is not a directory");
    }
    cfg.root = base.lexically_normal().string();
    cfg.names = readNames(root, yamlPath);
    if (const YAML::Node m = root["max_image_pixels"]; m && !m.IsNull()) {
        long long v = -1;
        try {
            v = m.IsScalar() ? m.as<long long>() : -1;
        } catch (const YAML::Exception&) {
        }
        if (v < 0)
            throw InputError(where(yamlPath, m) + ": 'max_image_pixels' must be a non-negative integer (0: no limit)");
        cfg.maxImagePixels = v;
    }
    cfg.train = readSplit(root, "train", yamlPath, base, false);
    cfg.val = readSplit(root, "val", yamlPath, base, false);
    cfg.test = readSplit(root, "test", yamlPath, base, true);
    return cfg;
}

std::vector<std::string> listImages(const std::vector<std::string>& entries, const std::string& origin)
{
    std::vector<std::string> out;
    for (const auto& entry : entries) {
        const fs::path p(entry);
        if (fs::is_directory(p)) {
            for (const auto& e : fs::recursive_directory_iterator(p, fs::directory_options::follow_directory_symlink))
                if (e.is_regular_file() && isImageFile(e.path()))
                    out.push_back(e.path().lexically_normal().string());
        } else if (lowerExtension(p) == ".txt") {
            std::ifstream in(p);
            if (!in)
                throw InputError(origin + ": cannot read image list " + entry);
            std::string line;
            int lineNo = 0;
            while (std::getline(in, line)) {
                ++lineNo;
                line.erase(std::find_if(line.rbegin(), line.rend(), [](unsigned char c) { return !std::isspace(c); }).base(),
                           line.end());
                if (line.empty())
                    continue;
                // Ultralytics resolves `./x` against the list's directory; we do so for any relative line.
                const std::string image = resolve(p.parent_path(), line);
                if (!isImageFile(image))
                    throw InputError(entry + ":" + std::to_string(lineNo) + ": '" + line + "' is not an image file");
                out.push_back(image);
            }
        } else if (fs::is_regular_file(p) && isImageFile(p)) {
            out.push_back(p.lexically_normal().string());
        } else {
            throw InputError(origin + ": " + entry + " is neither an image directory, a .txt list nor an image");
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (out.empty())
        throw InputError(origin + ": no images found");
    return out;
}

std::string labelPathFor(const std::string& imagePath)
{
    std::string s = imagePath;
    const std::string sa = "/images/", sb = "/labels/";
    if (const size_t pos = s.rfind(sa); pos != std::string::npos)
        s.replace(pos, sa.size(), sb);
    const size_t slash = s.find_last_of('/');
    const size_t dot = s.find_last_of('.');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
        s.erase(dot);
    return s + ".txt";
}

} // namespace retort
