#include "remote_protocol.h"

// stb_image_write (Debian libstb-dev), compiled into this file only.
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb_image_write.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <fstream>

#include "sightline/error.h"
#include "sightline/thinking.h"
#include "sightline/untrusted.h"

namespace sightline::app {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& what) {
    throw Error(ErrorKind::Internal, "the remote server sent " + what);
}

const char* wireRole(Role role) {
    switch (role) {
        case Role::System:
            return "system";
        case Role::User:
            return "user";
        case Role::Assistant:
            return "assistant";
        case Role::Observation:
            return "tool";
    }
    return "user";
}

std::string base64(const std::string& bytes) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
        out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
    }
    if (i + 1 == bytes.size()) {
        const uint32_t v = uint8_t(bytes[i]) << 16;
        out += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == bytes.size()) {
        const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
        out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
    }
    return out;
}

void appendBytes(void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

FinishReason finishReason(const json& v) {
    return v.is_string() && v.get<std::string>() == "length" ? FinishReason::Length : FinishReason::Stop;
}

std::string stringField(const json& o, const char* key) {
    if (!o.is_object() || !o.contains(key) || o[key].is_null()) return {};
    if (!o[key].is_string()) bad(std::string("a \"") + key + "\" that is not a string");
    return o[key].get<std::string>();
}

}  // namespace

std::string encodePng(const RgbImage& image) {
    if (image.width <= 0 || image.height <= 0 || image.pixels.size() != size_t(image.width) * size_t(image.height) * 3)
        throw Error(ErrorKind::Internal, "cannot encode an empty image as PNG");
    std::string png;
    if (!stbi_write_png_to_func(appendBytes, &png, image.width, image.height, 3, image.pixels.data(), image.width * 3))
        throw Error(ErrorKind::Internal, "could not encode an image as PNG");
    return png;
}

std::string pngDataUri(const RgbImage& image) {
    return "data:image/png;base64," + base64(encodePng(image));
}

std::string videoDataUri(const VideoSource& video) {
    if (video.bytes) return "data:video/mp4;base64," + base64(std::string(video.bytes->begin(), video.bytes->end()));
    constexpr int64_t kMaxBytes = int64_t(256) << 20;  // a request body, not an upload service
    std::ifstream f(video.path, std::ios::binary | std::ios::ate);
    if (!f) throwBadInput("cannot read video " + video.path);
    const std::streamoff size = f.tellg();
    if (size < 0 || size > kMaxBytes) throwBadInput(video.path + ": over 256 MiB, too large to send to a remote server in one request");
    std::string bytes(static_cast<size_t>(size), '\0');
    f.seekg(0);
    if (!f.read(bytes.data(), size)) throwBadInput("cannot read video " + video.path);
    return "data:video/mp4;base64," + base64(bytes);
}

json chatRequestBody(const std::vector<ChatMessage>& messages, const GenerationParams& p, const std::string& model, bool stream) {
    json list = json::array();
    for (const ChatMessage& m : messages) {
        bool hasImage = false;
        for (const ContentPart& part : m.content) hasImage |= part.type != ContentPart::Type::Text;
        json msg = {{"role", wireRole(m.role)}};
        if (!hasImage) {
            std::string text;
            for (const ContentPart& part : m.content) text += part.text;
            msg["content"] = toValidUtf8(text);
        } else {
            json parts = json::array();
            for (const ContentPart& part : m.content) {
                if (part.type == ContentPart::Type::Image) {
                    if (!part.image) throwBadInput("an image part has no decoded image");
                    parts.push_back({{"type", "image_url"}, {"image_url", {{"url", pngDataUri(*part.image)}}}});
                } else if (part.type == ContentPart::Type::Video) {
                    // vLLM and SGLang take video_url data: URIs and sample the frames themselves.
                    if (!part.video) throwBadInput("a video part has no video");
                    parts.push_back({{"type", "video_url"}, {"video_url", {{"url", videoDataUri(*part.video)}}}});
                } else if (!part.text.empty()) {
                    parts.push_back({{"type", "text"}, {"text", toValidUtf8(part.text)}});
                }
            }
            msg["content"] = parts;
        }
        list.push_back(std::move(msg));
    }
    json body = {{"model", model},
                 {"messages", list},
                 {"max_tokens", p.maxNewTokens},
                 {"temperature", p.sampling.temperature},
                 {"top_p", p.sampling.topP},
                 {"seed", p.sampling.seed},
                 {"chat_template_kwargs", {{"enable_thinking", p.enableThinking}}}};
    if (p.sampling.topK > 0) body["top_k"] = p.sampling.topK;
    if (p.sampling.repetitionPenalty != 1.0) body["repetition_penalty"] = p.sampling.repetitionPenalty;
    if (p.ignoreEos) body["ignore_eos"] = true;
    if (p.maxImagePixels > 0) body["max_image_pixels"] = p.maxImagePixels;
    if (stream) {
        body["stream"] = true;
        body["stream_options"] = {{"include_usage", true}};
    } else {
        body["logprobs"] = true;  // the moderation verdict's confidence is the verdict token's probability
        if (p.topLogprobs > 0) body["top_logprobs"] = p.topLogprobs;
    }
    body["return_token_ids"] = true;  // vLLM's extension (sightline serve: non-streamed answers only)
    return body;
}

json parseServerJson(std::string_view text, const std::string& what) {
    try {
        return parseJsonLimited(isValidUtf8(text) ? std::string(text) : toValidUtf8(text));
    } catch (const json::exception& e) {
        bad(what + " that is not valid JSON: " + e.what());
    }
}

static std::string errorDetail(const std::string& body) {
    std::string detail;
    try {
        const json j = parseJsonLimited(toValidUtf8(body));
        if (j.is_object() && j.contains("error")) {
            const json& e = j["error"];
            if (e.is_object() && e.contains("message") && e["message"].is_string())
                detail = e["message"].get<std::string>();
            else if (e.is_string())
                detail = e.get<std::string>();
        } else if (j.is_object() && j.contains("message") && j["message"].is_string()) {
            detail = j["message"].get<std::string>();
        } else if (j.is_object() && j.contains("detail") && j["detail"].is_string()) {
            detail = j["detail"].get<std::string>();  // FastAPI (vLLM, SGLang) errors
        }
    } catch (const json::exception&) {
        detail = toValidUtf8(body.substr(0, 300));
    }
    if (detail.size() > 500) detail = detail.substr(0, utf8CompletePrefix(std::string_view(detail).substr(0, 500))) + "…";
    return detail;
}

std::string serverErrorText(long status, const std::string& body) {
    const std::string detail = errorDetail(body);
    std::string out = "HTTP " + std::to_string(status);
    if (!detail.empty()) out += ": " + detail;
    return out;
}

void SseParser::throwTooLong() {
    bad("an event-stream line longer than " + std::to_string(kMaxSseLine >> 20) + " MiB");
}

void StreamAssembler::emit(std::string text, const TokenCallback& onToken) {
    if (text.empty()) return;
    m_result.text += text;
    TokenEvent ev;
    ev.tokenId = -1;
    ev.textDelta = std::move(text);
    if (onToken) onToken(ev);
    m_result.tokens.push_back(std::move(ev));
}

bool StreamAssembler::add(std::string_view payload, const TokenCallback& onToken) {
    if (payload == "[DONE]") {
        m_done = true;
        return false;
    }
    const json chunk = parseServerJson(payload, "a stream chunk");
    if (!chunk.is_object()) bad("a stream chunk that is not a JSON object");
    if (chunk.contains("error")) bad("an error in the stream: " + errorDetail(std::string(payload)));
    if (chunk.contains("usage") && chunk["usage"].is_object()) m_usage = chunk["usage"];
    if (chunk.contains("timings") && chunk["timings"].is_object()) m_timings = chunk["timings"];
    if (!chunk.contains("choices")) return true;
    const json& choices = chunk["choices"];
    if (!choices.is_array()) bad("a stream chunk whose choices is not a list");
    for (const json& c : choices) {
        if (!c.is_object()) bad("a stream choice that is not an object");
        if (c.contains("delta")) {
            const json& d = c["delta"];
            if (!d.is_object()) bad("a delta that is not an object");
            std::string reasoning = stringField(d, "reasoning_content");
            if (reasoning.empty()) reasoning = stringField(d, "reasoning");  // vLLM's newer name
            const std::string content = stringField(d, "content");
            if (!reasoning.empty() || !content.empty()) {
                if (m_firstEventS < 0) m_firstEventS = m_nowS;
                m_lastEventS = m_nowS;
                ++m_events;
            }
            if (!reasoning.empty()) {
                if (!m_inReasoning && m_result.text.empty()) {
                    emit("<think>", onToken);
                    m_inReasoning = true;
                }
                emit(std::move(reasoning), onToken);
            }
            if (!content.empty()) {
                if (m_inReasoning) {
                    emit("</think>", onToken);
                    m_inReasoning = false;
                }
                emit(content, onToken);
            }
        }
        if (c.contains("finish_reason") && !c["finish_reason"].is_null()) m_result.finishReason = finishReason(c["finish_reason"]);
        if (c.contains("token_ids") && c["token_ids"].is_array())  // vLLM's return_token_ids, per chunk
            for (const json& id : c["token_ids"]) {
                const auto v = jsonInt64(id);
                if (!v) bad("a token id that is not an integer");
                m_result.outputIds.push_back(*v);
            }
    }
    return true;
}

GenerateResult StreamAssembler::result() const {
    GenerateResult r = m_result;
    if (m_inReasoning) r.text += "</think>";
    return r;
}

GenerateResult parseCompletion(std::string_view body, json* usage, json* timings) {
    const json j = parseServerJson(body, "an answer");
    if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) bad("an answer without choices");
    const json& c = j["choices"][0];
    if (!c.is_object() || !c.contains("message") || !c["message"].is_object()) bad("an answer without a message");
    const json& m = c["message"];
    std::string reasoning = stringField(m, "reasoning_content");
    if (reasoning.empty()) reasoning = stringField(m, "reasoning");
    const std::string content = stringField(m, "content");
    GenerateResult r;
    r.text = reasoning.empty() ? content : "<think>" + reasoning + "</think>" + content;
    r.finishReason = finishReason(c.value("finish_reason", json()));
    if (c.contains("token_ids") && c["token_ids"].is_array())
        for (const json& id : c["token_ids"]) {
            const auto v = jsonInt64(id);
            if (!v) bad("a token id that is not an integer");
            r.outputIds.push_back(*v);
        }
    if (c.contains("logprobs") && c["logprobs"].is_object() && c["logprobs"].contains("content") && c["logprobs"]["content"].is_array()) {
        const json& content = c["logprobs"]["content"];
        for (size_t i = 0; i < content.size(); ++i) {
            const json& t = content[i];
            if (!t.is_object()) bad("a logprob entry that is not an object");
            TokenEvent ev;
            ev.tokenId = i < r.outputIds.size() ? r.outputIds[i] : -1;
            ev.textDelta = stringField(t, "token");
            if (t.contains("logprob") && t["logprob"].is_number()) ev.logprob = t["logprob"].get<float>();
            r.tokens.push_back(std::move(ev));
        }
    }
    if (usage && j.contains("usage") && j["usage"].is_object()) *usage = j["usage"];
    if (timings && j.contains("timings") && j["timings"].is_object()) *timings = j["timings"];
    return r;
}

std::vector<std::string> modelIds(std::string_view body) {
    const json j = parseServerJson(body, "a model list");
    if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) bad("a model list without \"data\"");
    std::vector<std::string> ids;
    for (const json& m : j["data"])
        if (m.is_object() && m.contains("id") && m["id"].is_string()) ids.push_back(m["id"].get<std::string>());
    return ids;
}

}  // namespace sightline::app
