// safetensors file → CheckpointFiles::open (header JSON, dtypes, shapes, offsets, overlaps).
// The input is the whole model.safetensors; every tensor the reader accepts is read end to end,
// so an offset that escapes the mapping is an ASan report, not a silent wrong read.
#include <filesystem>

#include "fuzz_support.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    static const std::string dir = [] {
        const std::string d = fuzz::scratchDir() + "/single";
        std::filesystem::create_directories(d);
        return d;
    }();
    fuzz::writeScratch("single/model.safetensors", fuzz::asText(data, size));
    return fuzz::refusalsAreFine([&] {
        const CheckpointFiles files = CheckpointFiles::open(dir);
        unsigned sum = 0;
        for (const auto& [name, info] : files.all()) {
            for (size_t i = 0; i < info->bytes; ++i) sum += info->data[i];
            (void)storageDTypeName(info->dtype);
        }
        volatile unsigned sink = sum;
        (void)sink;
    });
}
