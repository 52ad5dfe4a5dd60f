#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "sightline/chat.h"
#include "sightline/error.h"
#include "sightline/tokenizer.h"
#include "sightline/untrusted.h"
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

// --- tokenizer.json is untrusted input -------------------------------------------------------

// The message of the BadInput error f throws ("" and a test failure when it throws nothing else).
std::string badInputOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput) << e.what();
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "not a sightline::Error: " << e.what();
        return {};
    }
    ADD_FAILURE() << "no error";
    return {};
}

nlohmann::json fixtureTokenizerJson() {
    return test::readJson(test::fixturesDir() + "/model/tokenizer.json");
}

TEST(TokenizerUntrusted, BadTokenIdsAreRefusedNamingTheToken) {
    // Each used to index (and write) the id arrays unchecked: -1 and 2^31 wrote outside them
    // (ASan heap-buffer-overflow), 1e308 cast with undefined behaviour.
    const nlohmann::json bad[] = {-1, -2147483648LL, 2147483648LL, 4294967296LL, 2.5, 1e308, -0.5, kMaxVocabSize, "12", nullptr, true};
    for (const auto& id : bad) {
        SCOPED_TRACE(id.dump());
        auto j = fixtureTokenizerJson();
        j["model"]["vocab"]["zz_bad_token"] = id;
        const std::string msg = badInputOf([&] { Tokenizer::fromJson(j.dump(), "tok.json"); });
        EXPECT_NE(msg.find("zz_bad_token"), std::string::npos) << msg;
        EXPECT_NE(msg.find("tok.json"), std::string::npos) << msg;
    }
    // An integral float in range is an id like any other.
    auto j = fixtureTokenizerJson();
    j["model"]["vocab"]["zz_float_id"] = 700.0;
    EXPECT_EQ(Tokenizer::fromJson(j.dump(), "tok.json")->tokenId("zz_float_id"), 700);
}

TEST(TokenizerUntrusted, AddedTokensWithBadIdsAreRefused) {
    for (const nlohmann::json& id : {nlohmann::json(-5), nlohmann::json(1e300), nlohmann::json(int64_t(1) << 40), nlohmann::json("x")}) {
        SCOPED_TRACE(id.dump());
        auto j = fixtureTokenizerJson();
        j["added_tokens"].push_back({{"id", id}, {"content", "<|zz_added|>"}, {"special", true}});
        const std::string msg = badInputOf([&] { Tokenizer::fromJson(j.dump(), "tok.json"); });
        EXPECT_NE(msg.find("<|zz_added|>"), std::string::npos) << msg;
    }
    auto j = fixtureTokenizerJson();
    j["added_tokens"].push_back({{"content", "<|zz_no_id|>"}});
    badInputOf([&] { Tokenizer::fromJson(j.dump(), "tok.json"); });
    // Two different added tokens under one id.
    j = fixtureTokenizerJson();
    j["added_tokens"].push_back({{"id", j["added_tokens"][0]["id"]}, {"content", "<|zz_twin|>"}});
    EXPECT_NE(badInputOf([&] { Tokenizer::fromJson(j.dump(), "tok.json"); }).find("<|zz_twin|>"), std::string::npos);
}

TEST(TokenizerUntrusted, DuplicateIdsAreRefused) {
    auto j = fixtureTokenizerJson();
    j["model"]["vocab"]["zz_twin"] = j["model"]["vocab"]["he"];
    const std::string msg = badInputOf([&] { Tokenizer::fromJson(j.dump(), "tok.json"); });
    EXPECT_NE(msg.find("zz_twin"), std::string::npos) << msg;
    EXPECT_NE(msg.find("same id"), std::string::npos) << msg;
}

TEST(TokenizerUntrusted, MergesNamingUnknownTokensAreRefused) {
    auto j = fixtureTokenizerJson();
    j["model"]["merges"].push_back({"h", "zz_unknown"});
    std::string msg = badInputOf([&] { Tokenizer::fromJson(j.dump(), "tok.json"); });
    EXPECT_NE(msg.find("zz_unknown"), std::string::npos) << msg;
    // Both parts known, the merged token not.
    j = fixtureTokenizerJson();
    j["model"]["merges"].push_back({"Ā", "Ā"});
    msg = badInputOf([&] { Tokenizer::fromJson(j.dump(), "tok.json"); });
    EXPECT_NE(msg.find("ĀĀ"), std::string::npos) << msg;
    j = fixtureTokenizerJson();
    j["model"]["merges"].push_back({"a"});
    badInputOf([&] { Tokenizer::fromJson(j.dump(), "tok.json"); });
    j = fixtureTokenizerJson();
    j["model"]["merges"].push_back(7);
    badInputOf([&] { Tokenizer::fromJson(j.dump(), "tok.json"); });
}

TEST(TokenizerUntrusted, MissingByteTokensAreRefusedAtLoad) {
    auto j = fixtureTokenizerJson();
    j["model"]["vocab"].erase("Ā");  // byte 0x00 (GPT-2 maps it to U+0100)
    j["model"]["merges"] = nlohmann::json::array();
    EXPECT_NE(badInputOf([&] { Tokenizer::fromJson(j.dump(), "tok.json"); }).find("0x00"), std::string::npos);
}

TEST(TokenizerUntrusted, DeepNestingIsRefused) {
    // 1,000,000 levels inside the vocabulary: refused by the parser, no recursion over it.
    std::string deep = R"({"model": {"type": "BPE", "vocab": {"a": )" + std::string(1000000, '[') + std::string(1000000, ']') + "}}}";
    EXPECT_NE(badInputOf([&] { Tokenizer::fromJson(deep, "deep.json"); }).find("nested"), std::string::npos);
    EXPECT_NE(badInputOf([&] { Tokenizer::fromJson("[1, 2]", "list.json"); }).find("list.json"), std::string::npos);
}

TEST(TokenizerUntrusted, APathologicalPreTokenizerRegexIsAnErrorNotAGiantPiece) {
    // (a+)+$ backtracks exponentially on "aaa...b": PCRE2 stops at its match limit, and that is
    // reported instead of being taken for "no match" (which made the whole rest one BPE piece).
    auto j = fixtureTokenizerJson();
    j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(a+)+$"}}}, {"behavior", "Isolated"}};
    const auto tok = Tokenizer::fromJson(j.dump(), "slow.json");
    EXPECT_FALSE(tok->encode("aaaa").empty());
    const std::string msg = badInputOf([&] { tok->encode(std::string(40, 'a') + "b"); });
    EXPECT_NE(msg.find("regex"), std::string::npos) << msg;
}

TEST(TokenizerUntrusted, AMegabyteWithoutASpaceIsOnePieceAndRoundTrips) {
    // One pre-tokenizer piece of 1,000,000 letters: BPE over it is O(n log n) now (the pairwise rescan
    // took 2.8 s here and grew with every distinct merge of a real vocabulary); the result is exact.
    std::string text;
    uint32_t x = 12345;
    for (int i = 0; i < 1000000; ++i) {
        x = x * 1103515245u + 12345u;
        text += static_cast<char>('a' + (x >> 16) % 26);
    }
    const auto tok = fixtureTokenizer();
    const auto ids = tok->encode(text);
    EXPECT_LT(ids.size(), text.size());
    EXPECT_EQ(tok->decode(ids), text);
}

// --- text leaving the tokenizer is valid UTF-8 ------------------------------------------------

// Ids of the fixture's single-byte tokens (byte-level BPE: one for each of the 256 bytes).
std::map<uint8_t, int64_t> byteTokenIds(const Tokenizer& tok) {
    std::map<uint8_t, int64_t> ids;
    for (int64_t id = 0; id < tok.vocabSize(); ++id) {
        const std::string b = tok.tokenBytes(id);
        if (b.size() == 1 && !tok.isSpecial(id)) ids.emplace(static_cast<uint8_t>(b[0]), id);
    }
    return ids;
}

TEST(TokenizerUtf8, StreamingByteTokensOfChineseCharacters) {
    // "a中文" as single-byte tokens: 中 = E4 B8 AD, 文 = E6 96 87. Each character is split over three
    // ids; no chunk may carry part of one, and the chunks must add up to the text.
    const auto tok = fixtureTokenizer();
    const auto byteIds = byteTokenIds(*tok);
    ASSERT_EQ(byteIds.size(), 256u);
    const std::string text = "a\xE4\xB8\xAD\xE6\x96\x87";
    std::vector<int64_t> ids;
    for (unsigned char c : text) ids.push_back(byteIds.at(c));
    StreamDecoder stream(tok);
    std::string joined;
    std::vector<std::string> chunks;
    for (int64_t id : ids) {
        chunks.push_back(stream.push(id));
        EXPECT_TRUE(isValidUtf8(chunks.back())) << chunks.size();
        joined += chunks.back();
    }
    chunks.push_back(stream.flush());
    joined += chunks.back();
    EXPECT_EQ(joined, text);
    EXPECT_EQ(chunks, (std::vector<std::string>{"a", "", "", "\xE4\xB8\xAD", "", "", "\xE6\x96\x87", ""}));
    EXPECT_EQ(tok->decode(ids), text);

    // Cut inside 文: the stream holds E6 96 back, and the end turns it into one U+FFFD.
    const std::vector<int64_t> cut(ids.begin(), ids.end() - 1);
    StreamDecoder s2(tok);
    std::string out;
    for (int64_t id : cut) out += s2.push(id);
    EXPECT_EQ(out, "a\xE4\xB8\xAD");
    const std::string tail = s2.flush();
    EXPECT_EQ(tail, "\xEF\xBF\xBD");
    EXPECT_EQ(tok->decode(cut), "a\xE4\xB8\xAD\xEF\xBF\xBD");
    // Each byte token alone (how logprob alternatives are shown) is text too.
    for (int64_t id : ids) EXPECT_TRUE(isValidUtf8(tok->decode({id}))) << id;
    // A stray continuation byte in the middle is replaced, not passed on.
    EXPECT_EQ(tok->decode({byteIds.at('a'), byteIds.at(0xB8), byteIds.at('b')}),
              "a\xEF\xBF\xBD"
              "b");
}

}  // namespace
