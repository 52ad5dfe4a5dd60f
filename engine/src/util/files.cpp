#include "util/files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sightline/error.h"

namespace sightline::util {

std::string readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throwBadInput("cannot open " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<uint8_t> readBinaryFile(const std::string& path, int64_t maxBytes) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throwBadInput(path + " is a folder, not a file");
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throwBadInput("cannot open " + path);
    const auto size = static_cast<int64_t>(in.tellg());
    if (size < 0) throwBadInput("cannot read " + path);
    if (size > maxBytes)
        throwBadInput(path + " is " + std::to_string(size) + " bytes, over the limit of " + std::to_string(maxBytes));
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    in.seekg(0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) throwBadInput("cannot read " + path);
    return bytes;
}

bool fileExists(const std::string& path) {
    std::error_code ec;
    return std::filesystem::is_regular_file(path, ec);
}

std::string joinPath(const std::string& dir, const std::string& name) {
    return (std::filesystem::path(dir) / name).string();
}

std::string dirName(const std::string& path) {
    return std::filesystem::path(path).parent_path().string();
}

}  // namespace sightline::util
