// Rules for data that comes from outside (files, the network, the model's own output):
// JSON is parsed with a nesting limit, and text that leaves the engine is valid UTF-8.
// One place for both rules; every front end (CLI, GUI, API, moderation) uses these.
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sightline/utf8.h"  // the UTF-8 half of the rules, light enough for every public header

namespace sightline {

// Deepest nesting of objects/arrays accepted from outside. Real inputs (chat messages, config.json,
// tokenizer.json, queue rows) stay below 16; 10,000-deep input would otherwise overflow the stack in
// recursive consumers (dump, get, comparisons).
inline constexpr int kJsonMaxDepth = 128;

// Parses untrusted JSON. Throws a nlohmann::json::exception, as json::parse does: parse_error for
// malformed text and for nesting deeper than maxDepth (the message names the limit), out_of_range
// for a number beyond double (1e999). Callers catch json::exception.
nlohmann::json parseJsonLimited(std::string_view text, int maxDepth = kJsonMaxDepth);
// The same, keeping the order of object keys (what a chat template sees: transformers passes dicts
// in the order the JSON had them, and tojson writes them so).
nlohmann::ordered_json parseOrderedJsonLimited(std::string_view text, int maxDepth = kJsonMaxDepth);

// A JSON number as an exact int64: an integer in range, or a float with an integral value of at
// most 2^53 in magnitude (4096.0). nullopt for anything else (2.5, 1e308, 2^63, "3", true, null).
// Use it instead of get<int64_t>(), which casts an out-of-range float (undefined behaviour) and
// wraps a large unsigned value.
std::optional<int64_t> jsonInt64(const nlohmann::json& value);

}  // namespace sightline
