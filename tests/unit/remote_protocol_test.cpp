// The remote backend's wire format without a network: request bodies (images as lossless PNG data:
// URIs, sampling fields, thinking), SSE split at any byte, reasoning deltas wrapped as the local
// engine's text, non-streamed answers with logprobs and token ids, and hostile input refused.
#include <gtest/gtest.h>

#include "remote_backend.h"
#include "remote_protocol.h"
#include "sightline/request_rules.h"
#include "sightline/thinking.h"

using namespace sightline;
using namespace sightline::app;
using nlohmann::json;

TEST(RemoteProtocol, RequestBodyCarriesParamsAndLosslessImages) {
    auto img = std::make_shared<RgbImage>();
    img->width = 5;
    img->height = 3;
    for (int i = 0; i < 45; ++i) img->pixels.push_back(static_cast<uint8_t>(i * 5));
    GenerationParams p;
    p.sampling.temperature = 0;
    p.sampling.topK = 7;
    p.maxNewTokens = 33;
    p.enableThinking = false;
    const json b = chatRequestBody({buildMessage(Role::System, "sys"), buildMessage(Role::User, "what?", {imagePart(img)})}, p, "m", true);
    EXPECT_EQ(b["model"], "m");
    EXPECT_EQ(b["max_tokens"], 33);
    EXPECT_EQ(b["top_k"], 7);
    EXPECT_EQ(b["chat_template_kwargs"]["enable_thinking"], false);
    EXPECT_TRUE(b["stream"].get<bool>());
    EXPECT_TRUE(b["stream_options"]["include_usage"].get<bool>());
    EXPECT_EQ(b["messages"][0]["content"], "sys");
    const json& parts = b["messages"][1]["content"];
    ASSERT_EQ(parts.size(), 2u);
    const std::string uri = parts[0]["image_url"]["url"];
    ASSERT_EQ(uri.rfind("data:image/png;base64,", 0), 0u);
    EXPECT_EQ(parts[1]["text"], "what?");
    // The server decodes exactly these pixels (the engine's own decoder reads the URI back).
    const auto back =
        parseChatJson(json::array({{{"role", "user"}, {"content", json::array({{{"type", "image"}, {"image", uri}}})}}}).dump(), ".");
    ASSERT_EQ(back[0].content.size(), 1u);
    EXPECT_EQ(back[0].content[0].image->pixels, img->pixels);
    const json whole = chatRequestBody({buildMessage(Role::User, "x")}, p, "m", false);
    EXPECT_TRUE(whole["logprobs"].get<bool>());
    EXPECT_FALSE(whole.contains("stream"));
}

TEST(RemoteProtocol, StreamSplitAtEveryByteGivesTheSameText) {
    const std::string wire =
        ": comment\r\n"
        "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\r\n\r\n"
        "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"think \\u00e9\"}}]}\n\n"
        "data: {\"choices\":[{\"delta\":{\"content\":\"answer\"},\"token_ids\":[5,6]}]}\n\n"
        "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n\n"
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4}}\n\n"
        "data: [DONE]\n\n";
    for (size_t step : {size_t(1), size_t(3), wire.size()}) {
        SseParser sse;
        StreamAssembler a;
        std::string seen;
        for (size_t i = 0; i < wire.size(); i += step)
            sse.feed(std::string_view(wire).substr(i, step),
                     [&](std::string_view d) { a.add(d, [&](const TokenEvent& e) { seen += e.textDelta; }); });
        const GenerateResult r = a.result();
        EXPECT_EQ(r.text, "<think>think \xc3\xa9</think>answer");
        EXPECT_EQ(seen, r.text);
        EXPECT_EQ(splitThinking(r.text).answer, "answer");
        EXPECT_EQ(r.finishReason, FinishReason::Length);
        EXPECT_EQ(r.outputIds, (std::vector<int64_t>{5, 6}));
        EXPECT_EQ(a.usage()["completion_tokens"], 4);
        EXPECT_TRUE(a.done());
        EXPECT_EQ(a.events(), 2);
    }
}

TEST(RemoteProtocol, HostileStreamsAreRefused) {
    SseParser sse;
    StreamAssembler a;
    auto feed = [&](const std::string& s) { sse.feed(s, [&](std::string_view d) { a.add(d, {}); }); };
    EXPECT_THROW(feed("data: " + std::string(200000, '[') + "\n"), Error);
    EXPECT_THROW(feed("data: {\"error\":{\"message\":\"boom\"}}\n"), Error);
    EXPECT_THROW(feed("data: {\"choices\":[{\"delta\":{\"content\":7}}]}\n"), Error);
    SseParser big;
    EXPECT_THROW(big.feed(std::string(SseParser::kMaxSseLine + 1, 'x'), [](std::string_view) {}), Error);
    StreamAssembler u;  // ill-formed UTF-8 arrives as U+FFFD, never as invalid text
    u.add("{\"choices\":[{\"delta\":{\"content\":\"a\xff\"}}]}", {});
    EXPECT_EQ(u.result().text, "a\xef\xbf\xbd");
}

TEST(RemoteProtocol, CompletionWithLogprobsAndErrors) {
    const std::string body = R"({"choices":[{"message":{"content":"{\"verdict\":\"approve\"}","reasoning_content":"hm"},
        "finish_reason":"stop","token_ids":[1,2],"logprobs":{"content":[{"token":"{\"","logprob":-0.1},{"token":"verdict","logprob":-0.2}]}}],
        "usage":{"prompt_tokens":5,"completion_tokens":2}})";
    json usage;
    const GenerateResult r = parseCompletion(body, &usage, nullptr);
    EXPECT_EQ(r.text, "<think>hm</think>{\"verdict\":\"approve\"}");
    ASSERT_EQ(r.tokens.size(), 2u);
    EXPECT_EQ(r.tokens[1].tokenId, 2);
    EXPECT_FLOAT_EQ(r.tokens[1].logprob, -0.2f);
    EXPECT_EQ(usage["prompt_tokens"], 5);
    EXPECT_THROW(parseCompletion("{\"choices\":[]}", nullptr, nullptr), Error);
    EXPECT_THROW(parseCompletion("<html>", nullptr, nullptr), Error);
    EXPECT_EQ(serverErrorText(401, R"({"error":{"message":"bad key"}})"), "HTTP 401: bad key");
    EXPECT_EQ(serverErrorText(422, R"({"detail":"field required"})"), "HTTP 422: field required");
    EXPECT_EQ(modelIds(R"({"data":[{"id":"a"},{"id":"b"}]})"), (std::vector<std::string>{"a", "b"}));
}

TEST(RemoteBackend, UrlAndOptionsAreChecked) {
    EXPECT_EQ(normalizeBaseUrl("http://h:1/v1/"), "http://h:1/v1");
    EXPECT_THROW(normalizeBaseUrl("file:///etc/passwd"), Error);
    EXPECT_THROW(normalizeBaseUrl("h:1/v1"), Error);
    RemoteOptions o;
    o.baseUrl = "http://127.0.0.1:1/v1";
    o.concurrency = 0;
    EXPECT_THROW(RemoteBackend{o}, Error);
    o.concurrency = 2;
    RemoteBackend b(o);
    EXPECT_FALSE(b.loaded());
    EXPECT_THROW(b.submit(RequestSource::Chat, {buildMessage(Role::User, "x")}, {}), Error);
    // Port 1 refuses: a clear error after the retries, marked as an outage.
    o.maxRetries = 1;
    o.backoffBaseS = 0.01;
    RemoteBackend c(o);
    try {
        c.load({});
        FAIL() << "connected to port 1";
    } catch (const RemoteError& e) {
        EXPECT_TRUE(e.unavailable());
        EXPECT_NE(std::string(e.what()).find("cannot reach the remote server"), std::string::npos) << e.what();
    }
}
