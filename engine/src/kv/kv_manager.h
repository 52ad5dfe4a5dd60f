// Every KV-side cache of one Scheduler, behind one owner: the batch lane's slot cache (sized by a
// memory budget), the prefix cache beside it, the pool of one-slot caches for requests longer than
// a slot, and the image-embedding cache. The scheduler asks for decoders and caches here and never
// computes sizes itself (vLLM v1's KVCacheManager is the example).
//
// Owner: Scheduler::Impl. Threads: the scheduler thread only; no locking. The Model it reads
// (weights, config, dtype) is immutable and outlives the manager.
#pragma once

#include <map>
#include <memory>

#include "kv/image_cache.h"
#include "kv/kv_cache.h"
#include "model/model_impl.h"
#include "text/batch_decoder.h"

namespace sightline {

struct KvOptions {
    int64_t maxSlots = 8;       // batch slots, at most
    int64_t slotTokens = 4096;  // positions per batch slot
    int64_t budgetBytes = 0;    // 0: see kvSlotsForBudget
    int64_t keptPrefixes = 2;   // prefix cache entries (of slotTokens each)
};

class KvManager {
public:
    KvManager(const Model::Impl& model, KvOptions options);

    // The batch lane's decoder: as many slots as the budget holds beside the kept prefixes (at most
    // maxSlots); an allocation that still fails halves the slots and tries again, down to one. The
    // prefix cache is made anew with it (a new batch starts with nothing kept). Throws
    // Error(OutOfMemory) when even one slot does not fit.
    std::unique_ptr<BatchDecoder> makeBatchDecoder();
    // Prefix reuse for the batch lane; null before the first batch decoder or with keptPrefixes 0.
    PrefixCache* prefixes() { return m_prefixes.get(); }

    // A one-slot decoder of at least `positions` positions for a request that does not fit a batch
    // slot: from the pool when one of a close size is free, new otherwise. Give it back with
    // releaseOwnLane (kept for the next long request, at most kPooled of them).
    std::unique_ptr<BatchDecoder> acquireOwnLane(int64_t positions);
    void releaseOwnLane(std::unique_ptr<BatchDecoder> decoder);

    ImageCache& images() { return m_images; }

    static constexpr int64_t kOwnLaneBucket = 512;  // own-lane capacities are multiples of this
    static constexpr size_t kPooled = 4;

private:
    const Model::Impl& m_model;
    KvOptions m_options;
    std::unique_ptr<PrefixCache> m_prefixes;
    std::multimap<int64_t, std::unique_ptr<BatchDecoder>> m_pool;  // free one-slot decoders by capacity
    ImageCache m_images;
};

}  // namespace sightline
