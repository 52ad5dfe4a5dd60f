// Text → the tiny fixture's tokenizer (tests/fuzz/corpus/fuzz_tokenizer_json/tokenizer.json):
// encode, then decode. The tokenizer has no normalizer and maps bytes one to one (byte-level
// BPE), so for valid UTF-8 text decode(encode(text)) must give the text back exactly; for invalid
// text it must give toValidUtf8(text). The decoded text and a streamed decode must be valid UTF-8
// and agree. Invalid UTF-8 may be refused with an Error; valid text may not. Ids from the input's tail (any value, also out of range) are
// decoded too.
#include <cstring>

#include "fuzz_support.h"
#include "sightline/tokenizer.h"
#include "sightline/untrusted.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    static const std::shared_ptr<const Tokenizer> tok =
        Tokenizer::fromFile(SIGHTLINE_FUZZ_DIR "/corpus/fuzz_tokenizer_json/tokenizer.json");
    const std::string_view text = fuzz::asText(data, size);
    std::vector<int64_t> ids;
    try {
        ids = tok->encode(text, /*allowSpecial=*/false);
    } catch (const Error&) {
        if (isValidUtf8(text)) throw;  // refusing valid text is a finding (escapes: abort)
        return 0;                      // invalid UTF-8 may be refused
    }
    const std::string back = tok->decode(ids);
    if (back != toValidUtf8(text)) {
        fprintf(stderr, "round trip changed the text: %zu bytes in, %zu bytes out\n", text.size(), back.size());
        std::abort();
    }
    StreamDecoder stream(tok);
    std::string streamed;
    for (int64_t id : ids) streamed += stream.push(id);
    streamed += stream.flush();
    if (streamed != back) {
        fprintf(stderr, "streamed decode differs from decode\n");
        std::abort();
    }
    (void)tok->encode(text, /*allowSpecial=*/true);  // refused above when it would be

    std::vector<int64_t> raw(size / 8);
    if (!raw.empty()) std::memcpy(raw.data(), data, raw.size() * 8);
    return fuzz::refusalsAreFine([&] {
        const std::string s = tok->decode(raw);
        if (!isValidUtf8(s)) {
            fprintf(stderr, "decode of raw ids is not valid UTF-8\n");
            std::abort();
        }
        StreamDecoder rawStream(tok, true);
        for (int64_t id : raw) (void)rawStream.push(id);
        (void)rawStream.flush();
    });
}
