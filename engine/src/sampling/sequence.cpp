#include "sampling/sequence.h"

#include <algorithm>

namespace sightline {

namespace {
double msBetween(Sequence::Clock::time_point a, Sequence::Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}
}  // namespace

Sequence::Sequence(const ModelConfig& config, std::shared_ptr<const Tokenizer> tokenizer, const GenerationParams& params,
                   std::vector<int64_t> promptIds, int64_t maxNew, TokenCallback onToken, const std::atomic<bool>* cancel,
                   Clock::time_point start)
    : m_config(config),
      m_params(params),
      m_sampler(params.sampling),
      m_stream(std::move(tokenizer)),
      m_history(std::move(promptIds)),
      m_promptLength(m_history.size()),
      m_maxNew(maxNew),
      m_onToken(std::move(onToken)),
      m_cancel(cancel),
      m_start(start),
      m_firstToken(start) {
    m_devicePick = params.sampling.greedy() && params.sampling.repetitionPenalty == 1.0 && params.topLogprobs == 0;
    m_result.promptTokens = static_cast<int64_t>(m_promptLength);
    m_result.stats.promptTokens = m_result.promptTokens;
    m_result.finishReason = FinishReason::Length;
    if (m_maxNew <= 0) m_finished = true;
}

bool Sequence::acceptPick(int64_t id, float logprob) {
    TokenEvent ev;
    ev.tokenId = id;
    ev.logprob = logprob;
    return accept(std::move(ev));
}

bool Sequence::acceptLogits(std::vector<float>& logits) {
    TokenEvent ev;
    ev.tokenId = m_sampler.next(logits, m_history, &ev.logprob, &ev.top, m_params.topLogprobs);
    return accept(std::move(ev));
}

bool Sequence::accept(TokenEvent ev) {
    if (m_finished) return true;
    if (m_result.outputIds.empty()) {
        m_firstToken = Clock::now();
        m_result.stats.ttftMs = msBetween(m_start, m_firstToken);
    }
    m_history.push_back(ev.tokenId);
    m_result.outputIds.push_back(ev.tokenId);
    const auto& eos = m_config.eosTokenIds;
    const bool stop = std::find(eos.begin(), eos.end(), ev.tokenId) != eos.end() && !m_params.ignoreEos;
    if (!stop) ev.textDelta = m_stream.push(ev.tokenId);  // the stop token itself is not text
    m_result.text += ev.textDelta;
    emit(ev);
    m_result.tokens.push_back(std::move(ev));
    if (m_error) {
        m_finished = true;
    } else if (stop) {
        m_result.finishReason = FinishReason::Stop;
        m_finished = true;
    } else if (generated() >= m_maxNew) {
        m_result.finishReason = FinishReason::Length;
        m_finished = true;
    }
    return m_finished;
}

void Sequence::emit(const TokenEvent& ev) {
    if (!m_onToken || m_error) return;
    try {
        m_onToken(ev);
    } catch (const Error&) {
        m_error = std::current_exception();
    } catch (const std::exception& e) {
        m_error = std::make_exception_ptr(Error(ErrorKind::Internal, std::string("the token callback failed: ") + e.what()));
    } catch (...) {
        m_error = std::make_exception_ptr(Error(ErrorKind::Internal, "the token callback failed with an unknown exception"));
    }
}

void Sequence::markCancelled() {
    m_result.finishReason = FinishReason::Cancelled;
    m_finished = true;
}

GenerateResult Sequence::finish(int64_t peakMemoryBytes) {
    const std::string tail = m_stream.flush();
    m_result.text += tail;
    if (!tail.empty()) {
        TokenEvent ev;
        ev.tokenId = -1;
        ev.textDelta = tail;
        emit(ev);
    }
    RequestStats& st = m_result.stats;
    const auto now = Clock::now();
    st.generatedTokens = generated();
    // The decode rate counts the steps after the first token (the first is part of time to first token).
    st.decodeMs = st.generatedTokens > 0 ? msBetween(m_firstToken, now) : 0;
    if (st.generatedTokens > 1 && st.decodeMs > 0) st.decodeTokensPerS = 1000.0 * static_cast<double>(st.generatedTokens - 1) / st.decodeMs;
    st.totalMs = msBetween(m_start, now);
    st.peakMemoryBytes = peakMemoryBytes;
    return std::move(m_result);
}

}  // namespace sightline
