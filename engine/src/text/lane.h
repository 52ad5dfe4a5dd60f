// From messages to tokens, shared by Model::generate (one request) and the Scheduler (many):
// preparation (template, tokens, images, M-RoPE positions), vision, prefill into a decoder slot,
// then batched decode steps through a Lane, with each request's Sequence choosing its tokens.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "arch/glm4v_rope.h"
#include "model/model_impl.h"
#include "sampling/sequence.h"
#include "text/batch_decoder.h"

namespace sightline {

struct PreparedRequest {
    std::vector<int64_t> ids;  // prompt after image-token expansion
    std::vector<PreprocessedImage> images;
    std::vector<ImageGrid> grids;
    RopePositions rope;
    int64_t maxNew = 0;  // clamped to the context
};

// Template, tokens, image preprocessing and positions (host only). Throws Error(BadInput).
PreparedRequest prepareRequest(const Model& model, const std::vector<ChatMessage>& messages, const GenerationParams& params);
int64_t cacheNeed(const PreparedRequest& request);  // KV positions the request can use

// A decoder and the sequences in its slots (slot i holds entry i). One thread drives it.
class Lane {
public:
    struct Entry {
        std::unique_ptr<Sequence> seq;
        int64_t length = 0;     // KV positions filled
        int64_t ropeDelta = 0;  // position = index + ropeDelta for generated tokens
        int64_t tag = 0;        // the owner's id of the request
        std::vector<PrefixKey::ImageRun> images;  // the prompt's images (prefix reuse)
    };

    Lane(const Model::Impl& model, std::unique_ptr<BatchDecoder> decoder);
    bool full() const { return static_cast<int64_t>(m_entries.size()) >= m_decoder->slots(); }
    bool empty() const { return m_entries.empty(); }
    size_t size() const { return m_entries.size(); }
    BatchDecoder& decoder() { return *m_decoder; }
    std::unique_ptr<BatchDecoder> releaseDecoder() { return std::move(m_decoder); }

    // Vision (or the image cache), prefill into the next free slot, first token. The entry joins
    // the lane unless it finished at once (then it is returned). Checks cancellation between phases.
    // On an error nothing joins and the exception propagates.
    std::unique_ptr<Entry> admit(Entry entry, const PreparedRequest& request, bool useImageCache);
    // Cancelled entries leave; then one decode step for all others. Returns the entries that
    // finished (their slots are handed to others).
    std::vector<Entry> step();
    std::vector<Entry> takeAll();

private:
    void remove(size_t i, std::vector<Entry>& out);
    const Model::Impl& m_model;
    std::unique_ptr<BatchDecoder> m_decoder;
    std::vector<Entry> m_entries;
};

}  // namespace sightline
