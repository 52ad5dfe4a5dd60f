#include "text/batch_decoder.h"

#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>

#include "sightline/error.h"

namespace sightline {

bool cudaGraphsEnabled() {
    const char* v = std::getenv("SIGHTLINE_CUDA_GRAPHS");
    return !(v && std::string(v) == "0");
}

struct BatchDecoder::Graphs {
    Graphs(const at::Device& device, int64_t slots, int64_t vocab)
        : stream(c10::cuda::getStreamFromPool(false, device.index())),
          pool(at::cuda::graph_pool_handle()),
          logits(at::empty({slots, vocab}, at::TensorOptions().dtype(at::kFloat).device(device))),
          pick(at::empty({slots, 2}, at::TensorOptions().dtype(at::kFloat).device(device))) {}
    c10::cuda::CUDAStream stream;
    // One memory pool for all shapes: graphs replay one at a time and copy their results into the
    // shared output buffers below, so every intermediate is dead when a replay ends and the graphs
    // can share blocks (memory is that of the largest shape, not the sum).
    at::cuda::MempoolId_t pool;
    at::Tensor logits, pick;  // [slots, V], [slots, 2] float32, written by every graph
    std::map<std::pair<int64_t, int64_t>, std::unique_ptr<at::cuda::CUDAGraph>> byShape;  // (batch, span)
};

at::Tensor greedyPick(const at::Tensor& logits) {
    return at::stack({logits.argmax(-1).to(at::kFloat), logits.amax(-1) - at::logsumexp(logits, -1)}, 1);
}

namespace {

int64_t roundUp(int64_t x, int64_t to) {
    return (x + to - 1) / to * to;
}  // x >= 0

int64_t nextPow2(int64_t x) {
    int64_t p = 1;
    while (p < x) p <<= 1;
    return p;
}

}  // namespace

BatchDecoder::BatchDecoder(const Glm4vWeights& w, const ModelConfig& c, const at::TensorOptions& options, int64_t slots, int64_t capacity)
    : m_w(w), m_c(c), m_device(options.device()) {
    m_cache = makeSlotKvCache(c, slots, capacity, options);
    m_in = makeDecodeBatchInputs(c, slots, capacity, m_device);
    if (m_device.is_cuda() && cudaGraphsEnabled()) m_graphs = std::make_unique<Graphs>(m_device, slots, w.text.lmHead.size(0));
}

BatchDecoder::~BatchDecoder() = default;

int64_t BatchDecoder::capturedGraphs() const {
    return m_graphs ? static_cast<int64_t>(m_graphs->byShape.size()) : 0;
}

BatchDecoder::Output BatchDecoder::step(const std::vector<Row>& rows) {
    const int64_t n = static_cast<int64_t>(rows.size());
    if (n < 1 || n > slots())
        throw Error(ErrorKind::Internal, "decode batch of " + std::to_string(n) + " rows for " + std::to_string(slots()) + " slots");
    int64_t maxIndex = 0;
    for (const Row& r : rows) {
        if (r.index < 0 || r.index >= capacity()) throw Error(ErrorKind::Internal, "decode position past the KV cache capacity");
        maxIndex = std::max(maxIndex, r.index);
    }
    // Graphs: batch padded to a power of two (padding rows decode token 0 into free slots), span to
    // a multiple of kSpanBucket, so a handful of shapes serve every mix. Eager: exact shapes.
    const int64_t B = m_graphs ? std::min(slots(), nextPow2(n)) : n;
    const int64_t span = m_graphs ? std::min(capacity(), roundUp(maxIndex + 1, kSpanBucket)) : maxIndex + 1;
    at::Tensor host = at::zeros({B, 3}, at::TensorOptions().dtype(at::kLong));
    auto* h = host.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
        h[3 * i] = rows[size_t(i)].token;
        h[3 * i + 1] = rows[size_t(i)].position;
        h[3 * i + 2] = rows[size_t(i)].index;
    }
    if (!m_graphs) {
        m_in.rows.narrow(0, 0, B).copy_(host);
        at::Tensor logits = glm4vDecodeBatch(m_w, m_c, m_in, m_cache, B, span);
        return {logits, greedyPick(logits)};
    }

    Graphs& g = *m_graphs;
    // The prefill ran on the caller's stream: order this stream after it.
    c10::cuda::getCurrentCUDAStream(m_device.index()).synchronize();
    c10::cuda::CUDAStreamGuard guard(g.stream);
    m_in.rows.narrow(0, 0, B).copy_(host);
    auto it = g.byShape.find({B, span});
    if (it == g.byShape.end()) {
        // One capture at a time, thread-local capture mode: requests decoding on other threads (their
        // own streams) neither break nor join it. Warm-up runs write each row's own K/V at its own
        // index, exactly what the replay writes, so live sequences are not disturbed.
        static std::mutex captureMutex;
        std::lock_guard lock(captureMutex);
        for (int i = 0; i < 2; ++i) (void)glm4vDecodeBatch(m_w, m_c, m_in, m_cache, B, span);
        g.stream.synchronize();
        auto graph = std::make_unique<at::cuda::CUDAGraph>();
        graph->capture_begin(g.pool, cudaStreamCaptureModeThreadLocal);
        {
            at::Tensor logits = glm4vDecodeBatch(m_w, m_c, m_in, m_cache, B, span);
            g.logits.narrow(0, 0, B).copy_(logits);
            g.pick.narrow(0, 0, B).copy_(greedyPick(logits));
        }
        graph->capture_end();
        it = g.byShape.emplace(std::make_pair(B, span), std::move(graph)).first;
    }
    it->second->replay();
    // The caller reads the outputs on its own stream: finish here (it needs them at once anyway).
    g.stream.synchronize();
    return {g.logits.narrow(0, 0, n), g.pick.narrow(0, 0, n)};
}

}  // namespace sightline
