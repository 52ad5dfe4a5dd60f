// A decoder and the requests in its slots (slot i holds request i): vision (or the image cache),
// prefill into a free slot (after the prefix a finished request left, when one matches), then one
// batched decode step at a time, each request's Sequence choosing its tokens.
//
// Owner: the Scheduler (its batch lane and its own lane for over-long requests); tests may drive
// one directly. Threads: one thread drives a lane (the scheduler thread). The decoder is the
// lane's; the prefix cache and the image cache are the scheduler's KvManager's, lent for the
// lane's life.
#pragma once

#include <memory>
#include <vector>

#include "kv/image_cache.h"
#include "kv/kv_cache.h"
#include "model/model_impl.h"
#include "scheduler/request.h"
#include "text/batch_decoder.h"

namespace sightline {

class Lane {
public:
    // prefixes may be null (no prefix reuse in this lane); model, prefixes and images outlive the lane.
    Lane(const Model::Impl& model, std::unique_ptr<BatchDecoder> decoder, PrefixCache* prefixes, ImageCache& images);
    bool full() const { return static_cast<int64_t>(m_requests.size()) >= m_decoder->slots(); }
    bool empty() const { return m_requests.empty(); }
    size_t size() const { return m_requests.size(); }
    BatchDecoder& decoder() { return *m_decoder; }
    std::unique_ptr<BatchDecoder> releaseDecoder() { return std::move(m_decoder); }

    // Vision, prefill into the next free slot, first token; cancellation is checked between the
    // phases. A request that goes on decoding moves into the lane (`request` becomes null); one that
    // finished at once (stop token, no tokens wanted, cancelled) stays with the caller. On an error
    // it stays with the caller, nothing joins, and the exception propagates.
    void admit(std::unique_ptr<Request>& request);
    // Cancelled requests leave; then one decode step for all others. Returns the requests that
    // finished (their slots are handed to others; their promises are still unfulfilled).
    std::vector<std::unique_ptr<Request>> step();
    std::vector<std::unique_ptr<Request>> takeAll();

private:
    at::Tensor encodeImages(Request& r, int64_t reused);  // [image tokens after reused, Ov] or undefined
    void remove(size_t i, std::vector<std::unique_ptr<Request>>& out);
    const Model::Impl& m_model;
    std::unique_ptr<BatchDecoder> m_decoder;
    PrefixCache* m_prefixes;
    ImageCache& m_images;
    std::vector<std::unique_ptr<Request>> m_requests;
};

}  // namespace sightline
