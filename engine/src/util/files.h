// Small file helpers shared inside the engine. Every file the engine reads may come from outside:
// only regular files are read (a FIFO, a device like /dev/zero or a folder is refused without
// blocking), and the size is checked against a cap before a byte is read.
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sightline::util {

// Largest text file (config, tokenizer, index JSON) the engine reads: real ones are below 20 MB.
inline constexpr int64_t kMaxTextFileBytes = int64_t(256) << 20;

// How a failure to open is reported.
enum class FileErrors {
    Detailed,  // "cannot open PATH (No such file or directory)", "PATH is a folder, not a file", ...
    Uniform,   // one text, "cannot read PATH", for missing, unreadable and non-regular files alike:
               // a server must not tell a client which paths exist or what they are
};

// Whole file as text / bytes; throws Error(BadInput) naming the path (and, for a file over the cap,
// the cap). Never blocks on a FIFO and never reads more than maxBytes.
std::string readTextFile(const std::string& path, int64_t maxBytes = kMaxTextFileBytes);
std::vector<uint8_t> readBinaryFile(const std::string& path, int64_t maxBytes, FileErrors errors = FileErrors::Detailed);
bool fileExists(const std::string& path);  // a regular file (symlinks followed)
std::string joinPath(const std::string& dir, const std::string& name);
std::string dirName(const std::string& path);

}  // namespace sightline::util
