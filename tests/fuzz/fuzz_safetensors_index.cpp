// model.safetensors.index.json → CheckpointFiles::open over two fixed, valid shards
// (tests/fuzz/data/shard-a.safetensors, shard-b.safetensors, copied into the folder once).
// The index decides which shard holds which tensor; every indexed tensor is read end to end.
#include <filesystem>

#include "fuzz_support.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    static const std::string dir = [] {
        const std::string d = fuzz::scratchDir() + "/sharded";
        std::filesystem::create_directories(d);
        for (const char* shard : {"shard-a.safetensors", "shard-b.safetensors"})
            fuzz::writeScratch(std::string("sharded/") + shard, fuzz::readWhole(std::string(SIGHTLINE_FUZZ_DIR "/data/") + shard));
        return d;
    }();
    fuzz::writeScratch("sharded/model.safetensors.index.json", fuzz::asText(data, size));
    return fuzz::refusalsAreFine([&] {
        const CheckpointFiles files = CheckpointFiles::open(dir);
        unsigned sum = 0;
        for (const auto& [name, info] : files.all())
            for (size_t i = 0; i < info->bytes; ++i) sum += info->data[i];
        for (const auto& f : files.files()) sum += static_cast<unsigned>(f.size());
        volatile unsigned sink = sum;
        (void)sink;
    });
}
