#include "text/lane.h"

#include <c10/core/InferenceMode.h>

#include "model/glm4v_forward.h"
#include "runtime/guarded.h"

namespace sightline {

namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Each sequence takes its next token from row i: the device pick for greedy requests (one small
// transfer for all of them), the logits row on the host for sampled ones.
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

PreparedRequest prepareRequest(const Model& model, const std::vector<ChatMessage>& messages, const GenerationParams& params) {
    const ModelConfig& c = model.config();
    PreparedRequest r;
    r.ids = model.promptIds(messages, params, &r.images);
    const auto n = static_cast<int64_t>(r.ids.size());
    if (n >= c.text.maxPositionEmbeddings)
        throwBadInput("the prompt has " + std::to_string(n) + " tokens, the model's context is " + std::to_string(c.text.maxPositionEmbeddings));
    r.maxNew = std::max<int64_t>(0, std::min(params.maxNewTokens, c.text.maxPositionEmbeddings - n));
    for (const auto& im : r.images) r.grids.push_back({im.gridT, im.gridH, im.gridW});
    r.rope = glm4vRopeIndex(r.ids, r.grids, c);
    return r;
}

int64_t cacheNeed(const PreparedRequest& r) { return static_cast<int64_t>(r.ids.size()) + std::max<int64_t>(r.maxNew, 1); }

Lane::Lane(const Model::Impl& model, std::unique_ptr<BatchDecoder> decoder) : m_model(model), m_decoder(std::move(decoder)) {}

std::unique_ptr<Lane::Entry> Lane::admit(Entry entry, const PreparedRequest& r, bool useImageCache) {
    c10::InferenceMode inference;
    const Model::Impl& m = m_model;
    const ModelConfig& c = m.config;
    Sequence& seq = *entry.seq;
    RequestStats& st = seq.stats();
    auto finished = [&] { return std::make_unique<Entry>(std::move(entry)); };
    if (full() || cacheNeed(r) > m_decoder->capacity()) throw Error(ErrorKind::Internal, "request admitted to a lane without room for it");
    if (seq.cancelRequested() || seq.finished()) {
        if (!seq.finished()) seq.markCancelled();
        return finished();
    }

    // The prompt as a prefix key (ids + which image each placeholder run is), and the longest prefix
    // of it a finished request left in this decoder.
    PrefixKey key;
    key.ids = r.ids;
    for (size_t i = 0, pos = 0; i < r.images.size(); ++i) {
        while (pos < r.ids.size() && r.ids[pos] != c.imageTokenId) ++pos;
        key.images.push_back({static_cast<int64_t>(pos), r.images[i].numTokens, imageKey(r.images[i])});
        pos += static_cast<size_t>(r.images[i].numTokens);
    }
    const BatchDecoder::Match reuse = m_decoder->findPrefix(key);
    const int64_t reused = reuse.index >= 0 ? reuse.length : 0;
    st.cachedPromptTokens = reused;
    entry.images = key.images;

    const auto tv = Clock::now();
    at::Tensor imageEmbeds = runtime::guarded("vision encoding", m.device, [&] {
        if (r.images.empty()) return at::Tensor();
        std::vector<at::Tensor> parts;
        for (size_t i = 0; i < r.images.size(); ++i) {
            if (key.images[i].start < reused) continue;  // its positions come from the reused cache
            const PreprocessedImage& im = r.images[i];
            const uint64_t key = imageKey(im);
            at::Tensor e = useImageCache ? m.cachedImage(key) : at::Tensor();
            if (e.defined()) {
                ++st.imagesFromCache;
            } else {
                const int64_t rows = im.gridT * im.gridH * im.gridW;
                // from_blob aliases the preprocessed floats; the forward copies them to the device.
                at::Tensor pv = at::from_blob(const_cast<float*>(im.pixelValues.data()), {rows, static_cast<int64_t>(im.rowSize)},
                                              at::TensorOptions().dtype(at::kFloat));
                e = glm4vVisionForward(m.weights, c, pv, {r.grids[i]});
                m.storeImage(key, e);
            }
            parts.push_back(e);
        }
        if (parts.empty()) return at::Tensor();
        at::Tensor out = parts.size() == 1 ? parts[0] : at::cat(parts, 0);
        runtime::synchronize(m.device);
        return out;
    });
    st.visionMs = msSince(tv);
    if (seq.cancelRequested()) {
        seq.markCancelled();
        return finished();
    }

    const auto tp = Clock::now();
    const auto n = static_cast<int64_t>(r.ids.size());
    const int64_t slot = static_cast<int64_t>(m_entries.size());
    at::Tensor logits = runtime::guarded("prefill", m.device, [&] {
        const auto i64 = at::TensorOptions().dtype(at::kLong);
        // Only the positions after the reused prefix are computed.
        at::Tensor ids = at::tensor(std::vector<int64_t>(r.ids.begin() + reused, r.ids.end()), i64).to(m.device);
        std::vector<int64_t> flat;
        for (const auto& s : r.rope.pos) flat.insert(flat.end(), s.begin() + reused, s.end());
        at::Tensor pos = at::tensor(flat, i64).view({3, n - reused}).to(m.device);
        m_decoder->clearSlot(slot);
        if (reused > 0) m_decoder->restore(reuse, slot);
        KvCache kv = m_decoder->slotCache(slot);
        kv.length = reused;
        at::Tensor h = glm4vTextForward(m.weights, c, glm4vEmbed(m.weights, c, ids, imageEmbeds), pos, kv);
        return glm4vLogits(m.weights, h).unsqueeze(0);
    });
    imageEmbeds = at::Tensor();
    st.prefillMs = msSince(tp);
    st.prefillTokensPerS = st.prefillMs > 0 ? 1000.0 * static_cast<double>(n - reused) / st.prefillMs : 0;
    entry.length = n;
    entry.ropeDelta = r.rope.ropeDelta;
    at::Tensor pick = seq.wantsDevicePick() ? runtime::guarded("prefill", m.device, [&] { return greedyPick(logits); }) : at::Tensor();
    acceptRows({&seq}, logits, pick, m.device);
    if (seq.finished()) return finished();
    m_entries.push_back(std::move(entry));
    return nullptr;
}

void Lane::remove(size_t i, std::vector<Entry>& out) {
    const Entry& e = m_entries[i];
    if (e.seq->finished() && e.seq->finishReason() != FinishReason::Cancelled) {
        // Kept for a follow-up that starts the same way (the next chat turn, the next item under
        // the same moderation policy): the positions written so far, with the ids they hold.
        PrefixKey key;
        const auto& h = e.seq->history();
        key.ids.assign(h.begin(), h.begin() + std::min<int64_t>(e.length, static_cast<int64_t>(h.size())));
        key.images = e.images;
        runtime::guarded("decoding", m_model.device, [&] {
            m_decoder->keep(static_cast<int64_t>(i), std::move(key));
            return 0;
        });
    }
    out.push_back(std::move(m_entries[i]));
    const size_t last = m_entries.size() - 1;
    if (i != last) {  // keep the slots packed: the last sequence moves into the freed slot
        runtime::guarded("decoding", m_model.device, [&] {
            m_decoder->moveSlot(static_cast<int64_t>(last), static_cast<int64_t>(i), m_entries[last].length);
            return 0;
        });
        m_entries[i] = std::move(m_entries[last]);
    }
    m_entries.pop_back();
}

std::vector<Lane::Entry> Lane::step() {
    c10::InferenceMode inference;
    std::vector<Entry> done;
    for (size_t i = m_entries.size(); i-- > 0;)
        if (m_entries[i].seq->cancelRequested()) {
            m_entries[i].seq->markCancelled();
            remove(i, done);
        }
    if (m_entries.empty()) return done;
    std::vector<BatchDecoder::Row> rows;
    std::vector<Sequence*> seqs;
    for (const Entry& e : m_entries) {
        rows.push_back({e.seq->lastToken(), e.length + e.ropeDelta, e.length});
        seqs.push_back(e.seq.get());
    }
    const BatchDecoder::Output out = runtime::guarded("decoding", m_model.device, [&] { return m_decoder->step(rows); });
    for (Entry& e : m_entries) ++e.length;
    acceptRows(seqs, out.logits, out.pick, m_model.device);
    for (size_t i = m_entries.size(); i-- > 0;)
        if (m_entries[i].seq->finished()) remove(i, done);
    return done;
}

std::vector<Lane::Entry> Lane::takeAll() {
    std::vector<Entry> all = std::move(m_entries);
    m_entries.clear();
    return all;
}

}  // namespace sightline
