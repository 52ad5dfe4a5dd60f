// The KV cache's storage: per-request caches (prefill, tests), the slot cache of a decode batch,
// slot copies (packing, prefix reuse) and the sizing of a batch from a memory budget.
//
// Ownership: every cache here is owned by the Scheduler (through its KvManager, kv_manager.h) or,
// in tests, by the caller; never by the Model. Plain tensors, no locking: one thread uses a cache.
#pragma once

#include <ATen/ATen.h>

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

}  // namespace sightline
