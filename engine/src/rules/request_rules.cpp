#include "sightline/request_rules.h"

#include <cmath>
#include <cstdio>

#include "sightline/thinking.h"

namespace sightline {

namespace {

std::string fmt(double v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

std::optional<std::string> generationParamsError(const GenerationParams& p) {
    using L = GenerationLimits;
    const SamplingParams& s = p.sampling;
    // !(in range) rather than (out of range): NaN breaks every rule.
    if (!(s.temperature >= 0 && s.temperature <= L::kTemperatureMax))
        return "temperature must be between 0 and " + fmt(L::kTemperatureMax) + ", got " + fmt(s.temperature);
    if (!(s.topP > 0 && s.topP <= 1)) return "top_p must be in (0, 1], got " + fmt(s.topP);
    if (s.topK < 0 || s.topK > L::kTopKMax)
        return "top_k must be between 0 (off) and " + fmt(double(L::kTopKMax)) + ", got " + std::to_string(s.topK);
    if (!(s.repetitionPenalty >= L::kRepetitionPenaltyMin && s.repetitionPenalty <= L::kRepetitionPenaltyMax))
        return "repetition_penalty must be between " + fmt(L::kRepetitionPenaltyMin) + " and " + fmt(L::kRepetitionPenaltyMax) + ", got " +
               fmt(s.repetitionPenalty);
    if (p.maxNewTokens < 1 || p.maxNewTokens > L::kMaxNewTokensMax)
        return "max_new_tokens must be between 1 and " + fmt(double(L::kMaxNewTokensMax)) + ", got " + std::to_string(p.maxNewTokens);
    if (p.maxImagePixels < 0) return "max_image_pixels must be >= 0 (0: the checkpoint's limit), got " + std::to_string(p.maxImagePixels);
    if (p.topLogprobs < 0 || p.topLogprobs > 20) return "top_logprobs must be between 0 and 20, got " + std::to_string(p.topLogprobs);
    return std::nullopt;
}

void validateGenerationParams(const GenerationParams& p) {
    if (auto e = generationParamsError(p)) throwBadInput(*e);
}

DType autoDType(DeviceKind device) {
    return device == DeviceKind::Cuda ? DType::BFloat16 : DType::Float32;
}

std::optional<DType> resolveDType(const std::string& name, DeviceKind device) {
    if (name == "auto") return autoDType(device);
    return parseDType(name);
}

ContentPart imagePart(std::shared_ptr<const RgbImage> image, std::string source) {
    ContentPart p;
    p.type = ContentPart::Type::Image;
    p.image = std::move(image);
    p.imageSource = std::move(source);
    return p;
}

ContentPart imageFilePart(const std::string& path) {
    return imagePart(std::make_shared<RgbImage>(decodeImageFile(path)), path);
}

ChatMessage buildMessage(Role role, std::string text, std::vector<ContentPart> images) {
    ChatMessage m;
    m.role = role;
    if (role == Role::Assistant) {
        ThinkingSplit t = splitThinking(text);
        m.reasoning = std::move(t.reasoning);
        text = std::move(t.answer);
    }
    m.content = std::move(images);
    ContentPart t;
    t.text = std::move(text);
    m.content.push_back(std::move(t));
    return m;
}

nlohmann::json requestStatsJson(const RequestStats& s) {
    return {{"preprocess_ms", s.preprocessMs},
            {"vision_ms", s.visionMs},
            {"prefill_ms", s.prefillMs},
            {"ttft_ms", s.ttftMs},
            {"decode_ms", s.decodeMs},
            {"total_ms", s.totalMs},
            {"prefill_tokens_per_s", s.prefillTokensPerS},
            {"decode_tokens_per_s", s.decodeTokensPerS},
            {"prompt_tokens", s.promptTokens},
            {"cached_prompt_tokens", s.cachedPromptTokens},
            {"image_tokens", s.imageTokens},
            {"images_from_cache", s.imagesFromCache},
            {"generated_tokens", s.generatedTokens},
            {"peak_memory_bytes", s.peakMemoryBytes},
            {"device", s.device}};
}

}  // namespace sightline
