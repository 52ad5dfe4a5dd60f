// Byte-level BPE tokenizer read from a Hugging Face tokenizer.json: Split-regex pre-tokenizer
// (PCRE2 with Unicode classes), GPT-2 byte mapping, ranked merges, added/special tokens matched
// before pre-tokenization. Immutable after construction; encode/decode are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/utf8.h"

namespace sightline {

// Token ids a tokenizer.json (and config.json's vocab_size) may use: real vocabularies stay below
// 300,000; a file claiming id 2^31 is refused instead of sizing arrays by it.
inline constexpr int64_t kMaxVocabSize = int64_t(1) << 22;

class Tokenizer {
public:
    // tokenizer.json is untrusted (checkpoints come from the internet): throws Error(BadInput) naming
    // the file, and the token where one is at fault, for malformed or deeply nested JSON, a token id
    // that is not an integer in [0, kMaxVocabSize), two tokens with one id, a merge naming a token
    // outside the vocabulary, a missing byte token, or an unsupported tokenizer type.
    static std::shared_ptr<const Tokenizer> fromFile(const std::string& tokenizerJsonPath);
    static std::shared_ptr<const Tokenizer> fromJson(const std::string& jsonText, const std::string& nameForErrors);
    ~Tokenizer();

    // Added tokens in the text are matched as single ids when allowSpecial is true (HF default).
    std::vector<int64_t> encode(std::string_view text, bool allowSpecial = true) const;
    // Bytes of the ids, UTF-8 repaired with U+FFFD where a sequence is cut (as HF decode does).
    std::string decode(const std::vector<int64_t>& ids, bool skipSpecial = false) const;
    // Raw bytes one token stands for (special tokens: their text). NOT text: a byte-level token can
    // be part of a character. To show a token, use decode({id}) (valid UTF-8, U+FFFD for a part).
    std::string tokenBytes(int64_t id) const;

    std::optional<int64_t> tokenId(std::string_view token) const;  // vocab or added token
    bool isSpecial(int64_t id) const;
    int64_t vocabSize() const;  // highest id + 1

    struct Impl;

private:
    explicit Tokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// Streaming decode: feed ids one at a time, get back only complete UTF-8 text, never half a
// character. Not thread-safe; one per request.
class StreamDecoder {
public:
    explicit StreamDecoder(std::shared_ptr<const Tokenizer> tokenizer, bool skipSpecial = false);
    std::string push(int64_t id);  // text completed by this id (may be empty)
    std::string flush();           // whatever is left, invalid bytes replaced by U+FFFD

private:
    std::shared_ptr<const Tokenizer> m_tokenizer;
    bool m_skipSpecial;
    Utf8StreamDecoder m_utf8;  // holds the bytes of an incomplete character
};

// The same as utf8CompletePrefix and toValidUtf8 of sightline/untrusted.h (kept names).
size_t completeUtf8Prefix(std::string_view bytes);
std::string repairUtf8(std::string_view bytes);

}  // namespace sightline
