// Image embeddings by content (pixel values + grid), so a follow-up question about the same image
// skips the vision encoder. Least recently used first out.
//
// Owner: the Scheduler's KvManager (beside the KV caches: both are per-scheduler request state,
// never the Model's). Scheduler thread only; no locking.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <list>
#include <utility>

#include "sightline/image.h"

namespace sightline {

// 64-bit content hash of a preprocessed image (multiply-xorshift over 8-byte words).
uint64_t imageKey(const PreprocessedImage& image);

class ImageCache {
public:
    static constexpr size_t kEntries = 16;
    at::Tensor find(uint64_t key);  // undefined when absent; a hit becomes the most recent
    void store(uint64_t key, const at::Tensor& embeds);

private:
    std::list<std::pair<uint64_t, at::Tensor>> m_entries;  // most recent first; [tokens, Ov] on the device
};

}  // namespace sightline
