// Shared pieces of the libFuzzer targets (tests/fuzz/fuzz_*.cpp).
//
// Contract of every target: it feeds the fuzzer's bytes to the real parser. A thrown
// sightline::Error or nlohmann::json::exception is the parser refusing bad input, which is fine;
// anything else (a sanitizer report, another exception escaping, a hang, an allocation over
// libFuzzer's -malloc_limit_mb) is a finding.
//
// Threads: libFuzzer calls LLVMFuzzerTestOneInput from one thread; the scratch folder below is
// per process, so parallel jobs (-jobs=N) do not share files.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sightline/error.h"

namespace sightline::fuzz {

// A per-process scratch folder (in /dev/shm when there is one: parsers that read files run at
// memory speed; under $SIGHTLINE_FUZZ_SCRATCH when set). Removed when the process exits normally; a
// crash leaves it, and tools/fuzz.sh removes its whole SIGHTLINE_FUZZ_SCRATCH after the run.
class ScratchDir {
public:
    ScratchDir() {
        namespace fs = std::filesystem;
        const char* tmp = std::getenv("TMPDIR");
        const char* chosen = std::getenv("SIGHTLINE_FUZZ_SCRATCH");  // tools/fuzz.sh: removed after the run
        const fs::path base = chosen && *chosen              ? fs::path(chosen)
                              : fs::is_directory("/dev/shm") ? fs::path("/dev/shm")
                                                             : fs::path(tmp && *tmp ? tmp : "/tmp");
        m_path = (base / "sightline-fuzz-XXXXXX").string();
        if (!mkdtemp(m_path.data())) std::abort();
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

inline const std::string& scratchDir() {
    static const ScratchDir dir;
    return dir.path();
}

// Writes bytes to scratchDir()/name (replacing it) and returns the full path.
inline std::string writeScratch(const std::string& name, std::string_view bytes) {
    const std::string path = scratchDir() + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) std::abort();  // the harness, not the parser, failed
    return path;
}

inline std::string readWhole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) std::abort();
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::string_view asText(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Runs body; the parser's own refusals (sightline::Error, json::exception) end the input quietly.
template <typename Body>
int refusalsAreFine(Body&& body) {
    try {
        body();
    } catch (const sightline::Error&) {
    } catch (const nlohmann::json::exception&) {
    }
    return 0;
}

}  // namespace sightline::fuzz

// The folder holding the committed seed files (set by tests/fuzz/CMakeLists.txt): targets that
// need a fixed companion file (a tokenizer, a shard) read it from there.
#ifndef SIGHTLINE_FUZZ_DIR
#error "SIGHTLINE_FUZZ_DIR must name tests/fuzz"
#endif
