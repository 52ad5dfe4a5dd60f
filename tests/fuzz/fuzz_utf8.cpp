// The shared rules for outside data (sightline/untrusted.h) against their own contracts:
// parseJsonLimited refuses only with a json::exception (its header says parse_error, but
// json::parse itself throws out_of_range for a number like 1e999, and so does it); toValidUtf8 yields valid UTF-8 and keeps
// valid text unchanged; utf8CompletePrefix holds back at most 3 bytes; Utf8StreamDecoder, fed the
// input in pieces (cut points from the input itself), yields exactly toValidUtf8 of the whole.
#include "fuzz_support.h"
#include "sightline/untrusted.h"

namespace {

[[noreturn]] void fail(const char* what) {
    fprintf(stderr, "%s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    const std::string_view text = fuzz::asText(data, size);
    try {
        const nlohmann::json j = parseJsonLimited(text);
        (void)j.dump();  // recursive: the depth limit is what keeps it on the stack
    } catch (const nlohmann::json::exception&) {
    }

    const std::string valid = toValidUtf8(text);
    if (!isValidUtf8(valid)) fail("toValidUtf8 returned invalid UTF-8");
    if (isValidUtf8(text) && valid != text) fail("toValidUtf8 changed valid text");
    const size_t prefix = utf8CompletePrefix(text);
    if (prefix > text.size() || text.size() - prefix > 3) fail("utf8CompletePrefix held back more than 3 bytes");

    Utf8StreamDecoder stream;
    std::string streamed;
    size_t at = 0, step = 0;
    while (at < text.size()) {
        const size_t n = 1 + static_cast<uint8_t>(text[step++ % text.size()]) % 7;  // pieces of 1..7 bytes
        const std::string piece = stream.push(text.substr(at, n));
        if (!isValidUtf8(piece)) fail("Utf8StreamDecoder::push returned invalid UTF-8");
        streamed += piece;
        at += std::min(n, text.size() - at);
    }
    streamed += stream.finish();
    if (streamed != valid) fail("streamed text differs from toValidUtf8 of the whole");
    return 0;
}
