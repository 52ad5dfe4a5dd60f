// GLM-4V forward passes on libtorch: vision tower + merger, and the text decoder with a KV cache.
// Internal to the engine (and its tests). Functions are pure over immutable weights; all request
// state lives in KvCache, owned by the caller.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "arch/glm4v_rope.h"
#include "model/glm4v_weights.h"

namespace sightline {

// Named intermediate tensors for golden tests (filled only when a Trace is passed).
using Trace = std::map<std::string, at::Tensor>;

// pixelValues [N, C*T*P*P] float32 (any device); grids per image. Returns [N/M^2, Ov] in the
// compute dtype. Attention is restricted to each image.
at::Tensor glm4vVisionForward(const Glm4vWeights& w, const ModelConfig& c, const at::Tensor& pixelValues,
                              const std::vector<ImageGrid>& grids, Trace* trace = nullptr);

struct KvCache {
    std::vector<at::Tensor> k, v;  // per layer [1, Hkv, capacity, D]
    int64_t length = 0;            // positions filled
    int64_t capacity = 0;
};

// zeroed: slots past the length are read under a mask (static-shape decode), so they must hold no NaNs.
KvCache makeKvCache(const ModelConfig& c, int64_t capacity, const at::TensorOptions& options, bool zeroed = false);

// Runs the decoder over inputsEmbeds [S, H] at positions pos [3, S] (int64, on device), appending
// to the cache. Returns the final-norm hidden state of the last position [H] unless allPositions,
// then [S, H].
at::Tensor glm4vTextForward(const Glm4vWeights& w, const ModelConfig& c, const at::Tensor& inputsEmbeds, const at::Tensor& pos,
                            KvCache& cache, bool allPositions = false, Trace* trace = nullptr);

// Token embeddings with image rows scattered in at image_token_id positions. ids [S] int64.
at::Tensor glm4vEmbed(const Glm4vWeights& w, const ModelConfig& c, const at::Tensor& ids, const at::Tensor& imageEmbeds);

at::Tensor glm4vLogits(const Glm4vWeights& w, const at::Tensor& hidden);  // [.., H] → [.., V] float32

// Inputs of a decode step with static shapes (for CUDA graph capture): every tensor lives on the
// model's device and is updated in place between steps.
struct StaticDecodeInputs {
    at::Tensor tokenId;    // [1] int64
    at::Tensor pos;        // [3, 1] int64: M-RoPE position (p + rope_delta on all streams)
    at::Tensor writeIdx;   // [1] int64: cache slot of this token
    at::Tensor arangeCap;  // [capacity] int64: 0..capacity-1 (constant)
    at::Tensor invFreq;    // [rotDim/2] float32 (constant)
    at::Tensor streamSel;  // [rotDim/2] int64: M-RoPE stream of each frequency (constant)
};
StaticDecodeInputs makeStaticDecodeInputs(const ModelConfig& c, int64_t capacity, const at::Device& device);

// One decode step over the whole cache capacity with a mask (no shape depends on the length),
// attention reading a zero-initialised cache. Returns logits [V] float32. Same numerics as
// glm4vTextForward for a single token.
at::Tensor glm4vDecodeStatic(const Glm4vWeights& w, const ModelConfig& c, const StaticDecodeInputs& in, KvCache& cache);

}  // namespace sightline
