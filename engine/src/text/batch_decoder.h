// The decode half of the engine: a slot KV cache (kv/kv_cache.h) for up to `slots` sequences and
// one batched step over the first B of them. On CUDA each (batch bucket, attention span bucket) shape is captured
// once as a CUDA graph and replayed per step (no host launches, no host syncs inside); elsewhere,
// or with SIGHTLINE_CUDA_GRAPHS=0, the same step runs eagerly at the exact shape.
//
// Sequences occupy slots 0..n-1 (the owner keeps them packed with moveSlot), so a batch is always
// a prefix of the cache and needs no gather. Not thread-safe: one owner drives it (a Lane on the
// scheduler thread). Created and pooled by the scheduler's KvManager; never owned by the Model.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "kv/kv_cache.h"
#include "model/glm4v_forward.h"

namespace sightline {

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

    // w and c must outlive the decoder (the Model's, which the scheduler holds).
    BatchDecoder(const Glm4vWeights& w, const ModelConfig& c, const at::TensorOptions& options, int64_t slots, int64_t capacity);
    ~BatchDecoder();

    int64_t slots() const { return m_cache.slots; }
    int64_t capacity() const { return m_cache.capacity; }
    KvCache slotCache(int64_t slot) { return slotView(m_cache, slot); }  // for the prefill of a new sequence
    SlotKvCache& cache() { return m_cache; }                             // slot copies (kv/kv_cache.h, prefix cache)
    // rows[i] is the sequence in slot i. Outputs stay valid until the next step().
    Output step(const std::vector<Row>& rows);
    int64_t capturedGraphs() const;

    static constexpr int64_t kSpanBucket = 256;

private:
    struct Graphs;
    const Glm4vWeights& m_w;
    const ModelConfig& m_c;
    at::Device m_device;
    SlotKvCache m_cache;
    DecodeBatchInputs m_in;
    std::unique_ptr<Graphs> m_graphs;  // CUDA only
};

bool cudaGraphsEnabled();                         // SIGHTLINE_CUDA_GRAPHS=0 turns them off
at::Tensor greedyPick(const at::Tensor& logits);  // [B, V] → [B, 2]: argmax id and its logprob per row

}  // namespace sightline
