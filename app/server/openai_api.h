// The local API: an OpenAI-compatible subset (GET /v1/models, POST /v1/chat/completions with
// streaming, GET /health) over the shared InferenceBackend, so API requests wait in the same queue
// as the chat and the moderation queue. Images come as data: URIs in image_url parts (local paths only
// when allowed). GLM's <think>…</think> is returned as reasoning_content, as vLLM and LM Studio do.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "http_server.h"
#include "image_inputs.h"
#include "inference_backend.h"

namespace sightline::server {

struct ApiOptions {
    std::string modelName = "glm-4.6v-flash";  // what /v1/models lists and responses name
    // image_url may name a file under these folders (resolved by resolveAllowedFolders); none: only data: URIs.
    std::vector<std::string> localFileFolders;
    ImageLimits imageLimits;
};

class ApiService {
public:
    // Requests go to `backend` (shared with the other front ends); while it has no model, /v1/models
    // is empty and completions answer 503.
    ApiService(std::shared_ptr<const app::InferenceBackend> backend, ApiOptions options);
    // Any connection thread. GET /health is quick and never blocks (HttpServer may answer it on
    // its loop thread: see quickPaths()).
    void handle(const HttpRequest& request, HttpResponder& out);
    static std::set<std::string> quickPaths() { return {"/health", "/v1/health"}; }
    // Cancels requests in flight (their connections are closed by the server's stop()).
    void shutdown() { m_stopping = true; }

private:
    void chatCompletions(const HttpRequest& request, HttpResponder& out);
    std::shared_ptr<const app::InferenceBackend> m_backend;
    ApiOptions m_options;
    std::atomic<bool> m_stopping{false};
    std::atomic<uint64_t> m_nextId{1};
};

}  // namespace sightline::server
