// The checkpoint's config files → ModelConfig.
// First byte chooses what the rest of the input is:
//   0: config.json text for parseModelConfigJson alone;
//   1, 2, 3: config.json / generation_config.json / preprocessor_config.json of a folder whose
//            other two files are the tiny fixture's (tests/fuzz/data), read by loadModelConfig.
#include <filesystem>

#include "fuzz_support.h"
#include "sightline/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    static const char* const kFiles[] = {"config.json", "generation_config.json", "preprocessor_config.json"};
    static const std::string dir = [] {
        const std::string d = fuzz::scratchDir() + "/config";
        std::filesystem::create_directories(d);
        return d;
    }();
    if (size < 1) return 0;
    const int mode = data[0] % 4;
    const std::string text(fuzz::asText(data + 1, size - 1));
    return fuzz::refusalsAreFine([&] {
        if (mode == 0) {
            (void)parseModelConfigJson(text, "config.json");
            return;
        }
        for (int i = 0; i < 3; ++i)
            fuzz::writeScratch(std::string("config/") + kFiles[i],
                               i == mode - 1 ? text : fuzz::readWhole(std::string(SIGHTLINE_FUZZ_DIR "/data/") + kFiles[i]));
        const ModelConfig c = loadModelConfig(dir);
        (void)c;
    });
}
