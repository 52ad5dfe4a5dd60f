// The local API: an OpenAI-compatible subset (GET /v1/models, POST /v1/chat/completions with
// streaming, GET /health) over the shared Scheduler, so API requests wait in the same queue as the
// chat and the moderation queue. Images come as data: URIs in image_url parts (local paths only
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
#include "sightline/scheduler.h"

namespace sightline::server {

struct ApiOptions {
    std::string modelName = "glm-4.6v-flash";  // what /v1/models lists and responses name
    // image_url may name a file under these folders (resolved by resolveAllowedFolders); none: only data: URIs.
    std::vector<std::string> localFileFolders;
    ImageLimits imageLimits;
};

class ApiService {
public:
    // scheduler() gives the current scheduler (null while no model is loaded).
    ApiService(std::function<std::shared_ptr<Scheduler>()> scheduler, ApiOptions options);
    // Any connection thread. GET /health is quick and never blocks (HttpServer may answer it on
    // its loop thread: see quickPaths()).
    void handle(const HttpRequest& request, HttpResponder& out);
    static std::set<std::string> quickPaths() { return {"/health", "/v1/health"}; }
    // Cancels requests in flight (their connections are closed by the server's stop()).
    void shutdown() { m_stopping = true; }

private:
    void chatCompletions(const HttpRequest& request, HttpResponder& out);
    std::function<std::shared_ptr<Scheduler>()> m_scheduler;
    ApiOptions m_options;
    std::atomic<bool> m_stopping{false};
    std::atomic<uint64_t> m_nextId{1};
};

// <think>reasoning</think>answer → parts; while the think block is open, the reasoning so far.
struct SplitOutput {
    std::string reasoning, content;
    bool thinking = false;  // inside an unclosed <think>
};
SplitOutput splitThinking(const std::string& text);

}  // namespace sightline::server
