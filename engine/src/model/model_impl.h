// Model's private state (internal; tests use it to reach the weights and the device).
#pragma once

#include <ATen/ATen.h>

#include <list>
#include <mutex>

#include "model/glm4v_weights.h"
#include "text/batch_decoder.h"
#include "sightline/engine.h"

namespace sightline {

struct Model::Impl {
    ModelConfig config;
    std::shared_ptr<const Tokenizer> tokenizer;
    Glm4vWeights weights;  // immutable after load
    at::Device device{at::kCPU};
    at::TensorOptions options;  // compute dtype + device
    DType dtype = DType::Float32;

    mutable DecoderPool decoders;  // 1-slot decoders for generate(), by cache capacity

    // Image embeddings by content (pixel values + grid), so a follow-up question about the same
    // image skips the vision encoder. Least recently used first out. Guarded by imageCacheMutex.

    static constexpr size_t kImageCacheEntries = 16;
    mutable std::mutex imageCacheMutex;
    mutable std::list<std::pair<uint64_t, at::Tensor>> imageCache;  // [tokens, Ov] on device
    at::Tensor cachedImage(uint64_t key) const;
    void storeImage(uint64_t key, const at::Tensor& embeds) const;
};

// 64-bit content hash of a preprocessed image (multiply-xorshift over 8-byte words).
uint64_t imageKey(const PreprocessedImage& image);

}  // namespace sightline
