#include "kv/kv_cache.h"

#include <algorithm>

#include "sightline/engine.h"

namespace sightline {

KvCache makeKvCache(const ModelConfig& c, int64_t capacity, const at::TensorOptions& options, bool zeroed) {
    KvCache kv;
    kv.capacity = capacity;
    const std::vector<int64_t> shape = {1, c.text.numKvHeads, capacity, c.text.headDim};
    for (int64_t i = 0; i < c.text.numLayers; ++i) {
        kv.k.push_back(zeroed ? at::zeros(shape, options) : at::empty(shape, options));
        kv.v.push_back(zeroed ? at::zeros(shape, options) : at::empty(shape, options));
    }
    return kv;
}

SlotKvCache makeSlotKvCache(const ModelConfig& c, int64_t slots, int64_t capacity, const at::TensorOptions& options) {
    SlotKvCache kv;
    kv.slots = slots;
    kv.capacity = capacity;
    const std::vector<int64_t> shape = {slots, c.text.numKvHeads, capacity, c.text.headDim};
    for (int64_t i = 0; i < c.text.numLayers; ++i) {
        kv.k.push_back(at::zeros(shape, options));
        kv.v.push_back(at::zeros(shape, options));
    }
    return kv;
}

KvCache slotView(const SlotKvCache& cache, int64_t slot) {
    KvCache kv;
    kv.capacity = cache.capacity;
    for (size_t i = 0; i < cache.k.size(); ++i) {
        kv.k.push_back(cache.k[i].narrow(0, slot, 1));
        kv.v.push_back(cache.v[i].narrow(0, slot, 1));
    }
    return kv;
}

void copySlotPrefix(const SlotKvCache& from, int64_t fromSlot, SlotKvCache& to, int64_t toSlot, int64_t length) {
    if (length <= 0 || (&from == &to && fromSlot == toSlot)) return;
    for (size_t li = 0; li < to.k.size(); ++li) {
        to.k[li].select(0, toSlot).narrow(1, 0, length).copy_(from.k[li].select(0, fromSlot).narrow(1, 0, length));
        to.v[li].select(0, toSlot).narrow(1, 0, length).copy_(from.v[li].select(0, fromSlot).narrow(1, 0, length));
    }
}

void clearSlot(SlotKvCache& cache, int64_t slot) {
    for (size_t li = 0; li < cache.k.size(); ++li) {
        cache.k[li].select(0, slot).zero_();
        cache.v[li].select(0, slot).zero_();
    }
}

int64_t kvBytesPerSlot(const ModelConfig& c, const at::TensorOptions& options, int64_t tokens) {
    const auto& tc = c.text;
    return 2 * tc.numLayers * tc.numKvHeads * tc.headDim * tokens * static_cast<int64_t>(options.dtype().itemsize());
}

int64_t kvSlotsForBudget(const ModelConfig& c, const at::TensorOptions& options, int64_t tokens, int64_t budgetBytes, int64_t maxSlots,
                         int64_t kept) {
    const int64_t perSlot = kvBytesPerSlot(c, options, tokens);
    const at::Device device = options.device();
    int64_t budget = budgetBytes;
    if (budget <= 0 && device.is_cuda()) {
        const DeviceMemory mem = queryDeviceMemory(DeviceKind::Cuda, device.index());
        const int64_t freeBytes = mem.deviceTotalBytes - mem.deviceUsedBytes + (mem.reservedBytes - mem.allocatedBytes);
        budget = std::max<int64_t>(perSlot, freeBytes - (int64_t(2) << 30));
    }
    if (budget <= 0) return maxSlots;
    return std::clamp<int64_t>(budget / perSlot - kept, 1, maxSlots);
}

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
