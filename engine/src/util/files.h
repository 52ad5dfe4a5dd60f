// Small file helpers shared inside the engine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sightline::util {

// Whole file as text / bytes; throws Error(BadInput) naming the path.
std::string readTextFile(const std::string& path);
std::vector<uint8_t> readBinaryFile(const std::string& path, int64_t maxBytes);
bool fileExists(const std::string& path);
std::string joinPath(const std::string& dir, const std::string& name);
std::string dirName(const std::string& path);

}  // namespace sightline::util
