// What a remote OpenAI-compatible server answers (app/backend/remote_protocol.h; RemoteBackend hands
// these parsers the bytes of vLLM, SGLang or any server the user points Sightline at). The first byte
// picks what the rest is: an event stream (SseParser + StreamAssembler), a whole answer
// (parseCompletion), a model list (modelIds) or an error body (serverErrorText); the second byte is
// the size of the pieces the stream arrives in.
//
// Checks: an event stream yields the same payloads whatever its chunking; what is accepted is valid
// UTF-8 (answer text, every delta, every model id, the error line); a streamed answer's text is its
// deltas in order (plus the "</think>" that closes an unfinished reasoning part).
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "remote_protocol.h"
#include "sightline/utf8.h"

namespace {

using Payloads = std::vector<std::string>;

std::optional<Payloads> payloads(std::string_view bytes, size_t piece) {
    sightline::app::SseParser sse;
    Payloads out;
    try {
        for (size_t at = 0; at < bytes.size(); at += piece)
            sse.feed(bytes.substr(at, piece), [&](std::string_view p) { out.emplace_back(p); });
    } catch (const sightline::Error&) {
        return std::nullopt;  // a line over the limit: refused, in one piece or many alike
    }
    return out;
}

void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "fuzz_remote_answer: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    if (size < 2) return 0;
    const int mode = data[0] % 4;
    const size_t piece = 1 + data[1] % 64;
    const std::string_view body = fuzz::asText(data + 2, size - 2);
    return fuzz::refusalsAreFine([&] {
        if (mode == 0) {
            const auto whole = payloads(body, body.size() + 1);
            const auto pieces = payloads(body, piece);
            require(whole.has_value() == pieces.has_value() && (!whole || *whole == *pieces),
                    "the event stream's payloads depend on how its bytes were cut");
            if (!whole) return;
            app::StreamAssembler a;
            std::string deltas;
            int64_t callbacks = 0;
            for (const std::string& p : *whole) {
                bool more = true;
                try {
                    more = a.add(p, [&](const TokenEvent& ev) {
                        ++callbacks;
                        require(isValidUtf8(ev.textDelta), "a streamed delta is not valid UTF-8");
                        deltas += ev.textDelta;
                    });
                } catch (const Error&) {
                    break;  // that request fails; what came before stays as it was
                }
                if (!more) break;
            }
            const GenerateResult r = a.result();
            require(int64_t(r.tokens.size()) == callbacks, "token events and callbacks differ");
            require(isValidUtf8(r.text), "a streamed answer is not valid UTF-8");
            require(r.text == deltas || r.text == deltas + "</think>", "a streamed answer is not its deltas");
        } else if (mode == 1) {
            nlohmann::json usage, timings;
            const GenerateResult r = app::parseCompletion(body, &usage, &timings);
            require(isValidUtf8(r.text), "an answer is not valid UTF-8");
            for (const TokenEvent& t : r.tokens) require(isValidUtf8(t.textDelta), "a logprob token is not valid UTF-8");
            require(usage.is_null() || usage.is_object(), "usage is not an object");
        } else if (mode == 2) {
            for (const std::string& id : app::modelIds(body)) require(isValidUtf8(id), "a model id is not valid UTF-8");
        } else {
            const long status = 100 + long(data[1]) * 2;
            const std::string line = app::serverErrorText(status, std::string(body));
            require(isValidUtf8(line), "an error line is not valid UTF-8");
            require(line.size() <= 600, "an error line is longer than its limit");
        }
    });
}
