// The decode half of the engine: a slot KV cache for up to `slots` sequences and one batched step
// over the first B of them. On CUDA each (batch bucket, attention span bucket) shape is captured
// once as a CUDA graph and replayed per step (no host launches, no host syncs inside); elsewhere,
// or with SIGHTLINE_CUDA_GRAPHS=0, the same step runs eagerly at the exact shape.
//
// Sequences occupy slots 0..n-1 (the owner keeps them packed with moveSlot), so a batch is always
// a prefix of the cache and needs no gather. Not thread-safe: one owner drives it.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "model/glm4v_forward.h"

namespace sightline {

// What a cache prefix holds: token ids, and for each image's run of placeholder tokens its start,
// length and content hash (the placeholders of two different images are the same ids).
struct PrefixKey {
    struct ImageRun {
        int64_t start = 0, length = 0;
        uint64_t key = 0;
    };
    std::vector<int64_t> ids;
    std::vector<ImageRun> images;
};

class BatchDecoder {
public:
    struct Row {
        int64_t token = 0;     // the previous output token of the sequence in this slot
        int64_t position = 0;  // its M-RoPE position (cache index + rope delta)
        int64_t index = 0;     // its cache index
    };
    struct Output {
        at::Tensor logits;  // [n, V] float32 on the device
        at::Tensor pick;    // [n, 2] float32 on the device: argmax id and its logprob per row
    };

    // keep: how many finished sequences' caches are kept for prefix reuse (0: none).
    BatchDecoder(const Glm4vWeights& w, const ModelConfig& c, const at::TensorOptions& options, int64_t slots, int64_t capacity,
                 int64_t keep = 0);
    ~BatchDecoder();

    int64_t slots() const { return m_cache.slots; }
    int64_t capacity() const { return m_cache.capacity; }
    KvCache slotCache(int64_t slot) { return slotView(m_cache, slot); }  // for the prefill of a new sequence
    void moveSlot(int64_t from, int64_t to, int64_t length);              // first `length` positions
    // Zeroes a slot before a new sequence takes it: masked positions are multiplied by zero weights
    // in attention, so a non-finite value left by an earlier occupant would otherwise leak in.
    void clearSlot(int64_t slot);
    // rows[i] is the sequence in slot i. Outputs stay valid until the next step().
    Output step(const std::vector<Row>& rows);
    int64_t capturedGraphs() const;

    // Prefix reuse: a finished sequence's first `key.ids.size()` positions are copied aside (least
    // recently used one replaced); a new prompt finds the longest kept prefix it shares — never
    // ending inside an image, never the whole prompt — and copies it into its slot.
    static constexpr int64_t kMinReuse = 32;
    void keep(int64_t slot, PrefixKey key);
    struct Match {
        int index = -1;
        int64_t length = 0;
    };
    Match findPrefix(const PrefixKey& prompt) const;
    void restore(const Match& match, int64_t slot);

    static constexpr int64_t kSpanBucket = 256;

private:
    struct Graphs;
    const Glm4vWeights& m_w;
    const ModelConfig& m_c;
    at::Device m_device;
    SlotKvCache m_cache;
    DecodeBatchInputs m_in;
    std::unique_ptr<Graphs> m_graphs;  // CUDA only
    SlotKvCache m_kept;                 // caches kept for prefix reuse
    std::vector<PrefixKey> m_keptKeys;  // what each holds (empty ids: nothing)
    std::vector<uint64_t> m_keptUse;
    uint64_t m_useClock = 0;
};

// 1-slot decoders by capacity bucket, reused across Model::generate calls. Thread-safe.
class DecoderPool {
public:
    static constexpr int64_t kBucket = 512;
    std::unique_ptr<BatchDecoder> acquire(const Glm4vWeights& w, const ModelConfig& c, const at::TensorOptions& options, int64_t needed);
    void release(std::unique_ptr<BatchDecoder> decoder);

private:
    std::mutex m_mutex;
    std::multimap<int64_t, std::unique_ptr<BatchDecoder>> m_free;  // by capacity
};

bool cudaGraphsEnabled();                         // SIGHTLINE_CUDA_GRAPHS=0 turns them off
at::Tensor greedyPick(const at::Tensor& logits);  // [B, V] → [B, 2]: argmax id and its logprob per row


}  // namespace sightline
