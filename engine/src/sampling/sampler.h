// Token selection from one position's logits, in Hugging Face's processor order:
// repetition penalty → temperature → top-k → top-p → sample (or argmax when greedy).
// Torch-free; one Sampler per request (it owns the seeded RNG). Not thread-safe.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "sightline/engine.h"

namespace sightline {

class Sampler {
public:
    explicit Sampler(const SamplingParams& params);
    // logits [V] float32 (modified in place). history: prompt + generated ids (for the penalty).
    // Fills logprob of the chosen token under the unprocessed model distribution, and the topN
    // most likely tokens of that distribution.
    int64_t next(std::vector<float>& logits, const std::vector<int64_t>& history, float* logprob = nullptr,
                 std::vector<TokenLogprob>* top = nullptr, int topN = 0);

private:
    SamplingParams m_params;
    std::mt19937_64 m_rng;
};

// Helpers exposed for tests.
void applyRepetitionPenalty(std::vector<float>& logits, const std::vector<int64_t>& history, double penalty);
std::vector<float> logSoftmax(const std::vector<float>& logits);

}  // namespace sightline
