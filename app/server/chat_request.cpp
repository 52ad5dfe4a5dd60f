#include "chat_request.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "sightline/error.h"
#include "sightline/request_rules.h"

namespace sightline::server {

namespace {

using json = nlohmann::ordered_json;

bool present(const json& r, const char* key) {
    return r.contains(key) && !r[key].is_null();
}

std::optional<bool> boolean(const json& r, const char* key, const std::string& where = {}) {
    if (!present(r, key)) return std::nullopt;
    if (!r[key].is_boolean()) throwBadInput(where + key + " must be true or false");
    return r[key].get<bool>();
}

const json* object(const json& r, const char* key) {
    if (!present(r, key)) return nullptr;
    if (!r[key].is_object()) throwBadInput(std::string(key) + " must be an object");
    return &r[key];
}

std::vector<std::string> stopStrings(const json& r) {
    std::vector<std::string> out;
    if (!present(r, "stop")) return out;
    const json& s = r["stop"];
    if (s.is_string()) {
        out.push_back(s.get<std::string>());
    } else if (s.is_array()) {
        for (const auto& x : s) {
            if (!x.is_string()) throwBadInput("stop must be a string or a list of strings");
            out.push_back(x.get<std::string>());
        }
    } else {
        throwBadInput("stop must be a string or a list of strings");
    }
    if (out.size() > 4) throwBadInput("at most 4 stop strings");
    out.erase(std::remove(out.begin(), out.end(), std::string()), out.end());
    return out;
}

}  // namespace

ChatRequest parseChatRequest(const json& r, const GenerationParams& defaults) {
    if (!r.is_object()) throwBadInput("the body must be a JSON object");
    if (!r.contains("messages") || !r["messages"].is_array() || r["messages"].empty()) throwBadInput("messages must be a non-empty list");
    if (present(r, "model") && !r["model"].is_string()) throwBadInput("model must be a string");
    ChatRequest c;
    c.stream = boolean(r, "stream").value_or(false);
    if (const json* so = object(r, "stream_options")) c.includeUsage = boolean(*so, "include_usage", "stream_options.").value_or(false);
    c.returnTokenIds = boolean(r, "return_token_ids").value_or(false);

    GenerationParams& p = c.params;
    p = defaults;
    auto number = [&](const char* key, double lo, double hi, bool integer = false) -> std::optional<double> {
        if (!present(r, key)) return std::nullopt;
        if (!r[key].is_number() || (integer && !r[key].is_number_integer()))
            throwBadInput(std::string(key) + (integer ? " must be an integer" : " must be a number"));
        const double v = r[key].get<double>();
        if (!(v >= lo && v <= hi)) {
            char range[96];
            std::snprintf(range, sizeof range, " must be between %g and %g", lo, hi);
            throwBadInput(key + std::string(range));
        }
        return v;
    };
    // Ranges are the shared ones (sightline/request_rules.h), checked here to name the field the client
    // sent; validateGenerationParams below applies the rest (top_p 0 is an error, as everywhere).
    using L = GenerationLimits;
    if (auto v = number("temperature", 0, L::kTemperatureMax)) p.sampling.temperature = *v;
    if (auto v = number("top_p", 0, 1)) p.sampling.topP = *v;
    if (auto v = number("top_k", 0, static_cast<double>(L::kTopKMax), true)) p.sampling.topK = static_cast<int64_t>(*v);
    if (auto v = number("repetition_penalty", L::kRepetitionPenaltyMin, L::kRepetitionPenaltyMax)) p.sampling.repetitionPenalty = *v;
    if (auto v = number("seed", 0, 1.8e19, true)) p.sampling.seed = static_cast<uint64_t>(*v);
    const double maxTokens = static_cast<double>(L::kMaxNewTokensMax);
    if (auto v = number("max_tokens", 1, maxTokens, true)) p.maxNewTokens = static_cast<int64_t>(*v);
    if (auto v = number("max_completion_tokens", 1, maxTokens, true)) p.maxNewTokens = static_cast<int64_t>(*v);
    if (auto v = number("max_image_pixels", 0, 1e12, true)) p.maxImagePixels = static_cast<int64_t>(*v);
    if (present(r, "n") && !(r["n"].is_number_integer() && r["n"].get<int64_t>() == 1))
        throwBadInput("n must be 1 (one answer per request; send several requests, they are decoded together)");
    const auto topLogprobs = number("top_logprobs", 0, 20, true);
    if (boolean(r, "logprobs").value_or(false)) p.topLogprobs = std::max(1, static_cast<int>(topLogprobs.value_or(1)));
    if (auto v = boolean(r, "ignore_eos")) p.ignoreEos = *v;  // vLLM's extension
    if (const json* k = object(r, "chat_template_kwargs"))
        if (auto v = boolean(*k, "enable_thinking", "chat_template_kwargs.")) {
            p.enableThinking = *v;
            p.enableThinkingSet = true;  // passed to the chat template as sent
        }
    c.stops = stopStrings(r);
    validateGenerationParams(p);  // the checkpoint's defaults too: a broken generation_config.json is refused here
    return c;
}

}  // namespace sightline::server
