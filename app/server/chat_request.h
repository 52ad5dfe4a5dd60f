// The fields of a POST /v1/chat/completions body, every one type- and range-checked before any
// work starts (a wrongly typed field is a 400 up front, never a failure after generating).
// Pure; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sightline/engine.h"

namespace sightline::server {

struct ChatRequest {
    bool stream = false;
    bool includeUsage = false;    // stream_options.include_usage
    bool returnTokenIds = false;  // vLLM's extension
    GenerationParams params;
    std::vector<std::string> stops;  // at most 4, none empty
};

// Throws Error(BadInput) naming the field. `messages` is checked for being a non-empty list here;
// its parts are parsed by parseChatJson. Fields the body leaves out take `defaults` (the backend's
// defaultParams(): the checkpoint's generation_config.json).
ChatRequest parseChatRequest(const nlohmann::ordered_json& body, const GenerationParams& defaults);

}  // namespace sightline::server
