// The front door of ApiService (authentication, the request log) and the routes of the
// GLM-4.6V-Flash service that clients already call: GET /health (readiness), GET /health/live
// (liveness), POST /v1/multimodal/inference. The OpenAI routes are in openai_api.cpp.
#include <cctype>
#include <chrono>
#include <new>
#include <nlohmann/json.hpp>

#include "moderation.h"
#include "openai_api.h"
#include "sightline/error.h"
#include "sightline/request_rules.h"
#include "sightline/thinking.h"
#include "sightline/untrusted.h"

namespace sightline::server {

namespace {

using json = nlohmann::json;

void sendJson(HttpResponder& out, int status, const json& body) {
    out.send(status, "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace));
}

void sendError(HttpResponder& out, int status, const std::string& message, const std::string& type = "invalid_request_error") {
    sendJson(out, status, {{"error", {{"message", message}, {"type", type}}}});
}

bool isHealthPath(const std::string& path) {
    return path == "/health" || path == "/v1/health" || path == "/health/live";
}

std::string lowerAscii(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Plain base64 (what the service's clients send): base64 characters only, whitespace allowed.
bool looksLikeBase64(const std::string& s) {
    if (s.size() < 8) return false;
    for (unsigned char c : s)
        if (!std::isalnum(c) && c != '+' && c != '/' && c != '=' && c != '\n' && c != '\r' && c != ' ') return false;
    return true;
}

}  // namespace

bool isModerationPrompt(const std::string& prompt) {
    const std::string p = lowerAscii(prompt);
    return p.find("moderat") != std::string::npos || p.find("verdict") != std::string::npos;
}

void ApiService::setModelProblem(const std::string& message) {
    std::lock_guard lock(m_problemMutex);
    m_modelProblem = message;
}

void ApiService::handle(const HttpRequest& req, HttpResponder& out) {
    if (isHealthPath(req.path)) return health(req, out);
    RequestRecord record;
    record.method = req.method;
    record.route = req.path;
    RequestLog* log = m_options.requestLog.get();
    record.wantDetails = log && log->enabled();
    auto finish = [&](int status) {
        record.status = status;
        if (log) log->append(record);  // never throws; a failed write never fails the request
    };
    const ApiAuth* auth = m_options.auth.get();
    if (auth && auth->enabled()) {
        const AuthResult a = auth->authorize(req);
        if (!a.ok) {
            out.addHeader("WWW-Authenticate", "Bearer");
            sendJson(out, 401, {{"error", {{"message", a.message}, {"type", "invalid_request_error"}, {"code", "invalid_api_key"}}}});
            record.caller = "unauthenticated";
            return finish(401);
        }
        record.caller = a.caller;
    } else {
        record.caller = "anonymous";
    }
    // What a route throws is answered by HttpServer::serve with the same status recorded here.
    try {
        if (req.path == "/v1/multimodal/inference") {
            if (req.method != "POST")
                sendError(out, 405, "use POST");
            else
                multimodalInference(req, out, record);
        } else {
            route(req, out, record);
        }
    } catch (const HttpError& e) {
        finish(out.started() ? out.status() : e.status);
        throw;
    } catch (const std::bad_alloc&) {
        finish(out.started() ? out.status() : 503);
        throw;
    } catch (...) {
        finish(out.started() ? out.status() : 500);
        throw;
    }
    finish(out.status());
}

void ApiService::health(const HttpRequest& req, HttpResponder& out) {
    if (req.method != "GET") return sendError(out, 405, "use GET");
    if (req.path == "/health/live") return sendJson(out, 200, {{"status", "alive"}});
    if (m_backend->loaded()) {
        const SchedulerCounters n = m_backend->counters().value_or(SchedulerCounters{});
        int64_t queued = 0;
        for (auto q : n.queued) queued += q;
        return sendJson(out, 200,
                        {{"status", "ok"},
                         {"model_loaded", true},
                         {"model", m_options.modelName},
                         {"queued", queued},
                         {"running", n.running},
                         {"slots", n.slots > 0 ? n.slots : m_backend->batchSlots()},
                         {"completed", n.completed}});
    }
    std::string problem;
    {
        std::lock_guard lock(m_problemMutex);
        problem = m_modelProblem;
    }
    // The reason stays in the server's log: /health needs no key, and the reason names local paths.
    if (!problem.empty())
        return sendJson(
            out, 503,
            {{"status", "error"}, {"model_loaded", false}, {"error", "the model could not be loaded; the server's log says why"}});
    sendJson(out, 503, {{"status", "loading"}, {"model_loaded", false}});
}

void ApiService::multimodalInference(const HttpRequest& req, HttpResponder& out, RequestRecord& record) {
    if (!m_backend->loaded()) return sendError(out, 503, "no model is loaded", "model_not_loaded");
    json body;
    try {
        body = parseJsonLimited(req.body);
    } catch (const json::exception& e) {
        return sendError(out, 400, std::string("the body is not valid JSON: ") + e.what());
    }
    if (!body.is_object()) return sendError(out, 400, "the body must be a JSON object {\"image\", \"prompt\", \"max_tokens\"}");
    if (!body.contains("image") || !body["image"].is_string() || body["image"].get_ref<const std::string&>().empty())
        return sendError(out, 400, "image must be a string: a data: URI or base64 (a path only with --allow-local-files)");
    if (!body.contains("prompt") || !body["prompt"].is_string()) return sendError(out, 400, "prompt must be a string");
    const std::string prompt = body["prompt"].get<std::string>();
    if (!isValidUtf8(prompt)) return sendError(out, 400, "prompt is not valid UTF-8");
    const bool moderation = isModerationPrompt(prompt);
    GenerationParams params = m_backend->defaultParams();
    params.enableThinking = false;                    // the service answers directly
    if (moderation) params.sampling.temperature = 0;  // greedy, as the moderation queue judges
    if (body.contains("max_tokens") && !body["max_tokens"].is_null()) {
        const auto n = jsonInt64(body["max_tokens"]);
        if (!n) return sendError(out, 400, "max_tokens must be an integer");
        params.maxNewTokens = *n;
    }

    std::string image = body["image"].get<std::string>();
    // base64 never holds a '.', a file name nearly always does (JPEG's base64 starts with "/9j/",
    // so a leading '/' tells nothing).
    const bool pathLike = image.rfind("file://", 0) == 0 || image.find('.') != std::string::npos;
    if (image.rfind("data:", 0) == 0) {
        // as is
    } else if (!(pathLike && !m_options.localFileFolders.empty()) && looksLikeBase64(image)) {
        image = "data:application/octet-stream;base64," + image;
    } else if (m_options.localFileFolders.empty()) {
        return sendError(out, 400,
                         "image must be a data: URI or base64; paths are read only when the server runs with --allow-local-files DIR");
    }
    body = json();                         // the base64 stays in `image` only
    using ojson = nlohmann::ordered_json;  // what prepareImages and the chat template take
    ojson messages = ojson::array();
    if (moderation) messages.push_back({{"role", "system"}, {"content", moderation::defaultPolicy().render()}});
    messages.push_back({{"role", "user"},
                        {"content", ojson::array({{{"type", "image_url"}, {"image_url", {{"url", std::move(image)}}}},
                                                  {{"type", "text"}, {"text", prompt}}})}});
    std::vector<ChatMessage> chat;
    std::future<GenerateResult> future;
    std::atomic<bool> cancel{false};
    try {
        validateGenerationParams(params);
        prepareImages(messages, m_options.imageLimits, m_options.localFileFolders, m_options.imagePreprocess,
                      record.wantDetails ? &record.images : nullptr);
        DecodeOptions decode;
        decode.maxPixels = m_options.imageLimits.maxImagePixels;
        chat = parseChatJson(messages.dump(), ".", decode, "local files are read only under the folders given to --allow-local-files");
        messages = ojson();
        if (record.wantDetails) record.prompt = prompt;  // the caller's words; not the policy we add
        params.caller = record.caller;                   // the monitor shows who asked
        future = m_backend->submit(RequestSource::Api, chat, params, {}, &cancel);
    } catch (const Error& e) {
        if (!m_backend->loaded()) return sendError(out, 503, "no model is loaded", "model_not_loaded");
        const bool bad = e.kind() == ErrorKind::BadInput;
        return sendError(out,
                         bad                                  ? 400
                         : e.kind() == ErrorKind::OutOfMemory ? 503
                                                              : 500,
                         e.what(), bad ? "invalid_request_error" : "server_error");
    }
    while (future.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
        if (m_stopping || out.clientGone()) cancel = true;
    GenerateResult result;
    try {
        result = future.get();
    } catch (const Error& e) {
        return sendError(out,
                         e.kind() == ErrorKind::BadInput      ? 400
                         : e.kind() == ErrorKind::OutOfMemory ? 503
                                                              : 500,
                         e.what(), e.kind() == ErrorKind::BadInput ? "invalid_request_error" : "server_error");
    }
    const std::string answer = splitThinking(result.text).answer;
    recordResult(record, result, answer);
    json reply = {{"result", answer},
                  {"reasons", json::array()},
                  {"confidence", nullptr},
                  {"inference_time_ms", std::round(result.stats.totalMs * 10) / 10},
                  {"tokens_generated", result.stats.generatedTokens}};
    std::string why;
    const std::optional<moderation::Verdict> v = moderation::parseVerdict(answer, &why);
    if (v) {
        reply["result"] = moderation::verdictName(v->verdict);
        reply["reasons"] = v->reasons;
        reply["categories"] = v->categories;
        reply["confidence"] = moderation::verdictTokenProbability(result);
    } else if (moderation) {
        // A moderation request whose answer is no verdict goes to a person, never to approve.
        reply["result"] = moderation::verdictName(moderation::VerdictKind::Review);
        reply["reasons"] = json::array({"the model's answer is not a verdict (" + why + ")"});
        reply["categories"] = json::array();
        reply["answer"] = answer;
    }
    sendJson(out, 200, reply);
}

}  // namespace sightline::server
