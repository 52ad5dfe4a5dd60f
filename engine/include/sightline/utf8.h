// Text that leaves the engine is valid UTF-8: the checks, the U+FFFD repair and the stream decoder
// that holds back an incomplete character. Part of the rules of sightline/untrusted.h, in a header
// of its own so public headers (error.h, tokenizer.h) need not pull in the JSON library.
// Thread-safe: pure functions; a Utf8StreamDecoder belongs to one stream.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sightline {

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
