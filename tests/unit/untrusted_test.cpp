// The rules for outside data: JSON nesting limit, UTF-8 validation, replacement and streaming.
#include <gtest/gtest.h>

#include <string>

#include "sightline/untrusted.h"

using sightline::isValidUtf8;
using sightline::parseJsonLimited;
using sightline::toValidUtf8;
using sightline::utf8CompletePrefix;
using sightline::Utf8StreamDecoder;

namespace {
const std::string kFffd = "\xEF\xBF\xBD";
}

TEST(JsonLimit, ParsesOrdinaryJson) {
    auto j = parseJsonLimited(R"({"a":[1,{"b":"c"}],"d":null})");
    EXPECT_EQ(j["a"][1]["b"], "c");
}

TEST(JsonLimit, RefusesDeepNestingWithoutRecursing) {
    // 100,000 levels: json::parse would accept this and a later dump() would overflow the stack.
    std::string deep(100000, '[');
    deep += std::string(100000, ']');
    try {
        parseJsonLimited(deep);
        FAIL() << "accepted 100000-deep JSON";
    } catch (const nlohmann::json::parse_error& e) {
        EXPECT_NE(std::string(e.what()).find("deeper than"), std::string::npos) << e.what();
    }
    std::string objects;
    for (int i = 0; i < 50000; ++i) objects += "{\"a\":";
    objects += "1";
    objects += std::string(50000, '}');
    EXPECT_THROW(parseJsonLimited(objects), nlohmann::json::parse_error);
}

TEST(JsonLimit, DepthLimitIsExact) {
    std::string ok(4, '['), bad(5, '[');
    ok += std::string(4, ']');
    bad += std::string(5, ']');
    EXPECT_NO_THROW(parseJsonLimited(ok, 4));
    EXPECT_THROW(parseJsonLimited(bad, 4), nlohmann::json::parse_error);
    EXPECT_THROW(parseJsonLimited("{\"a\":", 4), nlohmann::json::parse_error);
}

TEST(Utf8, Validates) {
    EXPECT_TRUE(isValidUtf8("plain ascii"));
    EXPECT_TRUE(isValidUtf8("caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80"));
    EXPECT_FALSE(isValidUtf8("caf\xE9"));           // Latin-1
    EXPECT_FALSE(isValidUtf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));      // surrogate
    EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(isValidUtf8("\xE4\xB8"));          // truncated
}

TEST(Utf8, ReplacesMaximalSubparts) {
    EXPECT_EQ(toValidUtf8("caf\xE9"), "caf" + kFffd);
    EXPECT_EQ(toValidUtf8("a\xE4\xB8"
                          "b"),
              "a" + kFffd + "b");                       // one U+FFFD for the broken character
    EXPECT_EQ(toValidUtf8("\xC0\xAF"), kFffd + kFffd);  // as Python's errors="replace"
    EXPECT_EQ(toValidUtf8("\xE4\xB8"), kFffd);          // cut at the end
    const std::string good = "\xE4\xB8\xAD\xE6\x96\x87";
    EXPECT_EQ(toValidUtf8(good), good);
}

TEST(Utf8, CompletePrefixHoldsBackOnlyAnIncompleteTail) {
    const std::string zhong = "\xE4\xB8\xAD";  // 中
    EXPECT_EQ(utf8CompletePrefix("ab" + zhong), 5u);
    EXPECT_EQ(utf8CompletePrefix("ab" + zhong.substr(0, 2)), 2u);
    EXPECT_EQ(utf8CompletePrefix("ab" + zhong.substr(0, 1)), 2u);
    EXPECT_EQ(utf8CompletePrefix("ab\xFF"), 3u);  // invalid: not held, replaced later
    EXPECT_EQ(utf8CompletePrefix(""), 0u);
}

TEST(Utf8, StreamDecoderNeverEmitsBrokenCharacters) {
    // Byte-level BPE can split a character over tokens: feed every split of a Chinese sentence.
    const std::string text = "\xE4\xB8\xAD\xE6\x96\x87 ok \xF0\x9F\x98\x80!";
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        Utf8StreamDecoder d;
        std::string a = d.push(text.substr(0, cut));
        std::string b = d.push(text.substr(cut));
        std::string c = d.finish();
        EXPECT_TRUE(isValidUtf8(a)) << cut;
        EXPECT_TRUE(isValidUtf8(b)) << cut;
        EXPECT_EQ(a + b + c, text) << cut;
    }
    Utf8StreamDecoder d;
    EXPECT_EQ(d.push("x\xE4\xB8"), "x");
    EXPECT_EQ(d.finish(), kFffd);  // an answer cut mid-character ends with U+FFFD
}
