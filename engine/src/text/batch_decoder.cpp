#include "text/batch_decoder.h"

#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>
#include <cstdlib>

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

int64_t roundUp(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

int64_t nextPow2(int64_t x) {
    int64_t p = 1;
    while (p < x) p <<= 1;
    return p;
}

}  // namespace

BatchDecoder::BatchDecoder(const Glm4vWeights& w, const ModelConfig& c, const at::TensorOptions& options, int64_t slots, int64_t capacity,
                           int64_t keep)
    : m_w(w), m_c(c), m_device(options.device()) {
    m_cache = makeSlotKvCache(c, slots, capacity, options);
    if (keep > 0) {
        m_kept = makeSlotKvCache(c, keep, capacity, options);
        m_keptKeys.resize(static_cast<size_t>(keep));
        m_keptUse.resize(static_cast<size_t>(keep), 0);
    }
    m_in = makeDecodeBatchInputs(c, slots, capacity, m_device);
    if (m_device.is_cuda() && cudaGraphsEnabled()) m_graphs = std::make_unique<Graphs>(m_device, slots, w.text.lmHead.size(0));
}

BatchDecoder::~BatchDecoder() = default;

int64_t BatchDecoder::capturedGraphs() const { return m_graphs ? static_cast<int64_t>(m_graphs->byShape.size()) : 0; }

void BatchDecoder::moveSlot(int64_t from, int64_t to, int64_t length) {
    if (from == to || length <= 0) return;
    for (size_t li = 0; li < m_cache.k.size(); ++li) {
        m_cache.k[li].select(0, to).narrow(1, 0, length).copy_(m_cache.k[li].select(0, from).narrow(1, 0, length));
        m_cache.v[li].select(0, to).narrow(1, 0, length).copy_(m_cache.v[li].select(0, from).narrow(1, 0, length));
    }
}

void BatchDecoder::keep(int64_t slot, PrefixKey key) {
    const auto length = static_cast<int64_t>(key.ids.size());
    if (m_keptKeys.empty() || length < kMinReuse || length > capacity()) return;
    size_t victim = 0;
    for (size_t i = 1; i < m_keptUse.size(); ++i)
        if (m_keptUse[i] < m_keptUse[victim]) victim = i;
    for (size_t li = 0; li < m_cache.k.size(); ++li) {
        m_kept.k[li].select(0, static_cast<int64_t>(victim)).narrow(1, 0, length).copy_(m_cache.k[li].select(0, slot).narrow(1, 0, length));
        m_kept.v[li].select(0, static_cast<int64_t>(victim)).narrow(1, 0, length).copy_(m_cache.v[li].select(0, slot).narrow(1, 0, length));
    }
    m_keptKeys[victim] = std::move(key);
    m_keptUse[victim] = ++m_useClock;
}

BatchDecoder::Match BatchDecoder::findPrefix(const PrefixKey& prompt) const {
    Match best;
    for (size_t i = 0; i < m_keptKeys.size(); ++i) {
        const PrefixKey& k = m_keptKeys[i];
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

void BatchDecoder::restore(const Match& match, int64_t slot) {
    for (size_t li = 0; li < m_cache.k.size(); ++li) {
        m_cache.k[li].select(0, slot).narrow(1, 0, match.length).copy_(m_kept.k[li].select(0, match.index).narrow(1, 0, match.length));
        m_cache.v[li].select(0, slot).narrow(1, 0, match.length).copy_(m_kept.v[li].select(0, match.index).narrow(1, 0, match.length));
    }
    m_keptUse[size_t(match.index)] = ++m_useClock;
}

void BatchDecoder::clearSlot(int64_t slot) {
    for (size_t li = 0; li < m_cache.k.size(); ++li) {
        m_cache.k[li].select(0, slot).zero_();
        m_cache.v[li].select(0, slot).zero_();
    }
}

BatchDecoder::Output BatchDecoder::step(const std::vector<Row>& rows) {
    const int64_t n = static_cast<int64_t>(rows.size());
    if (n < 1 || n > slots()) throw Error(ErrorKind::Internal, "decode batch of " + std::to_string(n) + " rows for " + std::to_string(slots()) + " slots");
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

std::unique_ptr<BatchDecoder> DecoderPool::acquire(const Glm4vWeights& w, const ModelConfig& c, const at::TensorOptions& options,
                                                   int64_t needed) {
    const int64_t capacity = roundUp(std::max<int64_t>(needed, 1), kBucket);
    {
        std::lock_guard lock(m_mutex);
        auto it = m_free.lower_bound(capacity);
        if (it != m_free.end() && it->first <= 2 * capacity) {  // reuse, but not a cache far larger than needed
            auto d = std::move(it->second);
            m_free.erase(it);
            return d;
        }
    }
    return std::make_unique<BatchDecoder>(w, c, options, 1, capacity);
}

void DecoderPool::release(std::unique_ptr<BatchDecoder> decoder) {
    if (!decoder) return;
    std::lock_guard lock(m_mutex);
    m_free.emplace(decoder->capacity(), std::move(decoder));
    while (m_free.size() > 4) m_free.erase(m_free.begin());  // keep the memory bounded
}

}  // namespace sightline
