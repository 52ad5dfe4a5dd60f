// Chat messages JSON (as the API receives them) → parseChatJson in server mode (only data: URIs;
// local files refused), then renderGlmChat with each template option. Images inside data: URIs go
// through the real decoder with a small pixel budget.
#include "fuzz_support.h"
#include "sightline/chat.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    DecodeOptions decode;
    decode.maxPixels = int64_t(1) << 20;  // a bigger image only costs time, not coverage
    return fuzz::refusalsAreFine([&] {
        const auto messages =
            parseChatJson(std::string(fuzz::asText(data, size)), fuzz::scratchDir(), decode, "this server does not read local files");
        for (bool generationPrompt : {true, false})
            for (bool thinking : {true, false}) (void)renderGlmChat(messages, ChatTemplateOptions{generationPrompt, thinking});
        for (const auto& m : messages) (void)roleName(m.role);
    });
}
