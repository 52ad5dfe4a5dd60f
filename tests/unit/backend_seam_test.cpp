// The front ends that are not windows — the local API, the benchmark runner, the moderation
// pipeline — reach the model only through app::InferenceBackend: driven here by the shared fake
// (tests/support/fake_backend.h), each must see the fake's answers and the fake must see their
// requests, tagged with their source. A front end that went around the seam (to a Model or a
// Scheduler of its own) would get no answer from the fake and fail these.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>

#include "api_round_trip.h"
#include "bench_runner.h"
#include "fake_backend.h"
#include "moderation.h"
#include "openai_api.h"
#include "test_support.h"

using namespace sightline;
using nlohmann::json;

namespace {

// One request through ApiService::handle (tests/support/api_round_trip.h); the raw HTTP response.
std::string roundTrip(server::ApiService& api, const std::string& method, const std::string& path, const std::string& body = {}) {
    server::HttpRequest req;
    req.method = method;
    req.path = path;
    req.body = body;
    return apitest::roundTrip(api, req);
}

using apitest::bodyOf;

}  // namespace

TEST(BackendSeam, ApiServiceAnswersFromTheBackend) {
    auto fake = std::make_shared<fakes::FakeBackend>(std::vector<std::string>{"<think>", "hmm", "</think>", "\n", "A cat."});
    server::ApiService api(fake, {});
    // No model yet: nothing listed, completions refused.
    EXPECT_EQ(bodyOf(roundTrip(api, "GET", "/v1/models"))["data"].size(), 0u);
    EXPECT_NE(roundTrip(api, "POST", "/v1/chat/completions", R"({"messages":[{"role":"user","content":"hi"}]})").find(" 503 "),
              std::string::npos);
    fake->load({});
    EXPECT_EQ(bodyOf(roundTrip(api, "GET", "/health"))["model_loaded"], true);
    const json r =
        bodyOf(roundTrip(api, "POST", "/v1/chat/completions", R"({"messages":[{"role":"user","content":"what is it?"}],"seed":7})"));
    ASSERT_TRUE(r.contains("choices")) << r.dump();
    EXPECT_EQ(r["choices"][0]["message"]["content"], "A cat.");         // the fake's answer,
    EXPECT_EQ(r["choices"][0]["message"]["reasoning_content"], "hmm");  // split by the shared rule
    EXPECT_EQ(r["timings"]["ttft_ms"], 12);                             // the fake's stats, in the one schema
    EXPECT_TRUE(r["timings"].contains("cached_prompt_tokens"));
    EXPECT_EQ(fake->lastSeed.load(), 7);
    EXPECT_TRUE(fake->requestSources() == std::vector<RequestSource>{RequestSource::Api});
}

TEST(BackendSeam, ApiRefusesTopPZeroWithTheSharedMessage) {
    auto fake = std::make_shared<fakes::FakeBackend>();
    fake->load({});
    server::ApiService api(fake, {});
    const std::string response =
        roundTrip(api, "POST", "/v1/chat/completions", R"({"messages":[{"role":"user","content":"hi"}],"top_p":0})");
    EXPECT_NE(response.find(" 400 "), std::string::npos) << response;
    EXPECT_EQ(bodyOf(response)["error"]["message"], "top_p must be in (0, 1], got 0");
    EXPECT_EQ(fake->calls.load(), 0);
}

TEST(BackendSeam, BenchmarkRunsEveryRequestThroughTheBackend) {
    fakes::FakeBackend fake({"a", "b", "c"});
    bench::Options o;
    o.noImage = true;
    o.warmup = 1;
    o.loops = 2;
    o.repeats = 2;
    EXPECT_THROW(bench::run(fake, o), Error);  // no model loaded
    fake.load({});
    const json report = bench::run(fake, o);
    EXPECT_EQ(fake.calls.load(), 1 + 2 * 2);
    EXPECT_TRUE(fake.requestSources() == std::vector<RequestSource>(5, RequestSource::Benchmark));
    EXPECT_EQ(report["ms"]["ttft"]["median"], 12);  // the fake's figures
    EXPECT_EQ(report["settings"]["generated_tokens"], 3);
    EXPECT_EQ(report["hardware"]["device"], "fake");
    o.concurrency = 2;  // more than the fake decodes together
    EXPECT_THROW(bench::run(fake, o), Error);
}

TEST(BackendSeam, ModerationSubmitsItemsAsFutures) {
    const std::string dir = test::scratchDir("sightline-seam", "moderation");
    const std::string image = test::fixturesDir() + "/cases/images/img_1x1.png";
    test::writeFile(dir + "/q.csv", "id,image,title\na," + image + ",One\nb," + image + ",Two\nc," + image + ",Three\n");
    moderation::ModerationStore store(dir + "/m.db", {dir + "/audit.key", dir + "/m.db.checkpoints"});
    store.addItems(moderation::importQueue(dir + "/q.csv"));
    fakes::FakeBackend fake({R"({"verdict": "approve", "reasons": [], "categories": []})"}, 20);
    fake.slots = 3;
    fake.load({});
    moderation::RunOptions o;
    o.parallel = 3;
    std::atomic<int> inFlight{0}, peak{0};
    const moderation::SubmitFn submit = [&](const std::vector<ChatMessage>& m, const GenerationParams& p, const std::atomic<bool>* c) {
        auto f = fake.submit(RequestSource::Moderation, m, p, {}, c);
        peak = std::max(peak.load(), ++inFlight);
        return std::async(std::launch::deferred, [&inFlight, f = std::move(f)]() mutable {
            GenerateResult r = f.get();
            --inFlight;
            return r;
        });
    };
    moderation::runModeration(store, submit, o);
    EXPECT_TRUE(store.pending().empty());
    EXPECT_EQ(store.item("b")->status, "judged");
    EXPECT_EQ(fake.calls.load(), 3);
    EXPECT_EQ(peak.load(), 3);  // all three in flight at once, from one thread
}

// Tool calls through the API: the model's GLM <tool_call> blocks come back as OpenAI tool_calls
// (finish_reason "tool_calls"), whole and streamed as deltas that add up to the same calls; the
// request's tools and tool turns reach the backend.
TEST(BackendSeam, ApiReturnsGlmToolCallsAsOpenAiToolCalls) {
    auto fake = std::make_shared<fakes::FakeBackend>(std::vector<std::string>{
        "<think>", "need a crop", "</think>", "\n", "Let me look.", "<tool_", "call>crop\n<arg_key>box</arg_key>\n",
        "<arg_value>[1, 2, 3, 4]</arg_value>\n<arg_key>label</arg_key>\n<arg_value>12</arg_value>\n</tool_call>",
        "<tool_call>zoom\n<arg_key>factor</arg_key><arg_value>2.5</arg_value></tool_call>"});
    fake->load({});
    server::ApiService api(fake, {});
    const std::string request = R"({"messages": [
        {"role": "user", "content": "crop it"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c0", "type": "function", "function": {"name": "crop", "arguments": "{\"box\": [0, 0, 1, 1]}"}}]},
        {"role": "tool", "tool_call_id": "c0", "content": "too small"}],
      "tools": [{"type": "function", "function": {"name": "crop", "parameters": {"type": "object", "properties": {
                  "box": {"type": "array"}, "label": {"type": "string"}}}}},
                {"type": "function", "function": {"name": "zoom"}}]})";
    const json r = bodyOf(roundTrip(api, "POST", "/v1/chat/completions", request));
    ASSERT_TRUE(r.contains("choices")) << r.dump();
    const json& choice = r["choices"][0];
    EXPECT_EQ(choice["finish_reason"], "tool_calls");
    EXPECT_EQ(choice["message"]["content"], "Let me look.");
    EXPECT_EQ(choice["message"]["reasoning_content"], "need a crop");
    ASSERT_EQ(choice["message"]["tool_calls"].size(), 2u);
    const json& call = choice["message"]["tool_calls"][0];
    EXPECT_EQ(call["type"], "function");
    EXPECT_EQ(call["function"]["name"], "crop");
    EXPECT_EQ(call["function"]["arguments"], R"({"box":[1,2,3,4],"label":"12"})");  // label is "string" in the schema
    EXPECT_TRUE(call["id"].is_string() && call["id"].get<std::string>().rfind("call_", 0) == 0);
    EXPECT_NE(call["id"], choice["message"]["tool_calls"][1]["id"]);
    EXPECT_EQ(choice["message"]["tool_calls"][1]["function"]["arguments"], R"({"factor":2.5})");
    {
        std::lock_guard lock(fake->mutex);  // the tool turn reached the backend as an observation
        ASSERT_EQ(fake->lastMessages.size(), 3u);
        EXPECT_EQ(fake->lastMessages[2].role, Role::Observation);
        EXPECT_NE(fake->lastMessages[1].templateJson.find(R"("arguments":{"box":[0,0,1,1]})"), std::string::npos)
            << fake->lastMessages[1].templateJson;
    }

    // Streamed: content deltas never show a tag; tool_calls deltas assemble (by index) into the same calls.
    json streamed = json::parse(request);
    streamed["stream"] = true;
    const std::string raw = roundTrip(api, "POST", "/v1/chat/completions", streamed.dump());
    std::string content, finish;
    std::map<int, json> calls;
    for (size_t at = raw.find("data: "); at != std::string::npos; at = raw.find("data: ", at + 6)) {
        const size_t end = raw.find("\n\n", at);
        const std::string data = raw.substr(at + 6, end - at - 6);
        if (data == "[DONE]") break;
        const json c = json::parse(data);
        if (c["choices"].empty()) continue;
        const json& d = c["choices"][0]["delta"];
        if (d.contains("content")) content += d["content"].get<std::string>();
        if (!c["choices"][0]["finish_reason"].is_null()) finish = c["choices"][0]["finish_reason"];
        if (d.contains("tool_calls"))
            for (const json& tc : d["tool_calls"]) {
                json& acc = calls[tc["index"].get<int>()];
                if (tc.contains("id")) acc["id"] = tc["id"];
                if (tc["function"].contains("name")) acc["name"] = tc["function"]["name"];
                acc["arguments"] = acc.value("arguments", "") + tc["function"].value("arguments", "");
            }
    }
    EXPECT_EQ(content, "Let me look.");
    EXPECT_EQ(finish, "tool_calls");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0]["name"], "crop");
    EXPECT_EQ(calls[0]["arguments"], R"({"box":[1,2,3,4],"label":"12"})");
    EXPECT_EQ(calls[1]["name"], "zoom");

    // tool_choice "none": the answer is not parsed (its text is content), tools never reach the prompt.
    json noneRequest = json::parse(request);
    noneRequest["tool_choice"] = "none";
    const json none = bodyOf(roundTrip(api, "POST", "/v1/chat/completions", noneRequest.dump()));
    EXPECT_EQ(none["choices"][0]["finish_reason"], "stop");
    EXPECT_FALSE(none["choices"][0]["message"].contains("tool_calls"));
    EXPECT_NE(none["choices"][0]["message"]["content"].get<std::string>().find("<tool_call>crop"), std::string::npos);
    // A bad tools field is a 400 naming it, before anything runs.
    const std::string bad =
        roundTrip(api, "POST", "/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"tools":[{"function":{}}]})");
    EXPECT_NE(bad.find(" 400 "), std::string::npos);
    EXPECT_NE(bad.find("tools[0].function.name"), std::string::npos);
}
