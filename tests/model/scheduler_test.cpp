// Continuous batching on the fixture model: requests decoded together give the tokens they give
// alone (the fixture's reference tokens in float32), slots are reused as requests leave, admission
// is round-robin over sources, and cancellation, bad input and shutdown affect only their request.
// SIGHTLINE_TEST_DEVICE=cuda runs the same on the GPU (the `gpu` label).
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "sightline/engine.h"
#include "sightline/scheduler.h"
#include "sightline/untrusted.h"
#include "test_support.h"

using namespace sightline;
using nlohmann::json;

namespace {

class SchedulerTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* d = std::getenv("SIGHTLINE_TEST_DEVICE")) m_device = parseDevice(d).value_or(DeviceKind::Cpu);
        if (m_device == DeviceKind::Cuda && !cudaAvailable()) GTEST_SKIP() << "CUDA requested but no CUDA device here";
        static std::map<int, std::shared_ptr<Model>> models;
        auto& m = models[static_cast<int>(m_device)];
        if (!m) {
            LoadOptions o;
            o.modelDir = test::fixturesDir() + "/model";
            o.device = m_device;
            m = Model::load(o);
        }
        m_model = m;
        m_cases = test::readJson(test::fixturesDir() + "/cases/cases.json")["cases"];
    }
    std::vector<ChatMessage> messages(const json& c) const { return parseChatJson(c["messages"].dump(), test::fixturesDir() + "/cases"); }
    static GenerationParams greedy(const json& c) {
        GenerationParams p;
        p.sampling.temperature = 0;
        p.maxNewTokens = 24;
        p.enableThinking = c["chat_template_kwargs"].value("enable_thinking", true);
        p.imageResize = ImageResize::Pil;  // the fixtures' goldens come from transformers' PIL backend
        return p;
    }
    static std::vector<int64_t> expected(const json& c) { return c["greedy_tokens"].get<std::vector<int64_t>>(); }

    DeviceKind m_device = DeviceKind::Cpu;
    std::shared_ptr<Model> m_model;
    json m_cases;
};

// Blocks the scheduler thread inside a token callback until released, so a test can queue
// requests behind it deterministically.
struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool entered = false, open = false;
    void hold() {
        std::unique_lock lock(mutex);
        entered = true;
        cv.notify_all();
        cv.wait(lock, [&] { return open; });
    }
    void waitEntered() {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return entered; });
    }
    void release() {
        std::lock_guard lock(mutex);
        open = true;
        cv.notify_all();
    }
};

}  // namespace

TEST_F(SchedulerTest, ConcurrentRequestsGiveTheirSingleStreamTokens) {
    // Every case twice (12 requests) through 4 slots: requests queue, join as others leave, and the
    // packed slots move; each must still produce the reference greedy tokens.
    SchedulerOptions o;
    o.maxBatch = 4;
    Scheduler s(m_model, o);
    std::vector<std::future<GenerateResult>> futures;
    std::vector<size_t> caseOf;
    for (int round = 0; round < 2; ++round)
        for (size_t i = 0; i < m_cases.size(); ++i) {
            futures.push_back(s.submit(round ? RequestSource::Moderation : RequestSource::Chat, messages(m_cases[i]), greedy(m_cases[i])));
            caseOf.push_back(i);
        }
    for (size_t k = 0; k < futures.size(); ++k) {
        const json& c = m_cases[caseOf[k]];
        SCOPED_TRACE(c["name"].get<std::string>());
        const GenerateResult r = futures[k].get();
        EXPECT_EQ(r.outputIds, expected(c));
        EXPECT_EQ(r.finishReason, c["stopped_on_eos"].get<bool>() ? FinishReason::Stop : FinishReason::Length);
        EXPECT_EQ(r.promptTokens, c["num_prompt_tokens"].get<int64_t>());
        EXPECT_GT(r.stats.ttftMs, 0);
    }
    const SchedulerCounters n = s.counters();
    EXPECT_EQ(n.completed, 12);
    EXPECT_EQ(n.failed, 0);
    EXPECT_EQ(n.peakBatch, 4);
    // Batching happened: on average more than one sequence per decode step.
    EXPECT_GT(static_cast<double>(n.decodedRows) / static_cast<double>(n.decodeSteps), 1.5);
}

TEST_F(SchedulerTest, SampledRequestsInABatchMatchTheSameRequestsAlone) {
    // Each request owns its seeded RNG: temperature sampling with top-k/top-p, repetition penalty
    // and top logprobs gives the same tokens alone (generateOnce) and batched beside others.
    std::vector<GenerationParams> params;
    for (size_t i = 0; i < m_cases.size(); ++i) {
        GenerationParams p = greedy(m_cases[i]);
        p.sampling.temperature = 0.9;
        p.sampling.topK = 20;
        p.sampling.topP = 0.95;
        p.sampling.repetitionPenalty = i % 2 ? 1.1 : 1.0;
        p.sampling.seed = 1000 + i;
        p.topLogprobs = 3;
        params.push_back(p);
    }
    std::vector<GenerateResult> alone;
    for (size_t i = 0; i < m_cases.size(); ++i) alone.push_back(generateOnce(m_model, messages(m_cases[i]), params[i]));
    Scheduler s(m_model);
    std::vector<std::future<GenerateResult>> futures;
    for (size_t i = 0; i < m_cases.size(); ++i) futures.push_back(s.submit(RequestSource::Api, messages(m_cases[i]), params[i]));
    for (size_t i = 0; i < m_cases.size(); ++i) {
        const GenerateResult r = futures[i].get();
        EXPECT_EQ(r.outputIds, alone[i].outputIds) << m_cases[i]["name"];
        EXPECT_EQ(r.text, alone[i].text);
        ASSERT_EQ(r.tokens.size(), alone[i].tokens.size());
        for (size_t t = 0; t < r.tokens.size(); ++t) {
            EXPECT_NEAR(r.tokens[t].logprob, alone[i].tokens[t].logprob, 1e-3);
            EXPECT_EQ(r.tokens[t].top.size(), 3u);
        }
    }
}

TEST_F(SchedulerTest, AdmissionIsRoundRobinOverSources) {
    SchedulerOptions o;
    o.maxBatch = 1;  // one request at a time: the admission order is the completion order
    Scheduler s(m_model, o);
    const json& c = m_cases[0];
    Gate gate;
    std::mutex orderMutex;
    std::vector<std::string> order;
    GenerationParams one = greedy(c);
    one.maxNewTokens = 1;
    auto record = [&](std::string name) {
        return [&, name](const TokenEvent& ev) {
            if (ev.tokenId < 0) return;
            std::lock_guard lock(orderMutex);
            order.push_back(name);
        };
    };
    // The first request holds the scheduler thread until everything else is queued behind it.
    auto blocker = s.submit(RequestSource::Api, messages(c), one, [&](const TokenEvent&) { gate.hold(); });
    gate.waitEntered();
    std::vector<std::future<GenerateResult>> rest;
    for (int i = 1; i <= 4; ++i) rest.push_back(s.submit(RequestSource::Moderation, messages(c), one, record("m" + std::to_string(i))));
    for (int i = 1; i <= 2; ++i) rest.push_back(s.submit(RequestSource::Chat, messages(c), one, record("c" + std::to_string(i))));
    EXPECT_EQ(s.counters().queued[static_cast<size_t>(RequestSource::Moderation)], 4);
    gate.release();
    blocker.get();
    for (auto& f : rest) f.get();
    // After the API request: chat, moderation, chat, moderation, then the rest of moderation, even
    // though all four moderation requests were queued before the chat ones.
    EXPECT_EQ(order, (std::vector<std::string>{"c1", "m1", "c2", "m2", "m3", "m4"}));
}

TEST_F(SchedulerTest, ABurstOfNewRequestsDoesNotStallTheRunningOnes) {
    // With a prefill budget of one token per step, two requests arriving together are admitted
    // one decode step apart: the running request gets a token between their first tokens.
    SchedulerOptions o;
    o.maxBatch = 4;
    o.prefillTokensPerStep = 1;
    Scheduler s(m_model, o);
    const json& c = m_cases[0];
    GenerationParams longRun = greedy(c);
    longRun.maxNewTokens = 40;
    longRun.ignoreEos = true;
    GenerationParams one = greedy(c);
    one.maxNewTokens = 1;
    std::mutex mutex;
    std::vector<std::string> events;
    auto log = [&](const std::string& what) {
        std::lock_guard lock(mutex);
        events.push_back(what);
    };
    Gate gate;
    int seen = 0;
    auto running = s.submit(RequestSource::Chat, messages(c), longRun, [&](const TokenEvent& ev) {
        if (ev.tokenId < 0) return;
        log("A");
        if (++seen == 3) gate.hold();
    });
    gate.waitEntered();
    auto b = s.submit(RequestSource::Moderation, messages(c), one, [&](const TokenEvent& ev) {
        if (ev.tokenId >= 0) log("B");
    });
    auto d = s.submit(RequestSource::Moderation, messages(c), one, [&](const TokenEvent& ev) {
        if (ev.tokenId >= 0) log("C");
    });
    gate.release();
    b.get();
    d.get();
    running.get();
    const auto pb = std::find(events.begin(), events.end(), "B"), pc = std::find(events.begin(), events.end(), "C");
    ASSERT_TRUE(pb != events.end() && pc != events.end());
    ASSERT_LT(pb, pc);
    EXPECT_NE(std::find(pb, pc, "A"), pc) << "no decode step between the two admissions";
}

TEST_F(SchedulerTest, CancellingOneRequestLeavesTheOthersIntact) {
    SchedulerOptions o;
    o.maxBatch = 2;
    Scheduler s(m_model, o);
    const json& c = m_cases[0];
    GenerationParams longRun = greedy(c);
    longRun.maxNewTokens = 200;
    longRun.ignoreEos = true;
    std::atomic<bool> cancelQueued{false};
    // Both slots busy (one long answer, one held at its first token), so the next two wait.
    auto running = s.submit(RequestSource::Chat, messages(c), longRun);
    Gate gate;
    auto held = s.submit(RequestSource::Chat, messages(m_cases[1]), greedy(m_cases[1]), [&](const TokenEvent&) { gate.hold(); });
    gate.waitEntered();
    cancelQueued = true;
    auto queued = s.submit(RequestSource::Moderation, messages(c), greedy(c), {}, &cancelQueued);
    auto normal = s.submit(RequestSource::Moderation, messages(m_cases[2]), greedy(m_cases[2]));
    gate.release();
    EXPECT_EQ(running.get().outputIds.size(), 200u);
    const GenerateResult q = queued.get();
    EXPECT_EQ(q.finishReason, FinishReason::Cancelled);
    EXPECT_TRUE(q.outputIds.empty());
    EXPECT_EQ(held.get().outputIds, expected(m_cases[1]));
    EXPECT_EQ(normal.get().outputIds, expected(m_cases[2]));

    std::atomic<bool> stop{false};
    std::atomic<int> count{0};
    auto cancelled = s.submit(
        RequestSource::Chat, messages(c), longRun,
        [&](const TokenEvent&) {
            if (++count == 5) stop = true;
        },
        &stop);
    auto beside = s.submit(RequestSource::Chat, messages(m_cases[3]), greedy(m_cases[3]));
    const GenerateResult x = cancelled.get();
    EXPECT_EQ(x.finishReason, FinishReason::Cancelled);
    EXPECT_GE(x.outputIds.size(), 5u);
    EXPECT_LT(x.outputIds.size(), 200u);
    EXPECT_EQ(beside.get().outputIds, expected(m_cases[3]));
}

TEST_F(SchedulerTest, BadInputFailsOnlyItsRequest) {
    Scheduler s(m_model);
    std::vector<ChatMessage> bad = messages(m_cases[1]);
    for (auto& m : bad)
        for (auto& p : m.content)
            if (p.type == ContentPart::Type::Image) p.image.reset();  // an image part without pixels
    auto good = s.submit(RequestSource::Chat, messages(m_cases[0]), greedy(m_cases[0]));
    auto failed = s.submit(RequestSource::Chat, bad, greedy(m_cases[1]));
    EXPECT_THROW(
        {
            try {
                failed.get();
            } catch (const Error& e) {
                EXPECT_EQ(e.kind(), ErrorKind::BadInput);
                throw;
            }
        },
        Error);
    EXPECT_EQ(good.get().outputIds, expected(m_cases[0]));
}

TEST_F(SchedulerTest, RequestsLongerThanASlotRunInTheirOwnLane) {
    // Slots of 48 positions: the image cases (longer prompts) cannot fit and take the own lane, one
    // at a time, while the text cases batch; every request still gives its reference tokens.
    SchedulerOptions o;
    o.maxBatch = 3;
    o.slotTokens = 48;
    Scheduler s(m_model, o);
    std::vector<std::future<GenerateResult>> futures;
    int longOnes = 0;
    for (const auto& c : m_cases) {
        longOnes += c["num_prompt_tokens"].get<int64_t>() + 24 > 48;
        futures.push_back(s.submit(RequestSource::Chat, messages(c), greedy(c)));
    }
    ASSERT_GT(longOnes, 0);
    ASSERT_LT(longOnes, static_cast<int>(m_cases.size()));
    for (size_t i = 0; i < futures.size(); ++i) EXPECT_EQ(futures[i].get().outputIds, expected(m_cases[i])) << m_cases[i]["name"];
}

TEST_F(SchedulerTest, TheBatchHasAsManySlotsAsTheKvBudgetHolds) {
    // A budget for two slots of 512 positions: the batch gets two slots, never decodes more than
    // two requests at once, and every request still gets its tokens.
    const auto& tc = m_model->config().text;
    const int64_t perSlot = 2 * tc.numLayers * tc.numKvHeads * tc.headDim * 512 * 4;  // float32
    SchedulerOptions o;
    o.maxBatch = 8;
    o.slotTokens = 512;
    o.kvCacheBytes = (2 + o.keptPrefixes) * perSlot + perSlot / 2;  // the kept prefixes take slots too
    Scheduler s(m_model, o);
    EXPECT_EQ(s.counters().slots, 0);  // nothing allocated before the first request
    std::vector<std::future<GenerateResult>> futures;
    for (const auto& c : m_cases) futures.push_back(s.submit(RequestSource::Chat, messages(c), greedy(c)));
    for (size_t i = 0; i < futures.size(); ++i) EXPECT_EQ(futures[i].get().outputIds, expected(m_cases[i])) << m_cases[i]["name"];
    EXPECT_EQ(s.counters().slots, 2);
    EXPECT_EQ(s.counters().peakBatch, 2);
}

TEST_F(SchedulerTest, StopCancelsEverythingWhileOthersStillHoldTheScheduler) {
    auto s = std::make_shared<Scheduler>(m_model);
    GenerationParams p = greedy(m_cases[0]);
    p.maxNewTokens = 100000;
    p.ignoreEos = true;
    std::atomic<int> tokens{0};
    auto running = s->submit(RequestSource::Moderation, messages(m_cases[0]), p, [&](const TokenEvent&) { ++tokens; });
    while (tokens.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    auto holder = s;  // e.g. the moderation runner's copy
    s->stop();
    EXPECT_EQ(running.get().finishReason, FinishReason::Cancelled);
    const GenerateResult late = holder->submit(RequestSource::Chat, messages(m_cases[0]), greedy(m_cases[0])).get();
    EXPECT_EQ(late.finishReason, FinishReason::Cancelled);
    EXPECT_TRUE(late.outputIds.empty());
}

TEST_F(SchedulerTest, AFollowUpReusesThePrefixItSharesWithAFinishedRequest) {
    // Turn 1 about an image, then turn 2 (turn 1 + its answer + a new question): turn 2 takes the
    // cached prefix (image included, so no vision encode) and still answers exactly as it does alone.
    // A prompt with the same ids but a different image behind the placeholders reuses nothing.
    SchedulerOptions o;
    o.maxBatch = 2;
    Scheduler s(m_model, o);
    const json& c = m_cases[1];  // one 300x200 image + a question
    const std::vector<ChatMessage> turn1 = messages(c);
    const GenerateResult a = s.submit(RequestSource::Chat, turn1, greedy(c)).get();
    EXPECT_EQ(a.stats.cachedPromptTokens, 0);
    std::vector<ChatMessage> turn2 = turn1;
    turn2.push_back(ChatMessage::text(Role::Assistant, a.text));
    turn2.push_back(ChatMessage::text(Role::User, "And what colour is the largest thing in it?"));
    const GenerateResult b = s.submit(RequestSource::Chat, turn2, greedy(c)).get();
    const GenerateResult bAlone = generateOnce(m_model, turn2, greedy(c));
    EXPECT_GE(b.stats.cachedPromptTokens, b.stats.imageTokens);
    EXPECT_LT(b.stats.cachedPromptTokens, b.promptTokens);
    EXPECT_EQ(b.stats.imagesFromCache, 0);  // the image's positions came with the prefix: no encode, no lookup
    EXPECT_EQ(b.outputIds, bAlone.outputIds);
    EXPECT_EQ(bAlone.stats.cachedPromptTokens, 0);

    std::vector<ChatMessage> other = turn1;
    for (auto& m : other)
        for (auto& part : m.content)
            if (part.type == ContentPart::Type::Image) {
                auto inverted = std::make_shared<RgbImage>(*part.image);
                for (auto& px : inverted->pixels) px = static_cast<uint8_t>(255 - px);
                part.image = inverted;
            }
    const GenerateResult d = s.submit(RequestSource::Chat, other, greedy(c)).get();
    EXPECT_EQ(d.stats.cachedPromptTokens, 0);
    EXPECT_EQ(d.outputIds, generateOnce(m_model, other, greedy(c)).outputIds);
}

TEST_F(SchedulerTest, DestroyingTheSchedulerCancelsWhatIsInFlight) {
    std::vector<std::future<GenerateResult>> futures;
    {
        SchedulerOptions o;
        o.maxBatch = 2;
        Scheduler s(m_model, o);
        GenerationParams p = greedy(m_cases[0]);
        p.maxNewTokens = 100000;
        p.ignoreEos = true;
        Gate gate;
        futures.push_back(s.submit(RequestSource::Chat, messages(m_cases[0]), p, [&](const TokenEvent&) {
            if (!gate.entered) gate.hold();
        }));
        gate.waitEntered();
        for (int i = 0; i < 3; ++i) futures.push_back(s.submit(RequestSource::Chat, messages(m_cases[0]), p));
        gate.release();
    }
    for (auto& f : futures) {
        ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
        EXPECT_EQ(f.get().finishReason, FinishReason::Cancelled);
    }
}

// --- a fault in one request never takes down the others, nor the process ----------------------

// The message of the sightline::Error a future throws ("" and a failure when it gives a result).
std::string failureOf(std::future<GenerateResult>& f, ErrorKind kind) {
    try {
        f.get();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), kind) << e.what();
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "not a sightline::Error: " << e.what();
        return {};
    }
    ADD_FAILURE() << "the request did not fail";
    return {};
}

TEST_F(SchedulerTest, AThrowingTokenCallbackFailsOnlyItsRequest) {
    // A client's stream callback throws (its connection went away): that request fails with the
    // message, the ones batched beside it finish with their reference tokens, and the scheduler
    // thread goes on serving. The exception used to be swallowed (the request "succeeded").
    SchedulerOptions o;
    o.maxBatch = 4;
    Scheduler s(m_model, o);
    std::atomic<int> seen{0};
    auto before = s.submit(RequestSource::Chat, messages(m_cases[0]), greedy(m_cases[0]));
    auto midway = s.submit(RequestSource::Api, messages(m_cases[2]), greedy(m_cases[2]), [&](const TokenEvent&) {
        if (++seen == 3) throw std::runtime_error("client went away");
    });
    auto atOnce = s.submit(RequestSource::Api, messages(m_cases[3]), greedy(m_cases[3]), [](const TokenEvent&) { throw 42; });
    auto beside = s.submit(RequestSource::Moderation, messages(m_cases[1]), greedy(m_cases[1]));
    EXPECT_NE(failureOf(midway, ErrorKind::Internal).find("client went away"), std::string::npos);
    EXPECT_NE(failureOf(atOnce, ErrorKind::Internal).find("unknown exception"), std::string::npos);
    EXPECT_EQ(seen.load(), 3);  // no token after the throw
    EXPECT_EQ(before.get().outputIds, expected(m_cases[0]));
    EXPECT_EQ(beside.get().outputIds, expected(m_cases[1]));
    // An Error thrown by the callback keeps its kind.
    auto cancelled = s.submit(RequestSource::Chat, messages(m_cases[0]), greedy(m_cases[0]),
                              [](const TokenEvent&) { throw Error(ErrorKind::Cancelled, "the user left"); });
    EXPECT_NE(failureOf(cancelled, ErrorKind::Cancelled).find("the user left"), std::string::npos);
    EXPECT_EQ(s.submit(RequestSource::Chat, messages(m_cases[4]), greedy(m_cases[4])).get().outputIds, expected(m_cases[4]));
    EXPECT_EQ(s.counters().failed, 3);
    // generateOnce reports it the same way, to its caller.
    std::future<GenerateResult> alone = std::async(std::launch::deferred, [&] {
        return generateOnce(m_model, messages(m_cases[0]), greedy(m_cases[0]),
                            [](const TokenEvent&) { throw std::runtime_error("stream closed"); });
    });
    EXPECT_NE(failureOf(alone, ErrorKind::Internal).find("stream closed"), std::string::npos);
}

TEST_F(SchedulerTest, ABadImageFailsAlone) {
    Scheduler s(m_model);
    auto withImage = [&](std::shared_ptr<RgbImage> image) {
        std::vector<ChatMessage> m = messages(m_cases[1]);
        for (auto& msg : m)
            for (auto& p : msg.content)
                if (p.type == ContentPart::Type::Image) p.image = image;
        return m;
    };
    auto broken = std::make_shared<RgbImage>();  // says 300x200, holds 10 bytes
    broken->width = 300;
    broken->height = 200;
    broken->pixels.assign(10, 0);
    auto sliver = std::make_shared<RgbImage>();  // 1x400: an aspect ratio the preprocessor refuses
    sliver->width = 1;
    sliver->height = 400;
    sliver->pixels.assign(400 * 3, 128);
    auto good = s.submit(RequestSource::Chat, messages(m_cases[1]), greedy(m_cases[1]));
    auto bad1 = s.submit(RequestSource::Chat, withImage(broken), greedy(m_cases[1]));
    auto bad2 = s.submit(RequestSource::Moderation, withImage(sliver), greedy(m_cases[1]));
    auto text = s.submit(RequestSource::Api, messages(m_cases[0]), greedy(m_cases[0]));
    EXPECT_NE(failureOf(bad1, ErrorKind::BadInput).find("image"), std::string::npos);
    EXPECT_NE(failureOf(bad2, ErrorKind::BadInput).find("aspect ratio"), std::string::npos);
    EXPECT_EQ(good.get().outputIds, expected(m_cases[1]));
    EXPECT_EQ(text.get().outputIds, expected(m_cases[0]));
}

// --- text leaving the engine is valid UTF-8 --------------------------------------------------

struct Streamed {
    std::vector<std::string> chunks;
    std::string joined() const {
        std::string s;
        for (const auto& c : chunks) s += c;
        return s;
    }
};

TEST_F(SchedulerTest, StreamedAndFinalTextIsValidUtf8EvenWhenCutMidCharacter) {
    // The fixture tokenizer is byte-level: a sampled answer is full of single-byte tokens, so
    // characters are split across tokens and answers end inside them. Every chunk, the final text
    // and the chunks joined must be valid UTF-8 and agree with each other and with decode().
    const auto tok = m_model->tokenizer();
    Scheduler s(m_model);
    const int kRuns = 16;
    std::vector<Streamed> streamed(kRuns);
    std::vector<GenerationParams> params;
    std::vector<std::future<GenerateResult>> futures;
    for (int i = 0; i < kRuns; ++i) {
        const json& c = m_cases[static_cast<size_t>(i) % m_cases.size()];
        GenerationParams p = greedy(c);
        p.sampling.temperature = 1.0;
        p.sampling.seed = 7000 + static_cast<uint64_t>(i);
        p.maxNewTokens = 32;
        p.ignoreEos = true;
        params.push_back(p);
        futures.push_back(
            s.submit(RequestSource::Api, messages(c), p, [&, i](const TokenEvent& ev) { streamed[i].chunks.push_back(ev.textDelta); }));
    }
    int brokenRaw = 0;
    int cutRun = -1;
    int64_t cutAt = 0;
    for (int i = 0; i < kRuns; ++i) {
        SCOPED_TRACE(i);
        const GenerateResult r = futures[static_cast<size_t>(i)].get();
        for (const auto& chunk : streamed[i].chunks) EXPECT_TRUE(isValidUtf8(chunk));
        EXPECT_TRUE(isValidUtf8(r.text));
        EXPECT_EQ(streamed[i].joined(), r.text);
        EXPECT_EQ(r.text, tok->decode(r.outputIds));
        for (const auto& t : r.tokens) EXPECT_TRUE(isValidUtf8(tok->decode({t.tokenId})));  // how logprobs show a token
        // The raw bytes: how often the naive concatenation would not have been text, and where a
        // shorter answer would end inside a character.
        std::string raw;
        for (size_t k = 0; k < r.outputIds.size(); ++k) {
            raw += tok->tokenBytes(r.outputIds[k]);
            if (cutRun < 0 && utf8CompletePrefix(raw) < raw.size()) {
                cutRun = i;
                cutAt = static_cast<int64_t>(k) + 1;
            }
        }
        brokenRaw += !isValidUtf8(raw);
    }
    ASSERT_GT(brokenRaw, 0) << "no sampled answer split a character: the test exercises nothing";
    ASSERT_GE(cutRun, 0) << "no answer prefix ends inside a character";

    // The same request (same seed: same tokens), now cut by max_new_tokens right inside that character.
    const json& c = m_cases[static_cast<size_t>(cutRun) % m_cases.size()];
    GenerationParams p = params[static_cast<size_t>(cutRun)];
    p.maxNewTokens = cutAt;
    Streamed cut;
    const GenerateResult r =
        s.submit(RequestSource::Api, messages(c), p, [&](const TokenEvent& ev) { cut.chunks.push_back(ev.textDelta); }).get();
    ASSERT_EQ(r.outputIds.size(), static_cast<size_t>(cutAt));
    EXPECT_EQ(r.finishReason, FinishReason::Length);
    for (const auto& chunk : cut.chunks) EXPECT_TRUE(isValidUtf8(chunk));
    EXPECT_TRUE(isValidUtf8(r.text));
    EXPECT_EQ(cut.joined(), r.text);
    EXPECT_EQ(r.text, tok->decode(r.outputIds));
    const std::string replacement = "\xEF\xBF\xBD";
    ASSERT_GE(r.text.size(), replacement.size());
    EXPECT_EQ(r.text.substr(r.text.size() - replacement.size()), replacement) << "the cut character ends as U+FFFD";
    // generateOnce gives the same.
    EXPECT_EQ(generateOnce(m_model, messages(c), p).text, r.text);
}

TEST_F(SchedulerTest, EveryStreamedChunkOfTheFixtureCasesIsValidUtf8) {
    Scheduler s(m_model);
    std::vector<Streamed> streamed(m_cases.size());
    std::vector<std::future<GenerateResult>> futures;
    for (size_t i = 0; i < m_cases.size(); ++i)
        futures.push_back(s.submit(RequestSource::Chat, messages(m_cases[i]), greedy(m_cases[i]),
                                   [&, i](const TokenEvent& ev) { streamed[i].chunks.push_back(ev.textDelta); }));
    for (size_t i = 0; i < m_cases.size(); ++i) {
        const GenerateResult r = futures[i].get();
        for (const auto& chunk : streamed[i].chunks) EXPECT_TRUE(isValidUtf8(chunk)) << m_cases[i]["name"];
        EXPECT_EQ(streamed[i].joined(), r.text);
        EXPECT_TRUE(isValidUtf8(r.text));
    }
}
