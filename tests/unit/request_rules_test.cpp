// The rules every front end shares (sightline/request_rules.h, sightline/thinking.h).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sightline/request_rules.h"
#include "sightline/thinking.h"

using namespace sightline;

TEST(SplitThinking, ClosedBlockGivesReasoningAndAnswer) {
    const ThinkingSplit s = splitThinking("<think>look at it</think>\nA cat.");
    EXPECT_EQ(s.reasoning, "look at it");
    EXPECT_EQ(s.answer, "A cat.");
    EXPECT_FALSE(s.open);
}

TEST(SplitThinking, NoBlockIsAllAnswer) {
    const ThinkingSplit s = splitThinking("  \nA cat.");
    EXPECT_EQ(s.reasoning, "");
    EXPECT_EQ(s.answer, "A cat.");
    EXPECT_FALSE(s.open);
}

TEST(SplitThinking, ThinkTagLaterInTheAnswerIsText) {
    // The window used to treat any "<think>" as a block; the API only one at the start. The start wins.
    const ThinkingSplit s = splitThinking("Write <think> in HTML? No such tag.");
    EXPECT_EQ(s.reasoning, "");
    EXPECT_EQ(s.answer, "Write <think> in HTML? No such tag.");
}

TEST(SplitThinking, PromptOpenedBlockSplitsAtTheClose) {
    const ThinkingSplit s = splitThinking("thought</think>\n\nanswer");
    EXPECT_EQ(s.reasoning, "thought");
    EXPECT_EQ(s.answer, "answer");
    EXPECT_FALSE(s.open);
}

TEST(SplitThinking, UnterminatedBlockIsOpenAndHoldsBackAPartialClose) {
    ThinkingSplit s = splitThinking("<think>still going");
    EXPECT_TRUE(s.open);
    EXPECT_EQ(s.reasoning, "still going");
    EXPECT_EQ(s.answer, "");
    s = splitThinking("<think>almost</thi");
    EXPECT_TRUE(s.open);
    EXPECT_EQ(s.reasoning, "almost");
    s = splitThinking("<thi");
    EXPECT_TRUE(s.open);
    EXPECT_EQ(s.reasoning, "");
    EXPECT_EQ(s.answer, "");
}

TEST(SplitThinking, StreamingPrefixesNeverShowHalfATag) {
    const std::string full = "<think>r1 r2</think>\nthe answer";
    for (size_t n = 0; n <= full.size(); ++n) {
        const ThinkingSplit s = splitThinking(full.substr(0, n));
        EXPECT_EQ(s.reasoning.find('<'), std::string::npos) << n;
        EXPECT_EQ(s.answer.find('<'), std::string::npos) << n;
        EXPECT_EQ(full.compare(7, s.reasoning.size(), s.reasoning), 0) << n;  // a prefix of the final reasoning
    }
    EXPECT_EQ(splitThinking(full).answer, "the answer");
}

TEST(GenerationParamsRules, DefaultsAreValid) {
    EXPECT_EQ(generationParamsError(GenerationParams{}), std::nullopt);
}

TEST(GenerationParamsRules, EachRangeHasOneMessage) {
    auto err = [](auto edit) {
        GenerationParams p;
        edit(p);
        return generationParamsError(p).value_or("");
    };
    EXPECT_EQ(err([](GenerationParams& p) { p.sampling.topP = 0; }), "top_p must be in (0, 1], got 0");
    EXPECT_EQ(err([](GenerationParams& p) { p.sampling.topP = 1.5; }), "top_p must be in (0, 1], got 1.5");
    EXPECT_NE(err([](GenerationParams& p) { p.sampling.topP = std::nan(""); }).find("top_p"), std::string::npos);
    EXPECT_EQ(err([](GenerationParams& p) { p.sampling.temperature = -1; }), "temperature must be between 0 and 2, got -1");
    EXPECT_EQ(err([](GenerationParams& p) { p.sampling.temperature = 2.5; }), "temperature must be between 0 and 2, got 2.5");
    EXPECT_NE(err([](GenerationParams& p) { p.sampling.topK = -1; }).find("top_k must be between 0"), std::string::npos);
    EXPECT_EQ(err([](GenerationParams& p) { p.sampling.repetitionPenalty = 0; }), "repetition_penalty must be between 0.01 and 10, got 0");
    EXPECT_EQ(err([](GenerationParams& p) { p.maxNewTokens = 0; }), "max_new_tokens must be between 1 and 1e+09, got 0");
    EXPECT_NE(err([](GenerationParams& p) { p.maxImagePixels = -5; }).find("max_image_pixels"), std::string::npos);
    EXPECT_EQ(err([](GenerationParams& p) { p.sampling.temperature = 0; }), "");  // greedy is fine
}

TEST(GenerationParamsRules, ValidateThrowsBadInput) {
    GenerationParams p;
    p.sampling.topP = 0;
    try {
        validateGenerationParams(p);
        FAIL() << "top_p 0 accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        EXPECT_STREQ(e.what(), "top_p must be in (0, 1], got 0");
    }
}

TEST(AutoDType, DecidedByDevice) {
    EXPECT_EQ(autoDType(DeviceKind::Cuda), DType::BFloat16);
    EXPECT_EQ(autoDType(DeviceKind::Cpu), DType::Float32);
    EXPECT_EQ(resolveDType("auto", DeviceKind::Cuda), DType::BFloat16);
    EXPECT_EQ(resolveDType("auto", DeviceKind::Cpu), DType::Float32);
    EXPECT_EQ(resolveDType("bf16", DeviceKind::Cpu), DType::BFloat16);
    EXPECT_EQ(resolveDType("float16", DeviceKind::Cuda), DType::Float16);
    EXPECT_EQ(resolveDType("int4", DeviceKind::Cpu), std::nullopt);
}

TEST(BuildMessage, ImagesThenText) {
    auto img = std::make_shared<RgbImage>();
    img->width = img->height = 1;
    img->pixels = {1, 2, 3};
    const ChatMessage m = buildMessage(Role::User, "what is it?", {imagePart(img, "a.png")});
    ASSERT_EQ(m.content.size(), 2u);
    EXPECT_EQ(m.content[0].type, ContentPart::Type::Image);
    EXPECT_EQ(m.content[0].imageSource, "a.png");
    EXPECT_EQ(m.content[0].image, img);
    EXPECT_EQ(m.content[1].type, ContentPart::Type::Text);
    EXPECT_EQ(m.content[1].text, "what is it?");
}

TEST(BuildMessage, AssistantTurnIsSplitByTheSharedRule) {
    const ChatMessage m = buildMessage(Role::Assistant, "<think>hmm</think>\nA dog.");
    EXPECT_EQ(m.reasoning, "hmm");
    ASSERT_EQ(m.content.size(), 1u);
    EXPECT_EQ(m.content[0].text, "A dog.");
    const ChatMessage u = buildMessage(Role::User, "<think>not mine</think>");
    EXPECT_EQ(u.reasoning, "");  // only an assistant's output is split
    EXPECT_EQ(u.content[0].text, "<think>not mine</think>");
}

TEST(BuildMessage, MissingImageFileIsBadInput) {
    try {
        imageFilePart("/nonexistent/x.png");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    }
}

TEST(RequestStatsJson, OneSchema) {
    RequestStats s;
    s.ttftMs = 12.5;
    s.promptTokens = 40;
    s.cachedPromptTokens = 30;
    s.generatedTokens = 7;
    s.device = "cpu";
    const nlohmann::json j = requestStatsJson(s);
    const std::vector<std::string> keys = {"preprocess_ms",
                                           "vision_ms",
                                           "prefill_ms",
                                           "ttft_ms",
                                           "decode_ms",
                                           "total_ms",
                                           "prefill_tokens_per_s",
                                           "decode_tokens_per_s",
                                           "prompt_tokens",
                                           "cached_prompt_tokens",
                                           "image_tokens",
                                           "images_from_cache",
                                           "generated_tokens",
                                           "peak_memory_bytes",
                                           "device"};
    EXPECT_EQ(j.size(), keys.size());
    for (const auto& k : keys) EXPECT_TRUE(j.contains(k)) << k;
    EXPECT_EQ(j["ttft_ms"], 12.5);
    EXPECT_EQ(j["cached_prompt_tokens"], 30);
    EXPECT_EQ(j["device"], "cpu");
}

TEST(SplitThinking, TheChatTemplateSplitsModelOutputTheSameWay) {
    // renderGlmChat keeps chat_template.jinja's own split of a raw assistant text (prompt parity with
    // transformers); on what the model produces it must agree with the shared rule.
    for (const std::string raw :
         {"<think>look</think>\nA cat.", "<think>\nlook\n</think>\n\nA cat.", "A cat.", "look</think>A cat.", "<think></think>\nA cat."}) {
        for (bool last : {true, false}) {
            std::vector<ChatMessage> a = {ChatMessage::text(Role::User, "q"), ChatMessage::text(Role::Assistant, raw)};
            std::vector<ChatMessage> b = {ChatMessage::text(Role::User, "q"), buildMessage(Role::Assistant, raw)};
            if (!last) {
                a.push_back(ChatMessage::text(Role::User, "next"));
                b.push_back(ChatMessage::text(Role::User, "next"));
            }
            EXPECT_EQ(renderGlmChat(a, {}), renderGlmChat(b, {})) << raw;
        }
    }
}
