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

namespace sightline {

class Tokenizer {
public:
    // Throws Error(BadInput) naming the file for malformed JSON or unsupported tokenizer types.
    static std::shared_ptr<const Tokenizer> fromFile(const std::string& tokenizerJsonPath);
    static std::shared_ptr<const Tokenizer> fromJson(const std::string& jsonText, const std::string& nameForErrors);
    ~Tokenizer();

    // Added tokens in the text are matched as single ids when allowSpecial is true (HF default).
    std::vector<int64_t> encode(std::string_view text, bool allowSpecial = true) const;
    // Bytes of the ids, UTF-8 repaired with U+FFFD where a sequence is cut (as HF decode does).
    std::string decode(const std::vector<int64_t>& ids, bool skipSpecial = false) const;
    // Raw bytes one token stands for (special tokens: their text).
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
    std::string m_pending;  // bytes of an incomplete UTF-8 sequence
};

// Helpers shared by decoders: length of the longest prefix of `bytes` that is complete UTF-8
// (an invalid byte counts as complete so it is not held forever), and U+FFFD repair.
size_t completeUtf8Prefix(std::string_view bytes);
std::string repairUtf8(std::string_view bytes);

}  // namespace sightline
