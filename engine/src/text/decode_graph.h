// CUDA-graph decode: one captured replay per generated token instead of ~30 kernel launches per
// layer from the host. A DecodeGraph owns a zero-initialised KV cache of a fixed capacity and the
// static input/output tensors the graph was captured with; one request uses it at a time.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "model/glm4v_forward.h"

namespace at::cuda {
struct CUDAGraph;
}

namespace sightline {

class DecodeGraph {
public:
    // Allocates the cache, warms up and captures. CUDA only; throws c10::Error on failure.
    DecodeGraph(const Glm4vWeights& w, const ModelConfig& c, int64_t capacity, const at::TensorOptions& options);
    ~DecodeGraph();

    KvCache& cache() { return m_cache; }
    int64_t capacity() const { return m_cache.capacity; }
    // Writes token `token` at cache slot `index` with M-RoPE position `position`, replays.
    void step(int64_t token, int64_t position, int64_t index);
    const at::Tensor& logits() const { return m_logits; }  // [V] float32, valid after step()
    const at::Tensor& pick() const { return m_pick; }      // [2] float32: argmax id, its logprob

private:
    StaticDecodeInputs m_in;
    KvCache m_cache;
    at::Tensor m_logits, m_pick;
    std::unique_ptr<at::cuda::CUDAGraph> m_graph;
    void* m_stream = nullptr;  // c10::cuda::CUDAStream, kept opaque in the header
    std::vector<int64_t> m_hostInputs;
};

// Graphs by capacity bucket, reused across requests. Thread-safe.
class DecodeGraphPool {
public:
    static constexpr int64_t kBucket = 512;
    // A free graph whose capacity >= needed (created on first use), or null when graphs are off.
    std::unique_ptr<DecodeGraph> acquire(const Glm4vWeights& w, const ModelConfig& c, int64_t needed, const at::TensorOptions& options);
    void release(std::unique_ptr<DecodeGraph> graph);

private:
    std::mutex m_mutex;
    std::multimap<int64_t, std::unique_ptr<DecodeGraph>> m_free;  // by capacity
};

bool cudaGraphsEnabled();  // SIGHTLINE_CUDA_GRAPHS=0 turns them off

}  // namespace sightline
