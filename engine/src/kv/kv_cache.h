// The KV cache: per-request caches (prefill, tests), the slot cache of a decode batch, slot copies
// (packing), the sizing of a batch from a memory budget, and prefix reuse (PrefixCache: the caches
// of finished requests, kept so that a request that starts the same way — the next turn of a chat,
// the next item under one moderation policy — prefills only the rest).
//
// Ownership: every cache here is owned by the Scheduler (through its KvManager, kv_manager.h) or,
// in tests, by the caller; never by the Model. Plain tensors, no locking: one thread uses a cache
// (the scheduler thread).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "sightline/config.h"

namespace sightline {

// One sequence's cache (a view into a slot, or a cache of its own).
struct KvCache {
    std::vector<at::Tensor> k, v;  // per layer [1, Hkv, capacity, D], compute dtype
    int64_t length = 0;            // positions filled
    int64_t capacity = 0;
};

// zeroed: slots past the length are read under a mask (static-shape decode), so they must hold no NaNs.
KvCache makeKvCache(const ModelConfig& c, int64_t capacity, const at::TensorOptions& options, bool zeroed = false);

// The KV cache of a decode batch: one slot per sequence, zero-initialised (positions past a
// sequence's length are read under a mask, so they must never hold NaNs).
struct SlotKvCache {
    std::vector<at::Tensor> k, v;  // per layer [slots, Hkv, capacity, D], compute dtype
    int64_t slots = 0, capacity = 0;
};
SlotKvCache makeSlotKvCache(const ModelConfig& c, int64_t slots, int64_t capacity, const at::TensorOptions& options);
KvCache slotView(const SlotKvCache& cache, int64_t slot);  // that slot as a [1, Hkv, capacity, D] KvCache, length 0

// Copies the first `length` positions of every layer from (from, fromSlot) to (to, toSlot). The
// caches may be the same (packing) or two caches of the same capacity (prefix reuse).
void copySlotPrefix(const SlotKvCache& from, int64_t fromSlot, SlotKvCache& to, int64_t toSlot, int64_t length);
// Zeroes a slot before a new sequence takes it: masked positions are multiplied by zero weights in
// attention, so a non-finite value left by an earlier occupant would otherwise leak in.
void clearSlot(SlotKvCache& cache, int64_t slot);

// Bytes of one slot of `tokens` positions (K and V of every layer) in the options' dtype.
int64_t kvBytesPerSlot(const ModelConfig& c, const at::TensorOptions& options, int64_t tokens);
// Batch slots a budget holds beside `kept` prefix slots, clamped to [1, maxSlots]. budgetBytes 0:
// on CUDA what is free on the device less 2 GiB for activations; on the CPU no limit (maxSlots).
int64_t kvSlotsForBudget(const ModelConfig& c, const at::TensorOptions& options, int64_t tokens, int64_t budgetBytes, int64_t maxSlots,
                         int64_t kept);

// What a cache prefix holds: token ids, and for each image's run of placeholder tokens its start,
// length and content hash (the placeholders of two different images are the same ids).
struct PrefixKey {
    struct ImageRun {
        int64_t start = 0, length = 0;
        uint64_t key = 0;  // imageKey() of the image (image_cache.h)
    };
    std::vector<int64_t> ids;
    std::vector<ImageRun> images;
};

// Owner: the KvManager, for the batch lane (entries of the batch slots' capacity).
class PrefixCache {
public:
    static constexpr int64_t kMinReuse = 32;  // shorter shared prefixes are not worth the copy
    struct Match {
        int index = -1;  // kept entry; -1: none
        int64_t length = 0;
    };

    // `entries` kept caches of `capacity` positions each (0 entries: keeps nothing).
    PrefixCache(const ModelConfig& c, int64_t entries, int64_t capacity, const at::TensorOptions& options);

    // A finished sequence's first key.ids.size() positions in (from, slot) are copied aside, the
    // least recently used entry replaced. Too short or too long keys are not kept.
    void keep(const SlotKvCache& from, int64_t slot, PrefixKey key);
    // The longest kept prefix the prompt shares — never ending inside an image, never the whole
    // prompt, at least kMinReuse positions.
    Match find(const PrefixKey& prompt) const;
    // Copies the match into (to, slot) and marks the entry used.
    void restore(const Match& match, SlotKvCache& to, int64_t slot);

private:
    SlotKvCache m_kept;             // [entries] slots of the batch's capacity
    std::vector<PrefixKey> m_keys;  // what each holds (empty ids: nothing)
    std::vector<uint64_t> m_use;    // last use, for LRU
    uint64_t m_useClock = 0;
};

}  // namespace sightline
