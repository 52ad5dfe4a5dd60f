// GLM-4V forward passes on libtorch: vision tower + merger (glm4v_vision.cpp), and the text decoder
// (glm4v_forward.cpp, one decoder layer in glm4v_layer.h for prefill and decode) over a KV cache.
// Internal to the engine (and its tests). Functions are pure over immutable weights and may run on
// any thread; all request state lives in the caches (kv/kv_cache.h), owned by the caller.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "arch/glm4v_rope.h"
#include "kv/kv_cache.h"
#include "model/glm4v_weights.h"

namespace sightline {

// Named intermediate tensors for golden tests (filled only when a Trace is passed).
using Trace = std::map<std::string, at::Tensor>;

// pixelValues [N, C*T*P*P] float32 (any device); grids per image. Returns [N/M^2, Ov] in the
// compute dtype. Attention is restricted to each image.
at::Tensor glm4vVisionForward(const Glm4vWeights& w, const ModelConfig& c, const at::Tensor& pixelValues,
                              const std::vector<ImageGrid>& grids, Trace* trace = nullptr);

// Prefill: runs the decoder over inputsEmbeds [S, H] at positions pos [3, S] (int64, on device),
// appending to the cache at cache.length. Returns the final-norm hidden state of the last position [H] unless allPositions,
// then [S, H].
at::Tensor glm4vTextForward(const Glm4vWeights& w, const ModelConfig& c, const at::Tensor& inputsEmbeds, const at::Tensor& pos,
                            KvCache& cache, bool allPositions = false, Trace* trace = nullptr);

// Rows of the token embedding table (dequantised in INT8 mode). ids [...] int64 → [..., H].
at::Tensor glm4vTokenEmbed(const Glm4vWeights& w, const at::Tensor& ids);

// Token embeddings with image rows scattered in at image_token_id positions. ids [S] int64.
at::Tensor glm4vEmbed(const Glm4vWeights& w, const ModelConfig& c, const at::Tensor& ids, const at::Tensor& imageEmbeds);

at::Tensor glm4vLogits(const Glm4vWeights& w, const at::Tensor& hidden);  // [.., H] → [.., V] float32

// Inputs of a batched decode step, updated in place between steps (CUDA-graph capture needs fixed
// addresses). Row b: [token id, M-RoPE position (text: the same on t, h and w), cache index].
struct DecodeBatchInputs {
    at::Tensor rows;       // [maxRows, 3] int64 on the device
    at::Tensor arangeCap;  // [capacity] int64: 0..capacity-1 (constant)
    at::Tensor invFreq;    // [rotDim/2] float32 (constant)
};
DecodeBatchInputs makeDecodeBatchInputs(const ModelConfig& c, int64_t maxRows, int64_t capacity, const at::Device& device);

// One decode step for rows 0..B-1. Row b is the sequence in cache slot b: its token is written at
// its cache index and attends to indices 0..index of the first `span` positions of the slot (a
// mask, so no shape depends on the lengths). Query heads sharing a KV head are attended as one
// group (no KV copies for GQA). Returns logits [B, V] float32; per row the same numerics as
// glm4vTextForward for a single token.
at::Tensor glm4vDecodeBatch(const Glm4vWeights& w, const ModelConfig& c, const DecodeBatchInputs& in, SlotKvCache& cache, int64_t B,
                            int64_t span);

}  // namespace sightline
