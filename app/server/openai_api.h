// The local API: an OpenAI-compatible subset (GET /v1/models, POST /v1/chat/completions with
// streaming) and the GLM-4.6V-Flash service's own routes (POST /v1/multimodal/inference, GET
// /health as a readiness probe, GET /health/live; service_api.cpp) over the shared InferenceBackend, so API requests wait in the same queue
// as the chat and the moderation queue. Images come as data: URIs in image_url parts (local paths only
// when allowed). GLM's <think>…</think> is returned as reasoning_content, as vLLM and LM Studio do.
// Every route but the health ones needs the key or a token (options.auth; none: open), and every
// answered request is written to options.requestLog when one is given.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api_auth.h"
#include "http_server.h"
#include "image_inputs.h"
#include "inference_backend.h"
#include "request_log.h"

namespace sightline::server {

struct ApiOptions {
    std::string modelName = "glm-4.6v-flash";  // what /v1/models lists and responses name
    // image_url may name a file under these folders (resolved by resolveAllowedFolders); none: only data: URIs.
    std::vector<std::string> localFileFolders;
    ImageLimits imageLimits;
    ImagePreprocess imagePreprocess;         // off by default (--max-image-side, --reencode-jpeg-above-kb)
    std::shared_ptr<const ApiAuth> auth;     // null or !enabled(): no authentication (loopback only)
    std::shared_ptr<RequestLog> requestLog;  // null: no request log
};

// POST /v1/multimodal/inference treats a prompt as a moderation request when it mentions
// "moderat" or "verdict" (any case): docs/api.md.
bool isModerationPrompt(const std::string& prompt);

class ApiService {
public:
    // Requests go to `backend` (shared with the other front ends); while it has no model, /v1/models
    // is empty and completions answer 503.
    ApiService(std::shared_ptr<const app::InferenceBackend> backend, ApiOptions options);
    // Any connection thread. GET /health and /health/live are quick and never block (HttpServer
    // may answer them on its loop thread: see quickPaths()); they need no key and are not logged.
    void handle(const HttpRequest& request, HttpResponder& out);
    static std::set<std::string> quickPaths() { return {"/health", "/v1/health", "/health/live"}; }
    // Why the model could not be loaded ("" clears it): /health then says "error" instead of
    // "loading" while no model is loaded. Any thread.
    void setModelProblem(const std::string& message);
    // Cancels requests in flight (their connections are closed by the server's stop()).
    void shutdown() { m_stopping = true; }

private:
    // The OpenAI routes (openai_api.cpp), after authentication.
    void route(const HttpRequest& request, HttpResponder& out, RequestRecord& record);
    void chatCompletions(const HttpRequest& request, HttpResponder& out, RequestRecord& record);
    // The service's own routes (service_api.cpp).
    void health(const HttpRequest& request, HttpResponder& out);
    void multimodalInference(const HttpRequest& request, HttpResponder& out, RequestRecord& record);
    std::shared_ptr<const app::InferenceBackend> m_backend;
    ApiOptions m_options;
    std::atomic<bool> m_stopping{false};
    std::atomic<uint64_t> m_nextId{1};
    mutable std::mutex m_problemMutex;  // guards m_modelProblem
    std::string m_modelProblem;
};

}  // namespace sightline::server
