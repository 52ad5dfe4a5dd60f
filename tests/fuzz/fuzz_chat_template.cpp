// A chat template from a checkpoint (chat_template.jinja is untrusted: checkpoints come from the
// internet) → ChatTemplate::parse, then render with a conversation that has every kind of turn
// (system, user with an image, assistant with reasoning and tool calls, tool results) and tools.
// Limits are smaller than the engine's so a hostile loop ends in milliseconds, not seconds; the
// engine's limits are the same code with larger numbers.
#include "fuzz_support.h"
#include "sightline/chat_template.h"
#include "sightline/untrusted.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    static const nlohmann::ordered_json variables = parseOrderedJsonLimited(R"({
      "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "image"}, {"image": "a.png"}, {"type": "text", "text": "What is this? é 中"}]},
        {"role": "assistant", "content": "<think>hm</think>A cat.", "reasoning_content": "hm",
         "tool_calls": [{"id": "c0", "type": "function", "function": {"name": "crop", "arguments": {"box": [1, 2.5], "s": "x"}}}]},
        {"role": "tool", "tool_call_id": "c0", "content": [{"type": "text", "text": "done"}, {"type": "image"}]},
        {"role": "tool", "content": "plain"},
        {"role": "user", "content": "More/nothink"}],
      "tools": [{"type": "function", "function": {"name": "crop", "description": "Crop", "parameters": {"type": "object",
                 "properties": {"box": {"type": "array"}}}}}],
      "documents": null, "add_generation_prompt": true, "enable_thinking": false,
      "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"})");
    ChatTemplateLimits limits;
    limits.maxOutputBytes = 1 << 20;
    limits.maxWorkBytes = 32 << 20;
    limits.maxSteps = 200'000;
    return fuzz::refusalsAreFine([&] {
        const auto t = ChatTemplate::parse(std::string(fuzz::asText(data, size)), "fuzz.jinja");
        (void)t->render(variables, limits);
    });
}
