#include "kv/kv_manager.h"

#include <algorithm>

#include "runtime/guarded.h"

namespace sightline {

KvManager::KvManager(const Model::Impl& model, KvOptions options) : m_model(model), m_options(options) {}

std::unique_ptr<BatchDecoder> KvManager::makeBatchDecoder() {
    const Model::Impl& m = m_model;
    const int64_t keep = std::max<int64_t>(0, m_options.keptPrefixes);
    int64_t slots = kvSlotsForBudget(m.config, m.options, m_options.slotTokens, m_options.budgetBytes, m_options.maxSlots, keep);
    m_prefixes.reset();  // its memory counts in the budget: freed before the new allocation
    for (;;) {
        try {
            return runtime::guarded("KV cache allocation", m.device, [&] {
                auto decoder = std::make_unique<BatchDecoder>(m.weights, m.config, m.options, slots, m_options.slotTokens);
                if (keep > 0) m_prefixes = std::make_unique<PrefixCache>(m.config, keep, m_options.slotTokens, m.options);
                return decoder;
            });
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::OutOfMemory || slots == 1) throw;
            slots /= 2;
        }
    }
}

std::unique_ptr<BatchDecoder> KvManager::acquireOwnLane(int64_t positions) {
    const int64_t capacity = (std::max<int64_t>(positions, 1) + kOwnLaneBucket - 1) / kOwnLaneBucket * kOwnLaneBucket;
    auto it = m_pool.lower_bound(capacity);
    if (it != m_pool.end() && it->first <= 2 * capacity) {  // reuse, but not a cache far larger than needed
        auto d = std::move(it->second);
        m_pool.erase(it);
        return d;
    }
    const Model::Impl& m = m_model;
    return runtime::guarded("KV cache allocation", m.device,
                            [&] { return std::make_unique<BatchDecoder>(m.weights, m.config, m.options, 1, capacity); });
}

void KvManager::releaseOwnLane(std::unique_ptr<BatchDecoder> decoder) {
    if (!decoder) return;
    m_pool.emplace(decoder->capacity(), std::move(decoder));
    while (m_pool.size() > kPooled) m_pool.erase(m_pool.begin());  // keep the memory bounded
}

}  // namespace sightline
