// The tests' scripted backend (one for every test that drives a front end without a model: the
// window, the chat controller, the moderation station, the local API, the benchmark runner).
// Qt-free. submit() runs the script on a thread of its own, as the scheduler's thread would: it
// emits `tokens` one by one with a pause and honours cancellation between tokens like the engine;
// it records what it was asked (messages, seed, source of every request) and can fail on cue.
// `script`, when set, answers instead of the token playback (moderation verdicts by title).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "inference_backend.h"
#include "sightline/error.h"

namespace sightline::fakes {

class FakeBackend : public app::InferenceBackend {
public:
    using Script = std::function<GenerateResult(const std::vector<ChatMessage>& messages, const std::atomic<bool>* cancel)>;
    FakeBackend(std::vector<std::string> tokens = {"fake"}, int delayMs = 0) : m_tokens(std::move(tokens)), m_delayMs(delayMs) {}
    // Any list of strings with toStdString() (a QStringList in the UI tests).
    template <class List>
    requires requires(const List& l) { l.begin()->toStdString(); }
    FakeBackend(const List& tokens, int delayMs) : m_delayMs(delayMs) {
        for (const auto& t : tokens) m_tokens.push_back(t.toStdString());
    }

    void load(const LoadOptions&) override { m_loaded = true; }
    bool loaded() const override { return m_loaded.load(); }
    app::ModelInfo modelInfo() const override {
        app::ModelInfo i;
        if (!m_loaded.load()) return i;
        i.id = "fake:/fake/model";
        i.name = "fake";
        i.summary = "fake model";
        i.device = "fake";
        i.dtype = "float32";
        i.parameters = 1234;
        return i;
    }

    std::future<GenerateResult> submit(RequestSource source, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                                       TokenCallback onToken, const std::atomic<bool>* cancel) const override {
        if (!m_loaded.load()) throw Error(ErrorKind::BadInput, "no model is loaded");
        {
            std::lock_guard lock(mutex);
            lastMessages = messages;
            sources.push_back(source);
        }
        lastSeed = static_cast<int64_t>(params.sampling.seed);
        const int call = ++calls;
        return std::async(std::launch::async, [this, messages, call, onToken = std::move(onToken), cancel] {
            struct InFlight {  // counts the requests being answered at once, as a batch would hold them
                const FakeBackend& b;
                explicit InFlight(const FakeBackend& f) : b(f) {
                    const int now = ++b.inFlight;
                    for (int peak = b.peakInFlight.load(); now > peak && !b.peakInFlight.compare_exchange_weak(peak, now);) {
                    }
                }
                ~InFlight() { --b.inFlight; }
            } inFlightGuard(*this);
            if (failNext > 0) {
                --failNext;
                throw Error(ErrorKind::BadInput, "the prompt could not be built (scripted failure)");
            }
            GenerateResult r = script ? script(messages, cancel) : play(call, onToken, cancel);
            r.promptTokens = 5;
            r.stats.promptTokens = 5;
            r.stats.ttftMs = 12;
            r.stats.decodeTokensPerS = 99;
            r.stats.totalMs = 40;
            r.stats.generatedTokens = static_cast<int64_t>(r.outputIds.size());
            r.stats.device = "fake";
            {
                std::lock_guard lock(mutex);
                if (m_observer) m_observer(RequestSource::Chat, r);
            }
            return r;
        });
    }

    int batchSlots() const override { return slots; }
    std::optional<SchedulerCounters> counters() const override {
        if (!m_loaded.load()) return std::nullopt;
        SchedulerCounters n;
        n.completed = calls.load();
        n.slots = slots;
        return n;
    }
    void setCompletionObserver(CompletionObserver observer) override {
        std::lock_guard lock(mutex);
        m_observer = std::move(observer);
    }
    PreprocessedImage preflight(const RgbImage& image, int64_t) const override {
        if (!m_loaded.load()) throw Error(ErrorKind::BadInput, "no model is loaded");
        PreprocessedImage p;
        p.originalWidth = image.width;
        p.originalHeight = image.height;
        p.resizedWidth = image.width;
        p.resizedHeight = image.height;
        p.numTokens = 7;
        return p;
    }

    std::vector<RequestSource> requestSources() const {
        std::lock_guard lock(mutex);
        return sources;
    }

    Script script;
    int slots = 1;
    mutable std::mutex mutex;  // guards lastMessages, sources, m_observer
    mutable std::vector<ChatMessage> lastMessages;
    mutable std::vector<RequestSource> sources;
    mutable std::atomic<int> calls{0};          // "{n}" in a token becomes this request's number
    mutable std::atomic<int> failNext{0};       // the next n requests throw before any token
    mutable std::atomic<int64_t> lastSeed{-1};  // the sampling seed of the last request
    mutable std::atomic<int> inFlight{0};       // requests being answered now
    mutable std::atomic<int> peakInFlight{0};   // the most at once
    FinishReason endReason = FinishReason::Stop;

private:
    GenerateResult play(int call, const TokenCallback& onToken, const std::atomic<bool>* cancel) const {
        GenerateResult r;
        r.finishReason = endReason;
        for (std::string t : m_tokens) {
            if (cancel && cancel->load()) {
                r.finishReason = FinishReason::Cancelled;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(m_delayMs));
            for (size_t at; (at = t.find("{n}")) != std::string::npos;) t.replace(at, 3, std::to_string(call));
            TokenEvent ev;
            ev.textDelta = t;
            r.text += t;
            if (onToken) onToken(ev);
            r.outputIds.push_back(1);
            r.tokens.push_back(ev);
        }
        return r;
    }

    std::vector<std::string> m_tokens;
    int m_delayMs;
    std::atomic<bool> m_loaded{false};
    CompletionObserver m_observer;
};

}  // namespace sightline::fakes
