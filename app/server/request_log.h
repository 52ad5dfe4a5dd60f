// The API's request log: one JSON line per request (time, caller, route, status, image hashes and
// sizes, token counts, latency phases, and the prompt and output masked or left out), in a file
// rotated by size (FILE → FILE.1 → … → FILE.keep, the oldest dropped).
//
// Prompts and outputs pass through moderation::maskPersonalData (e-mail addresses, phone numbers,
// ID-like numbers) before they are written, or are not written at all (RequestLogContent::None).
// A log that cannot be written (a full disk, a removed folder) never fails the request: the
// problem is counted and reported once on stderr.
// Threads: append() may be called from any thread at once (a mutex orders the lines).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "image_inputs.h"
#include "sightline/chat.h"
#include "sightline/engine.h"

namespace sightline::server {

enum class RequestLogContent { Masked, None };

struct RequestLogOptions {
    std::string path;               // "" = no log
    int64_t maxBytes = 16LL << 20;  // a file is rotated before a line would take it past this
    int keep = 5;                   // rotated files kept (FILE.1 … FILE.keep)
    RequestLogContent content = RequestLogContent::Masked;
};

// What one request did, filled in as it is answered (one connection thread owns it).
struct RequestRecord {
    std::chrono::system_clock::time_point start = std::chrono::system_clock::now();
    std::chrono::steady_clock::time_point startSteady = std::chrono::steady_clock::now();
    std::string caller;  // "api-key", a JWT `sub`, "anonymous" (no auth), "" before authentication
    std::string method, route;
    int status = 0;
    std::vector<ImageDigest> images;                   // filled by prepareImages when wantDetails
    int64_t promptTokens = -1, completionTokens = -1;  // -1: not generated
    nlohmann::json timings;                            // requestStatsJson of the result (null when none)
    std::string prompt, output;                        // raw; masked or dropped when written
    bool wantDetails = false;                          // a log is on: hash images and keep texts
};

class RequestLog {
public:
    explicit RequestLog(RequestLogOptions options);
    bool enabled() const { return !m_options.path.empty(); }
    // The line for `record` (also what tests check). Pure.
    std::string line(const RequestRecord& record) const;
    // Appends the line, rotating first when needed. Never throws.
    void append(const RequestRecord& record) noexcept;
    int64_t failures() const;

private:
    void rotate();  // caller holds m_mutex
    RequestLogOptions m_options;
    mutable std::mutex m_mutex;  // guards the file and m_failures
    int64_t m_failures = 0;
};

// The text of a request's messages for the log: "role: text" per message, images left out.
std::string promptText(const std::vector<ChatMessage>& messages);
// Token counts, timings (requestStatsJson) and the answer of a finished request.
void recordResult(RequestRecord& record, const GenerateResult& result, const std::string& output);

}  // namespace sightline::server
