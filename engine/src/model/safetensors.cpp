#include "model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "sightline/error.h"
#include "sightline/untrusted.h"
#include "util/files.h"

namespace sightline {

size_t storageDTypeSize(StorageDType t) {
    switch (t) {
        case StorageDType::F64:
        case StorageDType::I64:
            return 8;
        case StorageDType::F32:
        case StorageDType::I32:
            return 4;
        case StorageDType::F16:
        case StorageDType::BF16:
            return 2;
        case StorageDType::U8:
        case StorageDType::I8:
        case StorageDType::Bool:
            return 1;
    }
    return 1;
}

const char* storageDTypeName(StorageDType t) {
    switch (t) {
        case StorageDType::F64:
            return "F64";
        case StorageDType::F32:
            return "F32";
        case StorageDType::F16:
            return "F16";
        case StorageDType::BF16:
            return "BF16";
        case StorageDType::I64:
            return "I64";
        case StorageDType::I32:
            return "I32";
        case StorageDType::U8:
            return "U8";
        case StorageDType::I8:
            return "I8";
        case StorageDType::Bool:
            return "BOOL";
    }
    return "?";
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
    std::shared_ptr<SafetensorsFile> f(new SafetensorsFile());
    f->m_path = path;
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);  // a FIFO must not block the open
    if (fd < 0) throwBadInput(path + ": cannot open (" + std::strerror(errno) + ")");
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throwBadInput(path + ": not a regular file");
    }
    f->m_size = static_cast<size_t>(st.st_size);
    if (f->m_size < 8) {
        ::close(fd);
        throwBadInput(path + ": truncated safetensors file (" + std::to_string(f->m_size) + " bytes, no header)");
    }
    f->m_map = mmap(nullptr, f->m_size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (f->m_map == MAP_FAILED) {
        f->m_map = nullptr;
        throwBadInput(path + ": cannot memory-map (" + std::strerror(errno) + ")");
    }
    const auto* base = static_cast<const uint8_t*>(f->m_map);
    uint64_t headerLen = 0;
    std::memcpy(&headerLen, base, 8);  // little-endian u64 (x86-64 / aarch64)
    if (headerLen > f->m_size - 8 || headerLen > (uint64_t(100) << 20))
        throwBadInput(path + ": header length " + std::to_string(headerLen) + " runs past the end of the file (truncated?)");
    nlohmann::json header;
    try {
        header = parseJsonLimited(std::string_view(reinterpret_cast<const char*>(base + 8), static_cast<size_t>(headerLen)));
    } catch (const nlohmann::json::exception& e) {
        throwBadInput(path + ": malformed safetensors header JSON: " + e.what());
    }
    if (!header.is_object()) throwBadInput(path + ": safetensors header is not a JSON object");
    const size_t dataStart = 8 + headerLen;
    const size_t dataSize = f->m_size - dataStart;
    std::vector<std::pair<size_t, size_t>> ranges;
    for (auto& [name, v] : header.items()) {
        if (name == "__metadata__") {
            if (v.is_object())
                for (auto& [k, mv] : v.items())
                    if (mv.is_string()) f->metadata[k] = mv.get<std::string>();
            continue;
        }
        const std::string where = path + ": tensor \"" + name + "\"";
        if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
            throwBadInput(where + " lacks dtype / shape / data_offsets");
        TensorInfo t;
        t.name = name;
        t.file = path;
        const std::string dt = v["dtype"].is_string() ? v["dtype"].get<std::string>() : "";
        static const std::map<std::string, StorageDType> kDtypes = {
            {"F32", StorageDType::F32}, {"F16", StorageDType::F16},   {"BF16", StorageDType::BF16},
            {"I64", StorageDType::I64}, {"I32", StorageDType::I32},   {"U8", StorageDType::U8},
            {"I8", StorageDType::I8},   {"BOOL", StorageDType::Bool}, {"F64", StorageDType::F64}};
        auto it = kDtypes.find(dt);
        if (it == kDtypes.end()) throwBadInput(where + " has unsupported dtype \"" + dt + "\"");
        t.dtype = it->second;
        if (!v["shape"].is_array() || v["shape"].size() > 8) throwBadInput(where + " has a bad shape");
        uint64_t count = 1;
        for (const auto& d : v["shape"]) {
            const std::optional<int64_t> n = jsonInt64(d);
            if (!n || *n < 0) throwBadInput(where + " has a bad shape");
            t.shape.push_back(*n);
            // The element count must not wrap: a wrapped count could match a small data range.
            if (__builtin_mul_overflow(count, static_cast<uint64_t>(*n), &count))
                throwBadInput(where + " has a shape too large to address");
        }
        uint64_t needBytes = 0;
        if (__builtin_mul_overflow(count, static_cast<uint64_t>(storageDTypeSize(t.dtype)), &needBytes))
            throwBadInput(where + " has a shape too large to address");
        const auto& off = v["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            throwBadInput(where + " has malformed data_offsets");
        const auto b = off[0].get<uint64_t>(), e = off[1].get<uint64_t>();
        if (b > e || e > dataSize)
            throwBadInput(where + " has data_offsets [" + std::to_string(b) + ", " + std::to_string(e) + "] outside the file's " +
                          std::to_string(dataSize) + " data bytes (truncated file?)");
        if (e - b != needBytes)
            throwBadInput(where + ": shape and dtype need " + std::to_string(needBytes) + " bytes but data_offsets give " +
                          std::to_string(e - b));
        t.data = base + dataStart + b;
        t.bytes = e - b;
        ranges.emplace_back(b, e);
        f->m_tensors.emplace(name, std::move(t));
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].first < ranges[i - 1].second) throwBadInput(path + ": tensors overlap in the data section");
    return f;
}

SafetensorsFile::~SafetensorsFile() {
    if (m_map) munmap(m_map, m_size);
}

CheckpointFiles CheckpointFiles::open(const std::string& modelDir) {
    CheckpointFiles c;
    const std::string single = util::joinPath(modelDir, "model.safetensors");
    const std::string index = util::joinPath(modelDir, "model.safetensors.index.json");
    if (util::fileExists(index)) {
        nlohmann::json j;
        try {
            j = parseJsonLimited(util::readTextFile(index));
        } catch (const nlohmann::json::exception& e) {
            throwBadInput(index + ": malformed JSON: " + e.what());
        }
        if (!j.contains("weight_map") || !j["weight_map"].is_object()) throwBadInput(index + ": no \"weight_map\" object");
        std::map<std::string, std::shared_ptr<SafetensorsFile>> shards;
        for (auto& [name, file] : j["weight_map"].items()) {
            if (!file.is_string()) throwBadInput(index + ": weight_map entry for \"" + name + "\" is not a file name");
            const std::string shard = file.get<std::string>();
            if (shard.find('/') != std::string::npos || shard.find("..") != std::string::npos)
                throwBadInput(index + ": shard name \"" + shard + "\" leaves the model folder");
            auto& sf = shards[shard];
            if (!sf) {
                const std::string p = util::joinPath(modelDir, shard);
                if (!util::fileExists(p)) throwBadInput(index + " names shard " + shard + ", which is missing");
                sf = SafetensorsFile::open(p);
                c.m_files.push_back(sf);
            }
            auto it = sf->tensors().find(name);
            if (it == sf->tensors().end())
                throwBadInput(index + " puts tensor \"" + name + "\" in " + shard + ", which does not contain it");
            c.m_index[name] = &it->second;
        }
        for (const auto& f : c.m_files)
            for (const auto& [name, info] : f->tensors())
                if (!c.m_index.count(name)) c.m_index[name] = &info;  // present in a shard but not indexed
    } else if (util::fileExists(single)) {
        c.m_files.push_back(SafetensorsFile::open(single));
        for (const auto& [name, info] : c.m_files.back()->tensors()) c.m_index[name] = &info;
    } else {
        throwBadInput(modelDir + " has neither model.safetensors nor model.safetensors.index.json");
    }
    return c;
}

const TensorInfo* CheckpointFiles::find(const std::string& name) const {
    auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : it->second;
}

std::vector<std::string> CheckpointFiles::files() const {
    std::vector<std::string> out;
    for (const auto& f : m_files) out.push_back(f->path());
    return out;
}

}  // namespace sightline
