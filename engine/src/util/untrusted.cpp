#include "sightline/untrusted.h"

#include <cmath>
#include <cstdint>

namespace sightline {

using nlohmann::json;

json parseJsonLimited(std::string_view text, int maxDepth) {
    // The callback parser is iterative (no recursion per level); the callback sees each value's
    // depth before the value is built, so a deep input is refused before it costs anything.
    json::parser_callback_t limit = [maxDepth](int depth, json::parse_event_t event, json&) {
        if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) && depth >= maxDepth)
            throw json::parse_error::create(101, 0, "JSON nested deeper than " + std::to_string(maxDepth) + " levels", nullptr);
        return true;
    };
    return json::parse(text.begin(), text.end(), limit);
}

nlohmann::ordered_json parseOrderedJsonLimited(std::string_view text, int maxDepth) {
    using ojson = nlohmann::ordered_json;
    ojson::parser_callback_t limit = [maxDepth](int depth, ojson::parse_event_t event, ojson&) {
        if ((event == ojson::parse_event_t::object_start || event == ojson::parse_event_t::array_start) && depth >= maxDepth)
            throw ojson::parse_error::create(101, 0, "JSON nested deeper than " + std::to_string(maxDepth) + " levels", nullptr);
        return true;
    };
    return ojson::parse(text.begin(), text.end(), limit);
}

std::optional<int64_t> jsonInt64(const json& v) {
    if (v.is_number_unsigned()) {
        const auto u = v.get<uint64_t>();
        if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<int64_t>(u);
    }
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_number_float()) {
        const double d = v.get<double>();
        constexpr double kExact = 9007199254740992.0;  // 2^53: every integer up to here is exact in a double
        if (!std::isfinite(d) || std::fabs(d) > kExact || std::trunc(d) != d) return std::nullopt;
        return static_cast<int64_t>(d);
    }
    return std::nullopt;
}

namespace {

// Length of the valid UTF-8 sequence at text[i], 0 when ill-formed there, -1 when valid so far but cut
// off by the end of the text. Follows Table 3-7 of the Unicode standard (well-formed byte sequences).
int sequenceAt(std::string_view text, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<uint8_t>(text[k]); };
    const uint8_t c = b(i);
    if (c < 0x80) return 1;
    int len;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c == 0xE0) {
        len = 3;
        lo = 0xA0;
    } else if (c >= 0xE1 && c <= 0xEC)
        len = 3;
    else if (c == 0xED) {
        len = 3;
        hi = 0x9F;
    }  // no surrogates
    else if (c >= 0xEE && c <= 0xEF)
        len = 3;
    else if (c == 0xF0) {
        len = 4;
        lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3)
        len = 4;
    else if (c == 0xF4) {
        len = 4;
        hi = 0x8F;
    }  // nothing above U+10FFFF
    else
        return 0;
    for (int k = 1; k < len; ++k) {
        if (i + k >= text.size()) return -1;
        const uint8_t t = b(i + k);
        const uint8_t kLo = k == 1 ? lo : 0x80, kHi = k == 1 ? hi : 0xBF;
        if (t < kLo || t > kHi) return 0;
    }
    return len;
}

// Bytes of the maximal invalid subpart at text[i] (at least 1): the lead byte plus the continuation
// bytes that were still acceptable before the sequence broke.
std::size_t invalidSpan(std::string_view text, std::size_t i) {
    std::size_t n = 1;
    for (std::size_t cut = i + 1; cut <= text.size(); ++cut) {
        // Grow while the prefix text[i, cut) is a valid-so-far start of a sequence.
        if (sequenceAt(text.substr(0, cut), i) != -1) break;
        n = cut - i;
    }
    return n;
}

}  // namespace

bool isValidUtf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const int n = sequenceAt(text, i);
        if (n <= 0) return false;
        i += static_cast<std::size_t>(n);
    }
    return true;
}

std::string toValidUtf8(std::string_view text) {
    static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const int n = sequenceAt(text, i);
        if (n > 0) {
            out.append(text.substr(i, static_cast<std::size_t>(n)));
            i += static_cast<std::size_t>(n);
        } else {
            out.append(kReplacement);
            i += n == 0 ? invalidSpan(text, i) : text.size() - i;
        }
    }
    return out;
}

std::size_t utf8CompletePrefix(std::string_view text) {
    // Only the last 3 bytes can start an incomplete character.
    const std::size_t from = text.size() > 3 ? text.size() - 3 : 0;
    for (std::size_t i = from; i < text.size(); ++i) {
        const uint8_t c = static_cast<uint8_t>(text[i]);
        if (c < 0x80 || (c >= 0x80 && c <= 0xBF)) continue;  // ASCII or continuation byte
        if (sequenceAt(text, i) == -1) return i;
    }
    return text.size();
}

std::string Utf8StreamDecoder::push(std::string_view bytes) {
    m_pending.append(bytes);
    const std::size_t n = utf8CompletePrefix(m_pending);
    std::string out = toValidUtf8(std::string_view(m_pending).substr(0, n));
    m_pending.erase(0, n);
    return out;
}

std::string Utf8StreamDecoder::finish() {
    std::string out = toValidUtf8(m_pending);
    m_pending.clear();
    return out;
}

}  // namespace sightline
