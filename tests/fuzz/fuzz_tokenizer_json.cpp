// tokenizer.json text → Tokenizer::fromJson, then an encode → decode round trip of fixed texts
// (plain, special tokens, CJK, emoji, invalid UTF-8), every id's bytes and a streaming decode.
#include "fuzz_support.h"
#include "sightline/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    static const char* const kTexts[] = {
        "Hello, world! 123 4567",
        "[gMASK]<sop><|user|>\nWhat is in <|begin_of_image|><|image|><|end_of_image|>?<|assistant|>",
        "\xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x98\x80  \t\r\n\n",
        "bad \xFF\xC3 utf8 \xED\xA0\x80",
        "",
    };
    return fuzz::refusalsAreFine([&] {
        const auto tok = Tokenizer::fromJson(std::string(fuzz::asText(data, size)), "tokenizer.json");
        const int64_t vocab = tok->vocabSize();
        for (const char* text : kTexts) {
            for (bool special : {true, false}) {
                const std::vector<int64_t> ids = tok->encode(text, special);
                (void)tok->decode(ids, false);
                (void)tok->decode(ids, true);
                StreamDecoder stream(tok, special);
                for (int64_t id : ids) (void)stream.push(id);
                (void)stream.flush();
            }
        }
        for (int64_t id = 0; id < vocab && id < 4096; ++id) {
            (void)tok->tokenBytes(id);
            (void)tok->isSpecial(id);
        }
        (void)tok->tokenId("<|user|>");
    });
}
