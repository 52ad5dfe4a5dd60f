#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_set>

namespace sightline {

void applyRepetitionPenalty(std::vector<float>& logits, const std::vector<int64_t>& history, double penalty) {
    if (penalty == 1.0) return;
    std::unordered_set<int64_t> seen(history.begin(), history.end());
    for (int64_t id : seen) {
        if (id < 0 || id >= static_cast<int64_t>(logits.size())) continue;
        float& l = logits[static_cast<size_t>(id)];
        l = l < 0 ? static_cast<float>(l * penalty) : static_cast<float>(l / penalty);
    }
}

std::vector<float> logSoftmax(const std::vector<float>& logits) {
    const float mx = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (float l : logits) sum += std::exp(static_cast<double>(l - mx));
    const float lse = mx + static_cast<float>(std::log(sum));
    std::vector<float> out(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) out[i] = logits[i] - lse;
    return out;
}

Sampler::Sampler(const SamplingParams& params) : m_params(params), m_rng(params.seed) {}

int64_t Sampler::next(std::vector<float>& logits, const std::vector<int64_t>& history, float* logprob, std::vector<TokenLogprob>* top,
                      int topN) {
    std::vector<float> raw;
    if (logprob || (top && topN > 0)) raw = logSoftmax(logits);
    if (top && topN > 0) {
        std::vector<int64_t> idx(raw.size());
        std::iota(idx.begin(), idx.end(), 0);
        const size_t n = std::min<size_t>(static_cast<size_t>(topN), idx.size());
        std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n), idx.end(),
                          [&](int64_t a, int64_t b) { return raw[size_t(a)] > raw[size_t(b)]; });
        top->clear();
        for (size_t i = 0; i < n; ++i) top->push_back({idx[i], raw[size_t(idx[i])]});
    }
    applyRepetitionPenalty(logits, history, m_params.repetitionPenalty);

    int64_t chosen = 0;
    if (m_params.greedy()) {
        chosen = std::max_element(logits.begin(), logits.end()) - logits.begin();  // first max, as torch.argmax
    } else {
        const float invT = static_cast<float>(1.0 / m_params.temperature);
        std::vector<int64_t> idx(logits.size());
        std::iota(idx.begin(), idx.end(), 0);
        for (auto& l : logits) l *= invT;
        // Candidates sorted by logit, descending (stable: lower id first on ties).
        size_t keep = idx.size();
        if (m_params.topK > 0) keep = std::min<size_t>(keep, static_cast<size_t>(m_params.topK));
        std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(keep), idx.end(), [&](int64_t a, int64_t b) {
            return logits[size_t(a)] > logits[size_t(b)] || (logits[size_t(a)] == logits[size_t(b)] && a < b);
        });
        idx.resize(keep);
        const float mx = logits[size_t(idx[0])];
        std::vector<double> p(keep);
        double sum = 0;
        for (size_t i = 0; i < keep; ++i) sum += p[i] = std::exp(static_cast<double>(logits[size_t(idx[i])] - mx));
        if (m_params.topP < 1.0) {  // smallest prefix whose mass reaches top_p (at least one token)
            double cum = 0;
            size_t cut = keep;
            for (size_t i = 0; i < keep; ++i) {
                cum += p[i] / sum;
                if (cum >= m_params.topP) {
                    cut = i + 1;
                    break;
                }
            }
            p.resize(cut);
            idx.resize(cut);
            sum = std::accumulate(p.begin(), p.end(), 0.0);
        }
        std::uniform_real_distribution<double> u(0.0, sum);
        double r = u(m_rng), acc = 0;
        chosen = idx.back();
        for (size_t i = 0; i < p.size(); ++i) {
            acc += p[i];
            if (r < acc) {
                chosen = idx[i];
                break;
            }
        }
    }
    if (logprob) *logprob = raw[static_cast<size_t>(chosen)];
    return chosen;
}

}  // namespace sightline
