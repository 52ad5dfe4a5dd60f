#include "openai_api.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "chat_request.h"
#include "image_inputs.h"
#include "sightline/chat.h"
#include "sightline/error.h"
#include "sightline/request_rules.h"
#include "sightline/thinking.h"
#include "sightline/untrusted.h"
#include "tool_calls.h"

namespace sightline::server {

namespace {

using json = nlohmann::json;

std::string dumpJson(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json errorBody(const std::string& message, const std::string& type, const std::string& code = {}) {
    json e = {{"message", message}, {"type", type}};
    if (!code.empty()) e["code"] = code;
    return {{"error", e}};
}

void sendError(HttpResponder& out, int status, const std::string& message, const std::string& type = "invalid_request_error",
               const std::string& code = {}) {
    out.send(status, "application/json", dumpJson(errorBody(message, type, code)));
}

// OpenAI's code for a request the model cannot take, where there is one.
std::string codeFor(const Error& e) {
    return dynamic_cast<const ContextOverflowError*>(&e) ? "context_length_exceeded" : "";
}

int statusFor(const Error& e) {
    switch (e.kind()) {
        case ErrorKind::BadInput:
            return 400;
        case ErrorKind::OutOfMemory:
            return 503;
        default:
            return 500;
    }
}

const char* typeFor(const Error& e) {
    switch (e.kind()) {
        case ErrorKind::BadInput:
            return "invalid_request_error";
        default:
            return "server_error";  // out of memory included: the server's state, not the request
    }
}

// Largest cut <= pos that does not split a UTF-8 sequence.
size_t utf8Cut(const std::string& s, size_t pos) {
    pos = std::min(pos, s.size());
    while (pos > 0 && pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
    return pos;
}

// A tool call as OpenAI writes it: in a message, or (with its index) in a stream's delta.
json toolCallJson(const ToolCall& call, std::optional<size_t> index) {
    json j = {{"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments}}}};
    if (index) j["index"] = *index;
    return j;
}

// The text a request has produced so far, filled by the scheduler thread, read by the connection's.
struct Progress {
    std::mutex mutex;
    std::condition_variable cv;
    std::string text;
};

}  // namespace

ApiService::ApiService(std::shared_ptr<const app::InferenceBackend> backend, ApiOptions options)
    : m_backend(std::move(backend)), m_options(std::move(options)) {}

void ApiService::route(const HttpRequest& req, HttpResponder& out, RequestRecord& record) {
    if (req.path == "/v1/models") {
        if (req.method != "GET") return sendError(out, 405, "use GET");
        json data = json::array();
        if (m_backend->loaded())
            data.push_back({{"id", m_options.modelName}, {"object", "model"}, {"created", 0}, {"owned_by", "sightline"}});
        out.send(200, "application/json", dumpJson({{"object", "list"}, {"data", data}}));
        return;
    }
    if (req.path == "/v1/chat/completions") {
        if (req.method != "POST") return sendError(out, 405, "use POST");
        return chatCompletions(req, out, record);
    }
    sendError(out, 404,
              "no route " + req.method + " " + req.path +
                  " (try POST /v1/chat/completions, GET /v1/models, POST /v1/multimodal/inference, GET /health)",
              "not_found");
}

void ApiService::chatCompletions(const HttpRequest& req, HttpResponder& out, RequestRecord& record) {
    if (!m_backend->loaded()) return sendError(out, 503, "no model is loaded", "model_not_loaded");
    nlohmann::ordered_json r;  // key order kept: messages and tools reach the chat template as sent
    try {
        r = parseOrderedJsonLimited(req.body);  // a 100,000-deep body is refused here, not by a stack overflow later
    } catch (const json::exception& e) {
        return sendError(out, 400, std::string("the body is not valid JSON: ") + e.what());
    }
    ChatRequest c;
    ToolRequest tools;
    std::vector<ChatMessage> messages;
    try {
        // Every field is checked before any image is read or decoded, and all before generating.
        c = parseChatRequest(r, m_backend->defaultParams());
        tools = parseToolRequest(r);  // tool_calls arguments become objects in r's messages
        c.params.toolsJson = tools.toolsJson;
        prepareImages(r["messages"], m_options.imageLimits, m_options.localFileFolders, m_options.imagePreprocess,
                      record.wantDetails ? &record.images : nullptr);
        DecodeOptions decode;
        decode.maxPixels = m_options.imageLimits.maxImagePixels;
        // Local files have become data: URIs in prepareImages; the engine reads nothing from disk.
        const std::string refusal = m_options.localFileFolders.empty()
                                        ? "reading local files is off (start the server with --allow-local-files DIR)"
                                        : "local files are read only under the folders given to --allow-local-files";
        messages = parseChatJson(r["messages"].dump(), ".", decode, refusal);
    } catch (const Error& e) {
        return sendError(out, statusFor(e), e.what(), typeFor(e), codeFor(e));
    } catch (const json::exception& e) {
        return sendError(out, 400, std::string("invalid request field: ") + e.what());
    }
    r = nlohmann::ordered_json();  // the request's base64 images are decoded now: do not hold them through generation
    const std::vector<std::array<int, 2>> imageSizes = imageSizesOf(messages);  // for the answer's grounding boxes
    if (record.wantDetails) record.prompt = promptText(messages);
    const bool stream = c.stream;
    const bool includeUsage = c.includeUsage;
    c.params.caller = record.caller;  // the monitor shows who asked
    const GenerationParams& params = c.params;
    const std::vector<std::string>& stops = c.stops;

    const std::string id = "chatcmpl-" + std::to_string(m_nextId++) + "-" + std::to_string(std::time(nullptr));
    const int64_t created = static_cast<int64_t>(std::time(nullptr));
    auto progress = std::make_shared<Progress>();
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    // The scheduler thread only appends and notifies; this connection's thread does the rest.
    std::future<GenerateResult> future;
    try {  // the prompt is prepared here, on this thread: a bad one (too long for the model) is refused now
        future = m_backend->submit(
            RequestSource::Api, messages, params,
            [progress](const TokenEvent& ev) {
                if (ev.textDelta.empty()) return;
                {
                    std::lock_guard lock(progress->mutex);
                    progress->text += ev.textDelta;
                }
                progress->cv.notify_one();
            },
            cancel.get());
    } catch (const Error& e) {
        if (!m_backend->loaded()) return sendError(out, 503, "no model is loaded", "model_not_loaded");  // unloaded since the check
        return sendError(out, statusFor(e), e.what(), typeFor(e), codeFor(e));
    }

    auto chunk = [&](const json& delta, const json& finish) {
        return "data: " +
               dumpJson({{"id", id},
                         {"object", "chat.completion.chunk"},
                         {"created", created},
                         {"model", m_options.modelName},
                         {"choices", json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}}) +
               "\n\n";
    };
    size_t maxStop = 0;
    for (const auto& s : stops) maxStop = std::max(maxStop, s.size());
    bool stopHit = false;
    // Applies stop strings to the answer (not the reasoning); while still running, holds back a
    // tail that could be the start of a stop string.
    auto visible = [&](const std::string& text, bool done) {
        ThinkingSplit s = splitThinking(text);
        for (const auto& st : stops)
            if (size_t pos = s.answer.find(st); pos != std::string::npos) {
                s.answer.resize(pos);
                stopHit = true;
            }
        if (!done && !stopHit && maxStop > 1)
            s.answer.resize(utf8Cut(s.answer, s.answer.size() >= maxStop - 1 ? s.answer.size() - (maxStop - 1) : 0));
        return s;
    };
    size_t sentReasoning = 0, sentContent = 0, sentCalls = 0;
    const std::string callPrefix = "call_" + id.substr(id.find('-') + 1) + "_";
    // The answer as content and tool calls (GLM's <tool_call> blocks) when the request has tools.
    auto split = [&](const ThinkingSplit& s, bool done) {
        if (!tools.parseCalls) return ToolCallParse{s.answer, {}};
        return parseToolCalls(s.answer, done, tools.tools, callPrefix);
    };
    bool streamOk = true;
    if (stream) streamOk = out.beginStream(200, "text/event-stream") && out.write(chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
    auto emit = [&](const ThinkingSplit& s, bool done) {
        if (!stream || !streamOk) return;
        const ToolCallParse answer = split(s, done);
        if (s.reasoning.size() > sentReasoning) {
            streamOk = out.write(chunk({{"reasoning_content", s.reasoning.substr(sentReasoning)}}, nullptr));
            sentReasoning = s.reasoning.size();
        }
        if (streamOk && answer.content.size() > sentContent) {
            streamOk = out.write(chunk({{"content", answer.content.substr(sentContent)}}, nullptr));
            sentContent = answer.content.size();
        }
        for (; streamOk && sentCalls < answer.calls.size(); ++sentCalls)
            streamOk = out.write(chunk({{"tool_calls", json::array({toolCallJson(answer.calls[sentCalls], sentCalls)})}}, nullptr));
    };

    while (future.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
        std::string text;
        {
            std::unique_lock lock(progress->mutex);
            progress->cv.wait_for(lock, std::chrono::milliseconds(100));
            text = progress->text;
        }
        const ThinkingSplit s = visible(text, false);
        emit(s, false);
        if (stopHit || !streamOk || m_stopping || out.clientGone()) cancel->store(true);
    }
    GenerateResult result;
    try {
        result = future.get();
    } catch (const std::exception& e) {
        // Error carries its kind; out of memory (std::bad_alloc, or the engine's) is the server's
        // state, 503, never the request's fault.
        const Error* err = dynamic_cast<const Error*>(&e);
        const bool oom = dynamic_cast<const std::bad_alloc*>(&e) || (err && err->kind() == ErrorKind::OutOfMemory);
        const int status = oom ? 503 : err ? statusFor(*err) : 500;
        const std::string type = oom ? "server_error" : err ? typeFor(*err) : "server_error";
        if (!stream) return sendError(out, status, e.what(), type, err ? codeFor(*err) : std::string());
        if (streamOk) out.write("data: " + dumpJson(errorBody(e.what(), type)) + "\n\ndata: [DONE]\n\n");
        return;
    }
    const ThinkingSplit final = visible(result.text, true);
    std::string finish = stopHit ? "stop" : finishReasonName(result.finishReason);
    const ToolCallParse answer = split(final, true);
    if (!answer.calls.empty() && finish == "stop") finish = "tool_calls";
    const json usage = {{"prompt_tokens", result.promptTokens},
                        {"completion_tokens", result.stats.generatedTokens},
                        {"total_tokens", result.promptTokens + result.stats.generatedTokens},
                        {"prompt_tokens_details", {{"cached_tokens", result.stats.cachedPromptTokens}}}};
    const json timings = requestStatsJson(result.stats);  // the one stats schema (docs/api.md)
    recordResult(record, result, final.answer);
    if (stream) {
        emit(final, true);
        if (!streamOk) return;
        // Our extension: the answer's grounding boxes, parsed once it is complete (docs/api.md).
        json lastDelta = json::object();
        if (const json b = groundingBoxesJson(answer.content, imageSizes); !b.is_null()) {
            lastDelta["boxes"] = b["boxes"];
            if (!b["notes"].empty()) lastDelta["boxes_notes"] = b["notes"];
        }
        std::string tail = chunk(lastDelta, finish);
        if (includeUsage)
            tail += "data: " +
                    dumpJson({{"id", id},
                              {"object", "chat.completion.chunk"},
                              {"created", created},
                              {"model", m_options.modelName},
                              {"choices", json::array()},
                              {"usage", usage},
                              {"timings", timings}}) +
                    "\n\n";
        out.write(tail + "data: [DONE]\n\n");
        return;
    }
    json message = {{"role", "assistant"}, {"content", answer.content}};
    if (!answer.calls.empty()) {
        json calls = json::array();
        for (size_t i = 0; i < answer.calls.size(); ++i) calls.push_back(toolCallJson(answer.calls[i], std::nullopt));
        message["tool_calls"] = calls;
        if (answer.content.empty()) message["content"] = nullptr;  // as OpenAI answers a pure tool call
    }
    if (!final.reasoning.empty()) message["reasoning_content"] = final.reasoning;
    if (const json b = groundingBoxesJson(answer.content, imageSizes); !b.is_null()) {  // our extension (docs/api.md)
        message["boxes"] = b["boxes"];
        if (!b["notes"].empty()) message["boxes_notes"] = b["notes"];
    }
    json choice = {{"index", 0}, {"message", message}, {"finish_reason", finish}, {"logprobs", nullptr}};
    if (c.returnTokenIds) choice["token_ids"] = result.outputIds;  // vLLM's extension
    if (params.topLogprobs > 0 && m_backend->tokenizer()) {
        auto tok = m_backend->tokenizer();
        json content = json::array();
        for (const TokenEvent& ev : result.tokens) {
            if (ev.tokenId < 0) continue;
            json top = json::array();
            for (const auto& t : ev.top) top.push_back({{"token", tok->decode({t.id})}, {"logprob", t.logprob}});
            content.push_back({{"token", tok->decode({ev.tokenId})}, {"logprob", ev.logprob}, {"top_logprobs", top}});
        }
        choice["logprobs"] = {{"content", content}};
    }
    out.send(200, "application/json",
             dumpJson({{"id", id},
                       {"object", "chat.completion"},
                       {"created", created},
                       {"model", m_options.modelName},
                       {"choices", json::array({choice})},
                       {"usage", usage},
                       {"timings", timings}}));
}

}  // namespace sightline::server
