// Rules for data that comes from outside (files, the network, the model's own output):
// JSON is parsed with a nesting limit, and text that leaves the engine is valid UTF-8.
// One place for both rules; every front end (CLI, GUI, API, moderation) uses these.
// Thread-safe: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sightline {

// Deepest nesting of objects/arrays accepted from outside. Real inputs (chat messages, config.json,
// tokenizer.json, queue rows) stay below 16; 10,000-deep input would otherwise overflow the stack in
// recursive consumers (dump, get, comparisons).
inline constexpr int kJsonMaxDepth = 128;

// Parses untrusted JSON. Throws nlohmann::json::parse_error (a json::exception, as json::parse does)
// for malformed text, and for nesting deeper than maxDepth (the message names the limit).
nlohmann::json parseJsonLimited(std::string_view text, int maxDepth = kJsonMaxDepth);

// A JSON number as an exact int64: an integer in range, or a float with an integral value of at
// most 2^53 in magnitude (4096.0). nullopt for anything else (2.5, 1e308, 2^63, "3", true, null).
// Use it instead of get<int64_t>(), which casts an out-of-range float (undefined behaviour) and
// wraps a large unsigned value.
std::optional<int64_t> jsonInt64(const nlohmann::json& value);

// True when text is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool isValidUtf8(std::string_view text);

// Text with every ill-formed sequence replaced by U+FFFD (one per maximal invalid subpart, as the
// Unicode standard recommends and Python's errors="replace" does). Valid text is returned unchanged.
std::string toValidUtf8(std::string_view text);

// Length of the longest prefix of text that does not end inside an incomplete (but so far valid)
// UTF-8 sequence: a stream emits text[0, n) now and holds the rest back until more bytes arrive.
// At most 3 bytes are held back; an invalid sequence is not held (toValidUtf8 replaces it).
std::size_t utf8CompletePrefix(std::string_view text);

// Streams bytes as valid UTF-8: push() returns what may be shown now (complete characters, invalid
// bytes already replaced), finish() returns the held-back tail (replaced with U+FFFD if incomplete).
class Utf8StreamDecoder {
public:
    std::string push(std::string_view bytes);
    std::string finish();

private:
    std::string m_pending;  // at most 3 bytes: the start of an incomplete character
};

}  // namespace sightline
