#include "sightline/request_rules.h"

#include <cmath>
#include <cstdio>

#include "sightline/boxes.h"
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

ContentPart videoFilePart(const std::string& path) {
    ContentPart p;
    p.type = ContentPart::Type::Video;
    p.video = std::make_shared<const VideoSource>(videoSourceFromFile(path));
    p.imageSource = path;
    return p;
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

namespace sightline {

nlohmann::json groundingBoxesJson(std::string_view answer, const std::vector<std::array<int, 2>>& imageSizes) {
    const GroundingResult r = parseGroundingBoxes(answer, static_cast<int>(imageSizes.size()));
    if (r.boxes.empty() && r.notes.empty()) return nullptr;
    nlohmann::json boxes = nlohmann::json::array();
    for (const auto& b : r.boxes) {
        nlohmann::json e = {{"bbox_2d", {b.box[0], b.box[1], b.box[2], b.box[3]}}, {"label", b.label}, {"image", b.image}};
        // An ambiguous box is drawn on the last image; its pixels are given for that one.
        const int img = b.image >= 0 ? b.image : static_cast<int>(imageSizes.size()) - 1;
        if (img >= 0 && img < static_cast<int>(imageSizes.size())) {
            const auto px = boxToPixels(b, imageSizes[size_t(img)][0], imageSizes[size_t(img)][1]);
            e["bbox_pixels"] = {px[0], px[1], px[2], px[3]};
        }
        boxes.push_back(e);
    }
    return {{"boxes", boxes}, {"notes", r.notes}};
}

std::vector<std::array<int, 2>> imageSizesOf(const std::vector<ChatMessage>& messages) {
    std::vector<std::array<int, 2>> sizes;
    for (const auto& m : messages)
        for (const auto& p : m.content)
            if (p.type == ContentPart::Type::Image && p.image) sizes.push_back({p.image->width, p.image->height});
    return sizes;
}

}  // namespace sightline
