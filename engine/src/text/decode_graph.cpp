#include "text/decode_graph.h"

#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <cstdlib>

namespace sightline {

bool cudaGraphsEnabled() {
    const char* v = std::getenv("SIGHTLINE_CUDA_GRAPHS");
    return !(v && std::string(v) == "0");
}

DecodeGraph::DecodeGraph(const Glm4vWeights& w, const ModelConfig& c, int64_t capacity, const at::TensorOptions& options) {
    const at::Device device = options.device();
    m_in = makeStaticDecodeInputs(c, capacity, device);
    m_cache = makeKvCache(c, capacity, options, /*zeroed=*/true);
    // One capture at a time, and thread-local capture mode, so requests decoding on other threads
    // (their own streams) neither break nor join this capture.
    static std::mutex captureMutex;
    std::lock_guard lock(captureMutex);
    auto* stream = new c10::cuda::CUDAStream(c10::cuda::getStreamFromPool(false, device.index()));
    m_stream = stream;
    c10::cuda::CUDAStreamGuard guard(*stream);
    // Warm-up outside capture (cuBLAS handles and workspaces, allocator blocks), then capture.
    for (int i = 0; i < 2; ++i) {
        at::Tensor l = glm4vDecodeStatic(w, c, m_in, m_cache);
        (void)l;
    }
    stream->synchronize();
    m_graph = std::make_unique<at::cuda::CUDAGraph>();
    m_graph->capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
    m_logits = glm4vDecodeStatic(w, c, m_in, m_cache);
    m_pick = at::stack({m_logits.argmax().to(at::kFloat), m_logits.max() - at::logsumexp(m_logits, 0)});
    m_graph->capture_end();
    stream->synchronize();
}

DecodeGraph::~DecodeGraph() {
    m_graph.reset();
    delete static_cast<c10::cuda::CUDAStream*>(m_stream);
}

void DecodeGraph::step(int64_t token, int64_t position, int64_t index) {
    auto* stream = static_cast<c10::cuda::CUDAStream*>(m_stream);
    // The eager prefill ran on the default stream: order this stream after it.
    c10::cuda::getCurrentCUDAStream(stream->device_index()).synchronize();
    c10::cuda::CUDAStreamGuard guard(*stream);
    m_in.tokenId.fill_(token);
    m_in.pos.fill_(position);
    m_in.writeIdx.fill_(index);
    m_graph->replay();
    // The caller reads logits()/pick() on its own stream: finish here (it needs them at once anyway).
    stream->synchronize();
}

std::unique_ptr<DecodeGraph> DecodeGraphPool::acquire(const Glm4vWeights& w, const ModelConfig& c, int64_t needed,
                                                      const at::TensorOptions& options) {
    if (!options.device().is_cuda() || !cudaGraphsEnabled()) return nullptr;
    const int64_t capacity = (needed + kBucket - 1) / kBucket * kBucket;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_free.lower_bound(capacity);
        if (it != m_free.end() && it->first <= 2 * capacity) {  // reuse, but not a cache far larger than needed
            auto g = std::move(it->second);
            m_free.erase(it);
            return g;
        }
    }
    return std::make_unique<DecodeGraph>(w, c, capacity, options);
}

void DecodeGraphPool::release(std::unique_ptr<DecodeGraph> graph) {
    if (!graph) return;
    std::lock_guard lock(m_mutex);
    m_free.emplace(graph->capacity(), std::move(graph));
    while (m_free.size() > 4) m_free.erase(m_free.begin());  // keep the memory bounded
}

}  // namespace sightline
