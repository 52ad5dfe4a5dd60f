// One request's whole life, from Scheduler::submit to its future: the prepared prompt, the
// sampling state (Sequence), its place in the KV cache, and the promise its caller waits on.
//
// Ownership: a Request is held by exactly one owner at a time, always through a unique_ptr: the
// submitting thread while it is prepared, then the scheduler's queue (under the scheduler mutex),
// then a Lane (scheduler thread only) while it decodes, then the scheduler again, which fulfils the
// promise (result or exception) and drops it. The callback and the cancel flag belong to the
// Sequence; the pixels are dropped once they are in the KV cache.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <vector>

#include "arch/glm4v_rope.h"
#include "kv/kv_cache.h"
#include "sampling/sequence.h"
#include "sightline/engine.h"
#include "sightline/scheduler.h"

namespace sightline {

// The prompt part of a request, host only.
struct PreparedRequest {
    std::vector<int64_t> ids;               // prompt after image-token expansion
    std::vector<PreprocessedImage> images;  // pixel values, cleared once they are in the KV cache
    std::vector<ImageGrid> grids;           // one per image
    RopePositions rope;                     // M-RoPE positions [3][ids.size()] and the delta for generated tokens
    int64_t maxNew = 0;                     // max_new_tokens clamped to the context
};

// Template, tokens, image preprocessing and positions. Throws Error(BadInput).
PreparedRequest prepareRequest(const Model& model, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                               const std::atomic<bool>* cancel = nullptr);

struct Request {
    int64_t id = 0;  // the scheduler's, in submit order
    RequestSource source = RequestSource::Chat;
    PreparedRequest prompt;
    std::unique_ptr<Sequence> seq;  // tokens, stats, callback, cancellation
    std::promise<GenerateResult> promise;
    bool useImageCache = true;
    bool usePrefixCache = true;
    bool ownLane = false;  // needs more KV positions than a batch slot has (set by the scheduler)
    std::string caller;    // GenerationParams::caller, handed back in the result

    // KV position state, written by the Lane that holds the request.
    int64_t length = 0;                          // positions filled in its slot
    int64_t ropeDelta = 0;                       // position = index + ropeDelta for generated tokens
    std::vector<PrefixKey::ImageRun> imageRuns;  // where the prompt's images are (prefix reuse)

    // Prepares the prompt and the Sequence on the calling thread. Throws Error(BadInput); the
    // caller then fails the promise. start: when the request began (TTFT and totals count from it).
    void prepare(const Model& model, const std::vector<ChatMessage>& messages, const GenerationParams& params, TokenCallback onToken,
                 const std::atomic<bool>* cancel, Sequence::Clock::time_point start);
    int64_t cacheNeed() const;  // KV positions the request can use: prompt + max(maxNew, 1)
    // A request that never reached a lane ends as cancelled, with nothing generated.
    void cancelUnadmitted();
};

}  // namespace sightline
