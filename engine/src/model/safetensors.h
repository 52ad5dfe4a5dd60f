// Memory-mapped safetensors reader (torch-free). Validates the header fully before any tensor is
// used: JSON layout, dtypes, shapes vs byte sizes, offsets inside the file, no overlaps.
// A SafetensorsFile is immutable after open() and may be read from several threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sightline {

enum class StorageDType { F32, F16, BF16, I64, I32, U8, I8, Bool, F64 };
size_t storageDTypeSize(StorageDType t);
const char* storageDTypeName(StorageDType t);

struct TensorInfo {
    std::string name;
    StorageDType dtype = StorageDType::F32;
    std::vector<int64_t> shape;
    const uint8_t* data = nullptr;  // into the mapping
    size_t bytes = 0;
    std::string file;
};

class SafetensorsFile {
public:
    // Throws Error(BadInput) naming the file for every malformed or truncated input.
    static std::shared_ptr<SafetensorsFile> open(const std::string& path);
    ~SafetensorsFile();
    const std::map<std::string, TensorInfo>& tensors() const { return m_tensors; }
    const std::string& path() const { return m_path; }
    std::map<std::string, std::string> metadata;

private:
    SafetensorsFile() = default;
    std::string m_path;
    void* m_map = nullptr;
    size_t m_size = 0;
    std::map<std::string, TensorInfo> m_tensors;
};

// A checkpoint folder's tensors: model.safetensors, or the shards named by
// model.safetensors.index.json (every shard must exist and hold what the index says).
class CheckpointFiles {
public:
    static CheckpointFiles open(const std::string& modelDir);
    const TensorInfo* find(const std::string& name) const;
    const std::map<std::string, const TensorInfo*>& all() const { return m_index; }
    std::vector<std::string> files() const;

private:
    std::vector<std::shared_ptr<SafetensorsFile>> m_files;
    std::map<std::string, const TensorInfo*> m_index;
};

}  // namespace sightline
