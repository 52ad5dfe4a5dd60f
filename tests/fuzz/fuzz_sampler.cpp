// Sampling parameters (in the API's accepted ranges) and logits (any float: a corrupted checkpoint
// gives NaN and infinities) → Sampler::next. The chosen id must be inside the vocabulary.
// Layout: 24 bytes of parameters, then float32 logits (at least one), the last 4 of which, when
// there are more than 4, double as history ids for the repetition penalty.
#include <cmath>
#include <cstring>

#include "fuzz_support.h"
#include "sampling/sampler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    if (size < 24 + 4) return 0;
    auto u32 = [&](size_t at) {
        uint32_t v;
        std::memcpy(&v, data + at, 4);
        return v;
    };
    SamplingParams params;
    params.temperature = (u32(0) % 2001) / 1000.0;               // [0, 2], as openai_api accepts
    params.topP = (u32(4) % 1001) / 1000.0;                      // [0, 1]
    params.topK = u32(8) % 1000001;                              // [0, 1e6]
    params.repetitionPenalty = 0.5 + (u32(12) % 2001) / 1000.0;  // generation_config values seen in the wild
    params.seed = u32(16);
    const int topN = static_cast<int>(u32(20) % 21);  // top_logprobs [0, 20]
    std::vector<float> logits((size - 24) / 4);
    std::memcpy(logits.data(), data + 24, logits.size() * 4);
    std::vector<int64_t> history;
    for (size_t i = logits.size() > 4 ? logits.size() - 4 : logits.size(); i < logits.size(); ++i)
        history.push_back(static_cast<int64_t>(u32(24 + 4 * i) % (logits.size() + 8)) - 4);
    Sampler sampler(params);
    float logprob = 0;
    std::vector<TokenLogprob> top;
    const int64_t id = sampler.next(logits, history, &logprob, &top, topN);
    if (id < 0 || id >= static_cast<int64_t>(logits.size())) {
        fprintf(stderr, "sampled id %lld outside the vocabulary of %zu\n", static_cast<long long>(id), logits.size());
        std::abort();
    }
    for (const auto& t : top)
        if (t.id < 0 || t.id >= static_cast<int64_t>(logits.size())) std::abort();
    return 0;
}
