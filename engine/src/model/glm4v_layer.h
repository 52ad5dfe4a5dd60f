// The GLM-4 decoder layer, written once for prefill and decode:
//   norm → qkv → M-RoPE → attention (writes K/V, attends) → o-proj → post-attention norm + residual
//   → norm → gate|up → SiLU-mul → down → post-MLP norm + residual.
// What differs between the two paths is only where K/V go and what a query may see, so attention is
// an interface: PrefillAttention (a block of S tokens of one sequence, causal over the block and
// full over the cached prefix) and SlotBatchAttention (one token for each of B slot rows, masked to
// each row's length). The CUDA decode step passes fused=true: norms, rope and SiLU-mul then run as
// single kernels (what its CUDA graphs replay); prefill and the CPU stay on libtorch ops.
// Internal to model/ (implemented in glm4v_forward.cpp). Stateless over immutable weights; the
// caches belong to the caller.
#pragma once

#include <ATen/ATen.h>

#include <optional>

#include "kv/kv_cache.h"
#include "model/glm4v_weights.h"

namespace sightline {

// Rotary tables for the T tokens of one forward: pair-repeated, in the activation dtype.
struct LayerRope {
    at::Tensor cos, sin;  // [T, rotDim], contiguous (the fused kernel reads them raw)
    int64_t rotDim = 0;
};

class LayerAttention {
public:
    virtual ~LayerAttention() = default;
    // q [T, Hq, D] and k [T, Hkv, D] rotated, v [T, Hkv, D]: the new tokens of layer `layer`. Writes
    // their K/V into the cache and returns the attention output [T, Hq * D].
    virtual at::Tensor attend(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) = 0;
};

// S new tokens of one sequence appended at cache.length (the caller advances the length after the
// last layer). GQA inside SDPA (enable_gqa): the KV heads are not copied out to the query heads.
class PrefillAttention final : public LayerAttention {
public:
    PrefillAttention(const TextConfig& tc, KvCache& cache, int64_t S, const at::Device& device);
    at::Tensor attend(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) override;

private:
    KvCache& m_cache;
    int64_t m_start, m_S, m_Hq, m_D;
    bool m_gqa;
    double m_scale;
    std::optional<at::Tensor> m_mask;  // [S, start + S] bool: causal over the block; none for S == 1
};

// Row b (b < B) is the sequence in slot b: its token's K/V are written at its cache index and it
// attends to indices 0..index of the first `span` positions (a mask, so no shape depends on the
// lengths). Query heads h*G..h*G+G-1 share KV head h (HF repeat_kv order): G query rows per KV head,
// no KV copies for GQA.
class SlotBatchAttention final : public LayerAttention {
public:
    // index [B] int64 on the device (each row's cache index); mask: [B, 1, 1, span] bool, or none
    // when one row attends to exactly its own length.
    SlotBatchAttention(const TextConfig& tc, SlotKvCache& cache, int64_t B, int64_t span, const at::Tensor& index,
                       std::optional<at::Tensor> mask);
    at::Tensor attend(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) override;

private:
    SlotKvCache& m_cache;
    int64_t m_B, m_span, m_Hq, m_Hkv, m_D;
    double m_scale;
    at::Tensor m_writeAt;  // [B, Hkv, 1, D] int64: each row's cache index
    std::optional<at::Tensor> m_mask;
};

// residual + RMSNorm(x) (residual undefined: the norm alone); fused: one CUDA kernel.
at::Tensor glm4vNormAdd(const TextConfig& tc, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& residual, bool fused);

// One layer over the hidden states h [T, H] (compute dtype) of T new tokens → [T, H].
at::Tensor glm4vDecoderLayer(const TextLayerWeights& L, const TextConfig& tc, int64_t layer, const at::Tensor& h, const LayerRope& rope,
                             LayerAttention& attention, bool fused);

}  // namespace sightline
