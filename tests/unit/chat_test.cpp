#include <gtest/gtest.h>

#include "sightline/chat.h"
#include "sightline/error.h"
#include "sightline/untrusted.h"
#include "test_support.h"

using namespace sightline;

namespace {

TEST(ChatTemplate, RendersEveryFixtureCasePrompt) {
    const auto cases = test::readJson(test::fixturesDir() + "/cases/cases.json");
    for (const auto& c : cases["cases"]) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const auto messages = parseChatJson(c["messages"].dump(), test::fixturesDir() + "/cases");
        ChatTemplateOptions o;
        o.enableThinking = c["chat_template_kwargs"].value("enable_thinking", true);
        o.addGenerationPrompt = c["chat_template_kwargs"].value("add_generation_prompt", true);
        EXPECT_EQ(renderGlmChat(messages, o), c["prompt"].get<std::string>());
    }
}

TEST(ChatTemplate, ThinkingHistoryAndSystem) {
    std::vector<ChatMessage> m = {ChatMessage::text(Role::System, "Be brief."), ChatMessage::text(Role::User, "Hi"),
                                  ChatMessage::text(Role::Assistant, "<think>pondering</think>Hello!"),
                                  ChatMessage::text(Role::User, "More")};
    ChatTemplateOptions o;
    EXPECT_EQ(renderGlmChat(m, o),
              "[gMASK]<sop><|system|>\nBe brief.<|user|>\nHi<|assistant|>\n<think></think>\nHello!<|user|>\nMore<|assistant|>\n");
    o.enableThinking = false;
    EXPECT_EQ(renderGlmChat(m, o),
              "[gMASK]<sop><|system|>\nBe brief.<|user|>\nHi/nothink<|assistant|>\n<think></think>\nHello!<|user|>\n"
              "More/nothink<|assistant|>\n<think></think>\n");
    // Reasoning after the last user turn is kept.
    std::vector<ChatMessage> tail = {ChatMessage::text(Role::User, "Q"), ChatMessage::text(Role::Assistant, "<think> r </think> A ")};
    o.enableThinking = true;
    o.addGenerationPrompt = false;
    EXPECT_EQ(renderGlmChat(tail, o), "[gMASK]<sop><|user|>\nQ<|assistant|>\n<think>r</think>\nA");
}

TEST(ChatJson, FormatsAndErrors) {
    const std::string dir = test::fixturesDir() + "/cases";
    auto a = parseChatJson(R"([{"role":"user","content":"plain"}])", dir);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].content[0].text, "plain");
    auto b = parseChatJson(
        R"({"messages":[{"role":"user","content":[{"type":"image","path":"images/img_1x1.png"},{"type":"text","text":"q"}]}]})", dir);
    ASSERT_EQ(b[0].content.size(), 2u);
    EXPECT_EQ(b[0].content[0].image->width, 1);
    auto c = parseChatJson(R"([{"role":"user","content":[{"type":"image","url":"file://)" + dir + R"(/images/img_1x1.png"}]}])", "");
    EXPECT_EQ(c[0].content[0].image->height, 1);
    // data: URI of the 1x1 PNG
    const std::string png = test::readFile(dir + "/images/img_1x1.png");
    static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string b64;
    for (size_t i = 0; i < png.size(); i += 3) {
        uint32_t v =
            uint8_t(png[i]) << 16 | (i + 1 < png.size() ? uint8_t(png[i + 1]) << 8 : 0) | (i + 2 < png.size() ? uint8_t(png[i + 2]) : 0);
        b64 += tbl[v >> 18 & 63];
        b64 += tbl[v >> 12 & 63];
        b64 += i + 1 < png.size() ? tbl[v >> 6 & 63] : '=';
        b64 += i + 2 < png.size() ? tbl[v & 63] : '=';
    }
    auto d = parseChatJson(R"([{"role":"user","content":[{"type":"image","image":"data:image/png;base64,)" + b64 + R"("}]}])", "");
    EXPECT_EQ(d[0].content[0].image->width, 1);

    for (const char* bad : {"[", R"({"nomessages":1})", R"([{"content":"x"}])", R"([{"role":"wizard","content":"x"}])",
                            R"([{"role":"user","content":[{"type":"audio"}]}])", R"([{"role":"user","content":[{"type":"image"}]}])",
                            R"([{"role":"user","content":[{"type":"image","image":"missing.png"}]}])",
                            R"([{"role":"user","content":[{"type":"image","image":"https://example.com/a.png"}]}])"}) {
        SCOPED_TRACE(bad);
        EXPECT_THROW(parseChatJson(bad, dir), Error);
    }
}

TEST(ChatJson, DeepNestingIsABadInputError) {
    // 100,000 levels inside a message's content: copying the value recursed until the stack was gone.
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    for (const std::string& text : {R"([{"role": "user", "content": )" + deep + "}]", R"({"messages": )" + deep + "}", deep}) {
        try {
            parseChatJson(text, "");
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            EXPECT_NE(std::string(e.what()).find("nested deeper than"), std::string::npos) << e.what();
        }
    }
    // Nesting at the limit's edge of ordinary use still parses.
    EXPECT_EQ(parseChatJson(R"([{"role": "user", "content": [{"type": "text", "text": "hi"}]}])", "").size(), 1u);
}

TEST(ChatJson, ErrorMessagesAreValidUtf8) {
    // A role in Latin-1 inside otherwise valid JSON can't occur (the parser refuses invalid UTF-8),
    // but the parser's own message quotes the bytes it stopped at: the error must still be text.
    const std::string latin1 = "[{\"role\": \"user\", \"content\": \"caf\xE9\"}]";
    try {
        parseChatJson(latin1, "");
        ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        EXPECT_TRUE(isValidUtf8(e.what())) << e.what();
    }
}

std::string base64(const std::string& bytes) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < bytes.size(); i += 3) {
        uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
        if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
        if (i + 2 < bytes.size()) v |= uint8_t(bytes[i + 2]);
        out += k[(v >> 18) & 63];
        out += k[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? k[(v >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? k[v & 63] : '=';
    }
    return out;
}

TEST(ChatJson, ImagePixelsAreCappedPerConversationBeforeDecoding) {
    const std::string png = test::readFile(std::string(SIGHTLINE_TEST_DATA_DIR) + "/pattern_40x20.png");  // 800 pixels
    // A PNG whose header claims 13000 x 13000 and whose data is garbage: refused by its header.
    std::string bomb = png;
    const uint32_t big = __builtin_bswap32(13000);
    bomb.replace(16, 4, reinterpret_cast<const char*>(&big), 4);
    bomb.replace(20, 4, reinterpret_cast<const char*>(&big), 4);
    auto conversation = [&](const std::vector<std::string>& images) {
        nlohmann::json content = nlohmann::json::array();
        for (const auto& im : images) content.push_back({{"type", "image"}, {"image", "data:image/png;base64," + base64(im)}});
        content.push_back({{"type", "text"}, {"text", "What is it?"}});
        return nlohmann::json::array({{{"role", "user"}, {"content", content}}}).dump();
    };
    DecodeOptions o;
    o.maxTotalPixels = 1600;
    EXPECT_EQ(parseChatJson(conversation({png, png}), "", o)[0].content[1].image->width, 40);
    try {
        parseChatJson(conversation({png, png, png}), "", o);
        ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("2400 pixels together, over the limit of 1600"), std::string::npos) << e.what();
    }
    // Per image: the bomb's header alone refuses it (no "corrupt" from an attempt to decode).
    o.maxTotalPixels = 0;
    o.maxPixels = 50000000;
    try {
        parseChatJson(conversation({png, bomb}), "", o);
        ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("over the limit of 50000000"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("content[1]"), std::string::npos) << e.what();
    }
}

}  // namespace
