#include <gtest/gtest.h>

#include "sightline/chat.h"
#include "sightline/error.h"
#include "sightline/tokenizer.h"
#include "test_support.h"

using namespace sightline;

namespace {

std::shared_ptr<const Tokenizer> fixtureTokenizer() {
    static auto tok = Tokenizer::fromFile(test::fixturesDir() + "/model/tokenizer.json");
    return tok;
}

TEST(Tokenizer, FixtureCasesEncodeAndDecodeExactly) {
    const auto cases = test::readJson(test::fixturesDir() + "/tokenizer_cases.json");
    ASSERT_GE(cases.size(), 40u);
    for (const auto& c : cases) {
        const auto text = c["text"].get<std::string>();
        SCOPED_TRACE(text);
        const auto ids = c["ids"].get<std::vector<int64_t>>();
        EXPECT_EQ(fixtureTokenizer()->encode(text), ids);
        EXPECT_EQ(fixtureTokenizer()->decode(ids), c["decoded"].get<std::string>());
    }
}

TEST(Tokenizer, SpecialTokensAreSingleIds) {
    const auto tok = fixtureTokenizer();
    EXPECT_EQ(tok->encode("[gMASK]<sop><|user|>\n"), (std::vector<int64_t>{658, 660, 663, 198}));
    EXPECT_EQ(*tok->tokenId("<|image|>"), 690);
    EXPECT_TRUE(tok->isSpecial(690));
    EXPECT_FALSE(tok->isSpecial(198));
    // With special matching off, the marker is ordinary text.
    EXPECT_GT(tok->encode("<|user|>", false).size(), 1u);
}

TEST(Tokenizer, DecodeSkipsSpecialOnRequest) {
    const auto tok = fixtureTokenizer();
    const auto ids = tok->encode("<think>hi</think>");
    EXPECT_EQ(tok->decode(ids), "<think>hi</think>");
    EXPECT_EQ(tok->decode(ids, true), "hi");
}

TEST(Tokenizer, StreamingNeverSplitsACharacter) {
    const auto tok = fixtureTokenizer();
    const std::string text = "héllo 你好 🙂 wörld 𝄞!";
    const auto ids = tok->encode(text);
    StreamDecoder stream(tok);
    std::string out;
    for (auto id : ids) {
        const std::string piece = stream.push(id);
        EXPECT_EQ(completeUtf8Prefix(piece), piece.size()) << "emitted a partial UTF-8 sequence";
        EXPECT_EQ(repairUtf8(piece), piece);
        out += piece;
    }
    out += stream.flush();
    EXPECT_EQ(out, text);
}

TEST(Tokenizer, InvalidUtf8IsRepairedNotFatal) {
    const auto tok = fixtureTokenizer();
    const std::string bad = std::string("ok") + char(0xC3) + "x";
    EXPECT_NO_THROW(tok->encode(bad));
    EXPECT_EQ(repairUtf8(bad), "ok\xEF\xBF\xBDx");
    StreamDecoder s(tok);
    s.push(tok->encode("a")[0]);
    EXPECT_EQ(completeUtf8Prefix("\xF0\x9F"), 0u);  // incomplete 4-byte sequence is held back
    EXPECT_EQ(completeUtf8Prefix("\xFF"), 1u);      // invalid byte is not held forever
}

TEST(Tokenizer, MalformedJsonIsAClearError) {
    try {
        Tokenizer::fromJson("{\"model\": ", "bad/tokenizer.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        EXPECT_NE(std::string(e.what()).find("bad/tokenizer.json"), std::string::npos);
    }
    EXPECT_THROW(Tokenizer::fromJson(R"({"model": {"type": "Unigram"}})", "x"), Error);
}

TEST(Tokenizer, AcceptsStringMergesToo) {
    const auto j = test::readJson(test::fixturesDir() + "/model/tokenizer.json");
    auto legacy = j;
    legacy["model"]["merges"] = nlohmann::json::array();
    for (const auto& m : j["model"]["merges"]) legacy["model"]["merges"].push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
    const auto tok = Tokenizer::fromJson(legacy.dump(), "legacy");
    EXPECT_EQ(tok->encode("Hello world, 123456!"), fixtureTokenizer()->encode("Hello world, 123456!"));
}

}  // namespace
