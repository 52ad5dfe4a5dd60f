// The rules every front end (sightline-cli, sightline-bench, the local API, the window, the
// moderation queue) applies to a request before it reaches the scheduler, written once:
// - generation parameters: one set of ranges and one message per rule;
// - the "auto" dtype of a device;
// - building image+text messages;
// - the JSON schema of a request's statistics (docs/api.md, "Statistics").
// The thinking split is in sightline/thinking.h. Torch-free (sightline_core); pure; any thread.
#pragma once

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sightline/engine.h"

namespace sightline {

// Ranges of GenerationParams (names as in the API and the settings file).
struct GenerationLimits {
    static constexpr double kTemperatureMax = 2.0;         // temperature in [0, 2]; 0 = greedy
    static constexpr int64_t kTopKMax = 1'000'000;         // top_k in [0, 1e6]; 0 = off
    static constexpr double kRepetitionPenaltyMin = 0.01;  // repetition_penalty in [0.01, 10]
    static constexpr double kRepetitionPenaltyMax = 10.0;
    static constexpr int64_t kMaxNewTokensMax = 1'000'000'000;  // max_new_tokens in [1, 1e9]
    // top_p in (0, 1]: 0 would keep no token (an error, as in vLLM and transformers), not "off".
};

// The first rule `params` break, as "top_p must be in (0, 1], got 0", or nothing.
std::optional<std::string> generationParamsError(const GenerationParams& params);
// Throws Error(BadInput) with generationParamsError's message.
void validateGenerationParams(const GenerationParams& params);

// The dtype "auto" means on a device: bfloat16 on CUDA, float32 on the CPU (where bf16 matmuls are
// slow and parity is checked in f32).
DType autoDType(DeviceKind device);
// "auto" or a dtype name (parseDType's); nothing for an unknown name.
std::optional<DType> resolveDType(const std::string& name, DeviceKind device);

// One image of a message: decoded pixels and where they came from (a path, for history and errors).
ContentPart imagePart(std::shared_ptr<const RgbImage> image, std::string source = {});
// Reads and decodes a file (decodeImageFile's checks); throws Error(BadInput) naming it.
ContentPart imageFilePart(const std::string& path);
// A video file, probed (frame count, rate, size); its frames are decoded when a request is
// prepared, as the model's video processor samples them (sightline/video.h).
ContentPart videoFilePart(const std::string& path);
// A message of images then text, the order every front end uses (the GLM format puts an image's
// tokens before the question). An assistant turn's "<think>…</think>" is split into `reasoning`
// and the answer by splitThinking, so history renders the same whoever built it.
ChatMessage buildMessage(Role role, std::string text, std::vector<ContentPart> images = {});

// A finished request's statistics as JSON, the one schema (docs/api.md "Statistics"):
// preprocess_ms, vision_ms, prefill_ms, ttft_ms, decode_ms, total_ms, prefill_tokens_per_s,
// decode_tokens_per_s, prompt_tokens, cached_prompt_tokens, image_tokens, images_from_cache,
// generated_tokens, peak_memory_bytes, device.
nlohmann::json requestStatsJson(const RequestStats& stats);

// The grounding boxes of an answer (sightline/boxes.h) as the API's `boxes` field and `ask --json`
// give them (docs/api.md): [{"bbox_2d": [x1,y1,x2,y2] on the 0–1000 grid, "label", "image" (0-based,
// -1 ambiguous), "bbox_pixels": [x1,y1,x2,y2] on that image's original size when known}], and the
// parser's notes. `imageSizes`: width × height of the conversation's images in order. Null when the
// answer has no boxes and no notes.
nlohmann::json groundingBoxesJson(std::string_view answer, const std::vector<std::array<int, 2>>& imageSizes);
// The images of `messages` in order, as width × height (for groundingBoxesJson).
std::vector<std::array<int, 2>> imageSizesOf(const std::vector<ChatMessage>& messages);

}  // namespace sightline
