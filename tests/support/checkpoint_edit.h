// Writes modified copies of a checkpoint folder for the bad-input tests.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/safetensors.h"
#include "test_support.h"

namespace sightline::test {

struct RawTensor {
    std::string dtype;
    std::vector<int64_t> shape;
    std::string bytes;
};

inline std::map<std::string, RawTensor> readRawTensors(const std::string& path) {
    auto f = SafetensorsFile::open(path);
    std::map<std::string, RawTensor> out;
    for (const auto& [name, t] : f->tensors())
        out[name] = {storageDTypeName(t.dtype), t.shape, std::string(reinterpret_cast<const char*>(t.data), t.bytes)};
    return out;
}

inline void writeRawTensors(const std::string& path, const std::map<std::string, RawTensor>& tensors,
                            const std::function<void(nlohmann::json&)>& editHeader = {}) {
    nlohmann::json header = nlohmann::json::object();
    std::string data;
    for (const auto& [name, t] : tensors) {
        header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
        data += t.bytes;
    }
    if (editHeader) editHeader(header);
    std::string h = header.dump();
    while (h.size() % 8) h += ' ';
    const uint64_t n = h.size();
    std::string out(reinterpret_cast<const char*>(&n), 8);
    writeFile(path, out + h + data);
}

// A fresh copy of fixtures/<name> in a temporary folder.
inline std::string copyCheckpoint(const std::string& name, const std::string& tag) {
    namespace fs = std::filesystem;
    const fs::path dst = scratchDir("sightline-test", tag);
    for (const auto& e : fs::directory_iterator(fixturesDir() + "/" + name)) {
        fs::copy_file(e.path(), dst / e.path().filename());
        fs::permissions(dst / e.path().filename(), fs::perms::owner_read | fs::perms::owner_write);
    }
    return dst.string();
}

inline void editJson(const std::string& path, const std::function<void(nlohmann::json&)>& edit) {
    auto j = readJson(path);
    edit(j);
    writeFile(path, j.dump(2));
}

}  // namespace sightline::test
