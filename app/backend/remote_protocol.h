// The OpenAI chat-completions wire format as RemoteBackend speaks it: request bodies built from
// ChatMessage / GenerationParams, and the answers (one JSON body, or an SSE stream of chunks)
// turned back into GenerateResult. Pure functions and small parsers; Qt-free, no network.
//
// Answers are untrusted: JSON is parsed with parseJsonLimited after ill-formed UTF-8 became
// U+FFFD, one SSE line is capped at kMaxSseLine, and anything malformed throws
// Error(Internal, "the remote server sent ...") for that request.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/engine.h"

namespace sightline::app {

// A PNG data: URI of the decoded pixels (lossless: the remote model sees the pixels the local one
// would). Throws Error(Internal) when encoding fails.
std::string pngDataUri(const RgbImage& image);
// The PNG file bytes of the pixels (stb_image_write, compiled into this library only).
std::string encodePng(const RgbImage& image);

// The body of POST /chat/completions. Every request asks for token ids (vLLM's and sightline
// serve's return_token_ids; absent in the answer, output ids stay empty); non-streamed ones for
// per-token logprobs, streamed ones for the final usage chunk.
nlohmann::json chatRequestBody(const std::vector<ChatMessage>& messages, const GenerationParams& params, const std::string& model,
                               bool stream);

// A one-line reason for a failed answer: "HTTP 401: <the server's error message>".
std::string serverErrorText(long status, const std::string& body);

// Splits an event stream into "data:" payloads, whatever the chunking of the bytes.
class SseParser {
public:
    static constexpr size_t kMaxSseLine = size_t(4) << 20;
    // Calls onData for each complete "data:" line's payload; throws Error(Internal) for a line over
    // kMaxSseLine. Other fields (event:, id:, comments) are ignored.
    template <typename F>
    void feed(std::string_view bytes, F&& onData) {
        for (char ch : bytes) {
            if (ch == '\n') {
                if (!m_line.empty() && m_line.back() == '\r') m_line.pop_back();
                if (m_line.rfind("data:", 0) == 0) {
                    std::string_view payload(m_line);
                    payload.remove_prefix(5);
                    if (!payload.empty() && payload.front() == ' ') payload.remove_prefix(1);
                    onData(payload);
                }
                m_line.clear();
                continue;
            }
            if (m_line.size() >= kMaxSseLine) throwTooLong();
            m_line.push_back(ch);
        }
    }

private:
    [[noreturn]] static void throwTooLong();
    std::string m_line;
};

// Assembles a streamed answer from its chunks' payloads. Reasoning deltas are wrapped in
// "<think>" … "</think>" so the text reads as the local engine's output does (splitThinking).
class StreamAssembler {
public:
    // Returns false at "[DONE]". Throws Error(Internal) for a chunk that is not JSON of the right
    // shape, or an error object the server sent in the stream. Each delta becomes a TokenEvent
    // (tokenId -1) given to onToken.
    bool add(std::string_view payload, const TokenCallback& onToken);
    bool done() const { return m_done; }
    bool receivedAny() const { return m_events > 0; }
    int64_t events() const { return m_events; }
    double firstEventS() const { return m_firstEventS; }
    double lastEventS() const { return m_lastEventS; }
    void setClock(double nowS) { m_nowS = nowS; }
    // The result so far (finish reason Length/Stop as the server said; stats left to the caller).
    GenerateResult result() const;
    const nlohmann::json& usage() const { return m_usage; }
    const nlohmann::json& timings() const { return m_timings; }

private:
    void emit(std::string text, const TokenCallback& onToken);
    GenerateResult m_result;
    bool m_inReasoning = false, m_done = false;
    int64_t m_events = 0;
    double m_nowS = 0, m_firstEventS = -1, m_lastEventS = -1;
    nlohmann::json m_usage, m_timings;
};

// A complete non-streamed answer (choices[0].message, logprobs, token_ids, usage). Throws
// Error(Internal) when the body is not such an answer.
GenerateResult parseCompletion(std::string_view body, nlohmann::json* usage, nlohmann::json* timings);

// The server's JSON from outside: ill-formed UTF-8 made U+FFFD, nesting limited. Throws
// Error(Internal, "the remote server sent <what> that is not valid JSON: ...").
nlohmann::json parseServerJson(std::string_view text, const std::string& what);

// The ids GET /models lists, in order.
std::vector<std::string> modelIds(std::string_view body);

}  // namespace sightline::app
