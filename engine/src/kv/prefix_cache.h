// Prefix reuse: the caches of finished requests, kept so that a request that starts the same way
// (the next turn of a chat, the next item under one moderation policy) prefills only the rest.
//
// Owner: the Scheduler's KvManager, for its batch lane (the slots of the same capacity). Scheduler
// thread only; no locking.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "kv/kv_cache.h"

namespace sightline {

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
    SlotKvCache m_kept;                 // [entries] slots of the batch's capacity
    std::vector<PrefixKey> m_keys;      // what each holds (empty ids: nothing)
    std::vector<uint64_t> m_use;        // last use, for LRU
    uint64_t m_useClock = 0;
};

}  // namespace sightline
