#include "kv/prefix_cache.h"

#include <algorithm>

namespace sightline {

PrefixCache::PrefixCache(const ModelConfig& c, int64_t entries, int64_t capacity, const at::TensorOptions& options) {
    if (entries <= 0) return;
    m_kept = makeSlotKvCache(c, entries, capacity, options);
    m_keys.resize(static_cast<size_t>(entries));
    m_use.resize(static_cast<size_t>(entries), 0);
}

void PrefixCache::keep(const SlotKvCache& from, int64_t slot, PrefixKey key) {
    const auto length = static_cast<int64_t>(key.ids.size());
    if (m_keys.empty() || length < kMinReuse || length > m_kept.capacity) return;
    size_t victim = 0;
    for (size_t i = 1; i < m_use.size(); ++i)
        if (m_use[i] < m_use[victim]) victim = i;
    copySlotPrefix(from, slot, m_kept, static_cast<int64_t>(victim), length);
    m_keys[victim] = std::move(key);
    m_use[victim] = ++m_useClock;
}

PrefixCache::Match PrefixCache::find(const PrefixKey& prompt) const {
    Match best;
    for (size_t i = 0; i < m_keys.size(); ++i) {
        const PrefixKey& k = m_keys[i];
        int64_t n = 0;
        const auto limit = static_cast<int64_t>(std::min(k.ids.size(), prompt.ids.size() - (prompt.ids.empty() ? 0 : 1)));
        while (n < limit && k.ids[size_t(n)] == prompt.ids[size_t(n)]) ++n;
        // An image inside the shared ids must be the same image, whole on both sides.
        for (const auto& run : prompt.images) {
            if (run.start >= n) break;
            bool same = false;
            for (const auto& kr : k.images)
                if (kr.start == run.start) same = kr.length == run.length && kr.key == run.key;
            if (!same || run.start + run.length > n) {
                n = run.start;
                break;
            }
        }
        if (n >= kMinReuse && n > best.length) best = {static_cast<int>(i), n};
    }
    return best;
}

void PrefixCache::restore(const Match& match, SlotKvCache& to, int64_t slot) {
    copySlotPrefix(m_kept, match.index, to, slot, match.length);
    m_use[size_t(match.index)] = ++m_useClock;
}

}  // namespace sightline
