#include "scheduler/lane.h"

#include <c10/core/InferenceMode.h>

#include "model/glm4v_forward.h"
#include "runtime/guarded.h"

namespace sightline {

namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Each sequence takes its next token from row i: the device pick for greedy requests (one small
// transfer for all of them), the logits row on the host for sampled ones.
// logits [n, V] float32, pick [n, 2] float32 (argmax id, its logprob), both on the device.
void acceptRows(const std::vector<Sequence*>& seqs, const at::Tensor& logits, const at::Tensor& pick, const at::Device& device) {
    bool anyPick = false;
    for (Sequence* s : seqs) anyPick |= s->wantsDevicePick();
    const at::Tensor pickHost = anyPick ? runtime::guarded("decoding", device, [&] { return pick.cpu(); }) : at::Tensor();
    std::vector<float> host;
    for (size_t i = 0; i < seqs.size(); ++i) {
        Sequence& s = *seqs[i];
        if (s.wantsDevicePick()) {
            const float* p = pickHost.data_ptr<float>() + 2 * i;
            s.acceptPick(static_cast<int64_t>(p[0]), p[1]);
            continue;
        }
        at::Tensor row = runtime::guarded("decoding", device, [&] { return logits.select(0, static_cast<int64_t>(i)).cpu().contiguous(); });
        host.assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
        s.acceptLogits(host);
    }
}

}  // namespace

Lane::Lane(const Model::Impl& model, std::unique_ptr<BatchDecoder> decoder, PrefixCache* prefixes, ImageCache& images)
    : m_model(model), m_decoder(std::move(decoder)), m_prefixes(prefixes), m_images(images) {}

at::Tensor Lane::encodeImages(Request& r, int64_t reused) {
    const Model::Impl& m = m_model;
    const PreparedRequest& p = r.prompt;
    RequestStats& st = r.seq->stats();
    return runtime::guarded("vision encoding", m.device, [&] {
        if (p.images.empty()) return at::Tensor();
        std::vector<at::Tensor> parts;
        for (size_t i = 0; i < p.images.size(); ++i) {
            if (r.imageRuns[i].start < reused) continue;  // its positions come from the reused cache
            const PreprocessedImage& im = p.images[i];
            const uint64_t key = r.imageRuns[i].key;
            at::Tensor e = r.useImageCache ? m_images.find(key) : at::Tensor();
            if (e.defined()) {
                ++st.imagesFromCache;
            } else {
                const int64_t rows = im.gridT * im.gridH * im.gridW;
                // from_blob aliases the preprocessed floats; the forward copies them to the device.
                at::Tensor pv = at::from_blob(const_cast<float*>(im.pixelValues.data()), {rows, static_cast<int64_t>(im.rowSize)},
                                              at::TensorOptions().dtype(at::kFloat));
                e = glm4vVisionForward(m.weights, m.config, pv, {p.grids[i]});
                m_images.store(key, e);
            }
            parts.push_back(e);
        }
        if (parts.empty()) return at::Tensor();
        at::Tensor out = parts.size() == 1 ? parts[0] : at::cat(parts, 0);
        runtime::synchronize(m.device);
        return out;
    });
}

void Lane::admit(std::unique_ptr<Request>& request) {
    c10::InferenceMode inference;
    const Model::Impl& m = m_model;
    Request& r = *request;
    const PreparedRequest& p = r.prompt;
    Sequence& seq = *r.seq;
    RequestStats& st = seq.stats();
    if (full() || r.cacheNeed() > m_decoder->capacity()) throw Error(ErrorKind::Internal, "request admitted to a lane without room for it");
    if (seq.cancelRequested() || seq.finished()) {
        if (!seq.finished()) seq.markCancelled();
        return;
    }

    // The prompt as a prefix key (ids + which image each placeholder run is), and the longest prefix
    // of it a finished request left in the prefix cache.
    PrefixKey key;
    key.ids = p.ids;
    for (size_t i = 0, pos = 0; i < p.images.size(); ++i) {
        while (pos < p.ids.size() && p.ids[pos] != m.config.imageTokenId) ++pos;
        key.images.push_back({static_cast<int64_t>(pos), p.images[i].numTokens, imageKey(p.images[i])});
        pos += static_cast<size_t>(p.images[i].numTokens);
    }
    const PrefixCache::Match reuse = m_prefixes && r.usePrefixCache ? m_prefixes->find(key) : PrefixCache::Match{};
    const int64_t reused = reuse.index >= 0 ? reuse.length : 0;
    st.cachedPromptTokens = reused;
    r.imageRuns = std::move(key.images);

    const auto tv = Clock::now();
    at::Tensor imageEmbeds = encodeImages(r, reused);
    st.visionMs = msSince(tv);
    r.prompt.images.clear();  // the pixels are encoded (or cached) now
    if (seq.cancelRequested()) {
        seq.markCancelled();
        return;
    }

    const auto tp = Clock::now();
    const auto n = static_cast<int64_t>(p.ids.size());
    const int64_t slot = static_cast<int64_t>(m_requests.size());
    at::Tensor logits = runtime::guarded("prefill", m.device, [&] {
        const auto i64 = at::TensorOptions().dtype(at::kLong);
        // Only the positions after the reused prefix are computed.
        at::Tensor ids = at::tensor(std::vector<int64_t>(p.ids.begin() + reused, p.ids.end()), i64).to(m.device);  // [n - reused]
        std::vector<int64_t> flat;
        for (const auto& s : p.rope.pos) flat.insert(flat.end(), s.begin() + reused, s.end());
        at::Tensor pos = at::tensor(flat, i64).view({3, n - reused}).to(m.device);  // [3, n - reused]
        clearSlot(m_decoder->cache(), slot);
        if (reused > 0) m_prefixes->restore(reuse, m_decoder->cache(), slot);
        KvCache kv = m_decoder->slotCache(slot);
        kv.length = reused;
        at::Tensor h = glm4vTextForward(m.weights, m.config, glm4vEmbed(m.weights, m.config, ids, imageEmbeds), pos, kv);
        return glm4vLogits(m.weights, h).unsqueeze(0);  // [1, V]
    });
    imageEmbeds = at::Tensor();
    st.prefillMs = msSince(tp);
    st.prefillTokensPerS = st.prefillMs > 0 ? 1000.0 * static_cast<double>(n - reused) / st.prefillMs : 0;
    r.length = n;
    r.ropeDelta = p.rope.ropeDelta;
    at::Tensor pick = seq.wantsDevicePick() ? runtime::guarded("prefill", m.device, [&] { return greedyPick(logits); }) : at::Tensor();
    acceptRows({&seq}, logits, pick, m.device);
    if (seq.finished()) return;
    m_requests.push_back(std::move(request));
}

void Lane::remove(size_t i, std::vector<std::unique_ptr<Request>>& out) {
    const Request& r = *m_requests[i];
    if (m_prefixes && r.usePrefixCache && r.seq->finished() && r.seq->finishReason() != FinishReason::Cancelled) {
        // Kept for a follow-up that starts the same way (the next chat turn, the next item under
        // the same moderation policy): the positions written so far, with the ids they hold.
        PrefixKey key;
        const auto& h = r.seq->history();
        key.ids.assign(h.begin(), h.begin() + std::min<int64_t>(r.length, static_cast<int64_t>(h.size())));
        key.images = r.imageRuns;
        runtime::guarded("decoding", m_model.device, [&] {
            m_prefixes->keep(m_decoder->cache(), static_cast<int64_t>(i), std::move(key));
            return 0;
        });
    }
    out.push_back(std::move(m_requests[i]));
    const size_t last = m_requests.size() - 1;
    if (i != last) {  // keep the slots packed: the last sequence moves into the freed slot
        runtime::guarded("decoding", m_model.device, [&] {
            SlotKvCache& cache = m_decoder->cache();
            copySlotPrefix(cache, static_cast<int64_t>(last), cache, static_cast<int64_t>(i), m_requests[last]->length);
            return 0;
        });
        m_requests[i] = std::move(m_requests[last]);
    }
    m_requests.pop_back();
}

std::vector<std::unique_ptr<Request>> Lane::step() {
    c10::InferenceMode inference;
    std::vector<std::unique_ptr<Request>> done;
    for (size_t i = m_requests.size(); i-- > 0;)
        if (m_requests[i]->seq->cancelRequested()) {
            m_requests[i]->seq->markCancelled();
            remove(i, done);
        }
    if (m_requests.empty()) return done;
    std::vector<BatchDecoder::Row> rows;
    std::vector<Sequence*> seqs;
    for (const auto& r : m_requests) {
        rows.push_back({r->seq->lastToken(), r->length + r->ropeDelta, r->length});
        seqs.push_back(r->seq.get());
    }
    const BatchDecoder::Output out = runtime::guarded("decoding", m_model.device, [&] { return m_decoder->step(rows); });
    for (auto& r : m_requests) ++r->length;
    acceptRows(seqs, out.logits, out.pick, m_model.device);
    for (size_t i = m_requests.size(); i-- > 0;)
        if (m_requests[i]->seq->finished()) remove(i, done);
    return done;
}

std::vector<std::unique_ptr<Request>> Lane::takeAll() {
    std::vector<std::unique_ptr<Request>> all = std::move(m_requests);
    m_requests.clear();
    return all;
}

}  // namespace sightline
