// One request's generation state between model steps: chooses each token (the device's argmax or
// the host sampler), streams text, detects the stop token, the length limit and cancellation, and
// times the phases. Text it hands out (textDelta, the final text) is valid UTF-8: bytes of a
// character split across tokens are held back until it is complete, and an incomplete tail at the
// end becomes U+FFFD. Torch-free. Owned by its Request (scheduler/request.h) and driven by the Lane
// that holds it, on the scheduler thread (the callback runs there); cancelRequested() reads the
// caller's flag, which any thread may set.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <vector>

#include "sampling/sampler.h"
#include "sightline/engine.h"

namespace sightline {

class Sequence {
public:
    using Clock = std::chrono::steady_clock;
    Sequence(const ModelConfig& config, std::shared_ptr<const Tokenizer> tokenizer, const GenerationParams& params,
             std::vector<int64_t> promptIds, int64_t maxNew, TokenCallback onToken, const std::atomic<bool>* cancel,
             Clock::time_point start);

    // True when the device's argmax and its logprob are all this request needs (greedy, no
    // repetition penalty, no top-N alternatives): then no logits cross to the host.
    bool wantsDevicePick() const { return m_devicePick; }
    // The next token, from the device pick or from host logits (sampled; logits are modified).
    // Returns true when the sequence is finished (stop token, length limit).
    bool acceptPick(int64_t id, float logprob);
    bool acceptLogits(std::vector<float>& logits);
    bool cancelRequested() const { return m_cancel && m_cancel->load(std::memory_order_relaxed); }
    void markCancelled();

    bool finished() const { return m_finished; }
    FinishReason finishReason() const { return m_result.finishReason; }
    int64_t lastToken() const { return m_result.outputIds.back(); }
    int64_t promptLength() const { return static_cast<int64_t>(m_promptLength); }
    int64_t generated() const { return static_cast<int64_t>(m_result.outputIds.size()); }
    const std::vector<int64_t>& history() const { return m_history; }  // prompt + generated ids
    RequestStats& stats() { return m_result.stats; }
    Clock::time_point start() const { return m_start; }

    // Flushes the text held for incomplete UTF-8, fills counts and rates. Call once.
    GenerateResult finish(int64_t peakMemoryBytes);
    // Set when the caller's token callback threw (an Error as thrown, anything else as
    // Error(Internal) with its message); the sequence is then finished and its owner fails the
    // request with this instead of returning a result. Checked after finish().
    std::exception_ptr error() const { return m_error; }

private:
    bool accept(TokenEvent ev);
    void emit(const TokenEvent& ev);  // the callback, its exception kept in m_error

    const ModelConfig& m_config;
    GenerationParams m_params;
    Sampler m_sampler;
    StreamDecoder m_stream;
    std::vector<int64_t> m_history;  // prompt + generated (repetition penalty)
    size_t m_promptLength;
    int64_t m_maxNew;
    TokenCallback m_onToken;
    const std::atomic<bool>* m_cancel;
    Clock::time_point m_start, m_firstToken;
    bool m_devicePick;
    bool m_finished = false;
    std::exception_ptr m_error;
    GenerateResult m_result;
};

}  // namespace sightline
