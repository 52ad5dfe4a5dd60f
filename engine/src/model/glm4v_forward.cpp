// GLM-4V text decoder on libtorch: embeddings, prefill (glm4vTextForward) and the batched decode
// step (glm4vDecodeBatch), both made of the one decoder layer (glm4v_layer.h, defined first below).
// Numerics follow HF modeling_glm4v.py: RMSNorm in float32 with the weight applied after the cast
// back; text M-RoPE cos/sin cast to the activation dtype; attention softmax in float32 (SDPA).
#include "model/glm4v_forward.h"

#include <cmath>
#include <optional>

#include "kernels/fused.h"
#include "model/glm4v_layer.h"
#include "model/glm4v_ops.h"
#include "sightline/error.h"

namespace sightline {

// --- the decoder layer (glm4v_layer.h) ---------------------------------------------------------

PrefillAttention::PrefillAttention(const TextConfig& tc, KvCache& cache, int64_t S, const at::Device& device)
    : m_cache(cache),
      m_start(cache.length),
      m_S(S),
      m_Hq(tc.numHeads),
      m_D(tc.headDim),
      m_gqa(tc.numHeads != tc.numKvHeads),
      m_scale(1.0 / std::sqrt(static_cast<double>(tc.headDim))) {
    if (S > 1)  // causal over the new block, full over the cached prefix
        m_mask = at::ones({S, m_start + S}, at::TensorOptions().dtype(at::kBool).device(device)).tril(m_start);
}

at::Tensor PrefillAttention::attend(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
    const auto li = static_cast<size_t>(layer);
    const int64_t end = m_start + m_S;
    m_cache.k[li].select(0, 0).slice(1, m_start, end).copy_(k.transpose(0, 1));
    m_cache.v[li].select(0, 0).slice(1, m_start, end).copy_(v.transpose(0, 1));
    at::Tensor kAll = m_cache.k[li].slice(2, 0, end);  // [1, Hkv, start + S, D]
    at::Tensor vAll = m_cache.v[li].slice(2, 0, end);
    // Heads first, contiguous: the layout SDPA has always been given here (its CPU kernel's
    // blocking, hence its rounding, follows the strides).
    at::Tensor qb = q.transpose(0, 1).contiguous().unsqueeze(0);  // [1, Hq, S, D]
    at::Tensor attn = at::scaled_dot_product_attention(qb, kAll, vAll, m_mask, 0.0, false, m_scale, /*enable_gqa=*/m_gqa);
    return attn.squeeze(0).transpose(0, 1).reshape({m_S, m_Hq * m_D});
}

SlotBatchAttention::SlotBatchAttention(const TextConfig& tc, SlotKvCache& cache, int64_t B, int64_t span, const at::Tensor& index,
                                       std::optional<at::Tensor> mask)
    : m_cache(cache),
      m_B(B),
      m_span(span),
      m_Hq(tc.numHeads),
      m_Hkv(tc.numKvHeads),
      m_D(tc.headDim),
      m_scale(1.0 / std::sqrt(static_cast<double>(tc.headDim))),
      m_writeAt(index.view({B, 1, 1, 1}).expand({B, tc.numKvHeads, 1, tc.headDim})),
      m_mask(std::move(mask)) {}

at::Tensor SlotBatchAttention::attend(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
    const auto li = static_cast<size_t>(layer);
    at::Tensor kc = m_cache.k[li].narrow(0, 0, m_B), vc = m_cache.v[li].narrow(0, 0, m_B);  // [B, Hkv, capacity, D]
    kc.scatter_(2, m_writeAt, k.unsqueeze(2));
    vc.scatter_(2, m_writeAt, v.unsqueeze(2));
    at::Tensor attn = at::scaled_dot_product_attention(q.reshape({m_B, m_Hkv, m_Hq / m_Hkv, m_D}), kc.narrow(2, 0, m_span),
                                                       vc.narrow(2, 0, m_span), m_mask, 0.0, false, m_scale);
    return attn.reshape({m_B, m_Hq * m_D});
}

at::Tensor glm4vNormAdd(const TextConfig& tc, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& residual, bool fused) {
    if (!fused) {
        at::Tensor y = ops::rmsNorm(x, weight, tc.rmsNormEps);
        return residual.defined() ? residual + y : y;
    }
    at::Tensor xc = x.contiguous();
    at::Tensor out = at::empty_like(xc);
    at::Tensor rc = residual.defined() ? residual.contiguous() : at::Tensor();
    kernels::rmsNorm(xc.data_ptr(), weight.data_ptr(), rc.defined() ? rc.data_ptr() : nullptr, out.data_ptr(),
                     static_cast<int>(xc.numel() / xc.size(-1)), static_cast<int>(xc.size(-1)), static_cast<float>(tc.rmsNormEps),
                     ops::kernelType(xc.scalar_type()), ops::currentStream(xc));
    return out;
}

at::Tensor glm4vDecoderLayer(const TextLayerWeights& L, const TextConfig& tc, int64_t layer, const at::Tensor& h, const LayerRope& rope,
                             LayerAttention& attention, bool fused) {
    const int64_t T = h.size(0), D = tc.headDim, Hq = tc.numHeads, Hkv = tc.numKvHeads;
    at::Tensor qkv =
        ops::linearQ(glm4vNormAdd(tc, h, L.inputNorm, {}, fused), L.qkv, L.qkvScale, L.qkvBias).contiguous();  // [T, (Hq+2Hkv)*D]
    at::Tensor q, k;
    if (fused) {  // rotate the q and k heads of every row in place in the projection output
        kernels::ropeInterleaved(qkv.data_ptr(), rope.cos.data_ptr(), rope.sin.data_ptr(), static_cast<int>(T),
                                 static_cast<int>(qkv.size(1)), static_cast<int>(Hq + Hkv), static_cast<int>(D),
                                 static_cast<int>(rope.rotDim), ops::kernelType(qkv.scalar_type()), ops::currentStream(qkv));
        q = qkv.slice(-1, 0, Hq * D).view({T, Hq, D});
        k = qkv.slice(-1, Hq * D, (Hq + Hkv) * D).view({T, Hkv, D});
    } else {
        const at::Tensor cosT = rope.cos.unsqueeze(1), sinT = rope.sin.unsqueeze(1);  // [T, 1, rotDim]
        q = ops::applyTextRope(qkv.slice(-1, 0, Hq * D).view({T, Hq, D}), cosT, sinT, rope.rotDim);
        k = ops::applyTextRope(qkv.slice(-1, Hq * D, (Hq + Hkv) * D).view({T, Hkv, D}), cosT, sinT, rope.rotDim);
    }
    at::Tensor v = qkv.slice(-1, (Hq + Hkv) * D).view({T, Hkv, D});
    at::Tensor a = ops::linearQ(attention.attend(layer, q, k, v), L.o, L.oScale);  // [T, H]
    at::Tensor r = glm4vNormAdd(tc, a, L.postSelfAttnNorm, h, fused);
    at::Tensor gu = ops::linearQ(glm4vNormAdd(tc, r, L.postAttnNorm, {}, fused), L.gateUp, L.gateUpScale);  // [T, 2I]
    at::Tensor act;
    if (fused) {
        at::Tensor guc = gu.contiguous();
        act = at::empty({T, guc.size(-1) / 2}, guc.options());
        kernels::siluMul(guc.data_ptr(), act.data_ptr(), static_cast<int>(T), static_cast<int>(act.size(-1)),
                         ops::kernelType(guc.scalar_type()), ops::currentStream(guc));
    } else {
        act = ops::siluMul(gu);
    }
    return glm4vNormAdd(tc, ops::linearQ(act, L.down, L.downScale), L.postMlpNorm, r, fused);
}

// --- prefill, decode, embeddings ------------------------------------------------------------

at::Tensor glm4vTokenEmbed(const Glm4vWeights& w, const at::Tensor& ids) {
    const TextWeights& t = w.text;
    if (!t.embedScale.defined()) return at::embedding(t.embed, ids);
    std::vector<int64_t> shape = ids.sizes().vec();
    shape.push_back(t.embed.size(1));
    const at::Tensor flat = ids.reshape({-1});
    return (t.embed.index_select(0, flat).to(t.embedScale.scalar_type()) * t.embedScale.index_select(0, flat).unsqueeze(1)).view(shape);
}

at::Tensor glm4vEmbed(const Glm4vWeights& w, const ModelConfig& c, const at::Tensor& ids, const at::Tensor& imageEmbeds) {
    at::Tensor e = glm4vTokenEmbed(w, ids);
    if (imageEmbeds.defined() && imageEmbeds.size(0) > 0) {
        at::Tensor mask = ids.eq(c.imageTokenId);
        const int64_t count = mask.sum().item<int64_t>();
        if (count != imageEmbeds.size(0))
            throwBadInput("image features and image tokens do not match: " + std::to_string(count) + " tokens, " +
                          std::to_string(imageEmbeds.size(0)) + " features");
        e = e.clone();
        e.index_put_({mask}, imageEmbeds.to(e.scalar_type()));
    }
    return e;
}

at::Tensor glm4vTextForward(const Glm4vWeights& w, const ModelConfig& c, const at::Tensor& inputsEmbeds, const at::Tensor& pos,
                            KvCache& cache, bool allPositions, Trace* trace) {
    const auto& tc = c.text;
    const int64_t S = inputsEmbeds.size(0);
    const int64_t start = cache.length;
    if (start + S > cache.capacity) throw Error(ErrorKind::Internal, "KV cache capacity exceeded");
    const auto dtype = inputsEmbeds.scalar_type();
    const auto dev = inputsEmbeds.device();

    // M-RoPE cos/sin [S, rotDim]: pair j takes its angle from stream t, h or w per mrope_section,
    // then each value is repeated for the (2j, 2j+1) pair.
    LayerRope rope;
    rope.rotDim = ops::textRotaryDim(tc);
    {
        at::Tensor invFreq = ops::textInvFreq(tc, dev);
        std::vector<int64_t> streamOf;
        for (int s = 0; s < 3; ++s)
            for (int64_t k = 0; k < tc.mropeSection[s]; ++k) streamOf.push_back(s);
        at::Tensor sel = at::tensor(streamOf, at::TensorOptions().dtype(at::kLong)).to(dev);  // [rotDim/2]
        at::Tensor p = pos.to(at::kFloat).index_select(0, sel);                               // [rotDim/2, S]
        at::Tensor freqs = p.transpose(0, 1) * invFreq.unsqueeze(0);                          // [S, rotDim/2]
        rope.cos = freqs.cos().to(dtype).repeat_interleave(2, -1);                            // [S, rotDim]
        rope.sin = freqs.sin().to(dtype).repeat_interleave(2, -1);
    }
    PrefillAttention attention(tc, cache, S, dev);
    at::Tensor h = inputsEmbeds;  // [S, H]
    for (int64_t li = 0; li < tc.numLayers; ++li) {
        h = glm4vDecoderLayer(w.text.layers[static_cast<size_t>(li)], tc, li, h, rope, attention, /*fused=*/false);
        if (trace && li == 0) (*trace)["hidden_layer0"] = h;
    }
    cache.length = start + S;
    if (!allPositions) h = h.select(0, S - 1);
    at::Tensor out = ops::rmsNorm(h, w.text.norm, tc.rmsNormEps);
    if (trace) (*trace)["final_norm"] = out;
    return out;
}

at::Tensor glm4vLogits(const Glm4vWeights& w, const at::Tensor& hidden) {
    return ops::linearQ(hidden, w.text.lmHead, w.text.lmHeadScale).to(at::kFloat);
}

DecodeBatchInputs makeDecodeBatchInputs(const ModelConfig& c, int64_t maxRows, int64_t capacity, const at::Device& device) {
    const auto i64 = at::TensorOptions().dtype(at::kLong).device(device);
    DecodeBatchInputs in;
    in.rows = at::zeros({maxRows, 3}, i64);
    in.arangeCap = at::arange(capacity, i64);
    in.invFreq = ops::textInvFreq(c.text, device);
    return in;
}

at::Tensor glm4vDecodeBatch(const Glm4vWeights& w, const ModelConfig& c, const DecodeBatchInputs& in, SlotKvCache& cache, int64_t B,
                            int64_t span) {
    const auto& tc = c.text;
    if (B < 1 || B > cache.slots || B > in.rows.size(0) || span < 1 || span > cache.capacity)
        throw Error(ErrorKind::Internal, "decode batch shape out of range");
    const at::Tensor rows = in.rows.narrow(0, 0, B);
    const at::Tensor index = rows.select(1, 2);
    at::Tensor h = glm4vTokenEmbed(w, rows.select(1, 0));  // [B, H]
    const auto dtype = h.scalar_type();
    // Decoded tokens are text: the three M-RoPE streams carry the same position.
    LayerRope rope;
    rope.rotDim = ops::textRotaryDim(tc);
    at::Tensor freqs = rows.select(1, 1).to(at::kFloat).unsqueeze(1) * in.invFreq.unsqueeze(0);  // [B, rot/2]
    rope.cos = freqs.cos().to(dtype).repeat_interleave(2, -1).contiguous();                      // [B, rot]
    rope.sin = freqs.sin().to(dtype).repeat_interleave(2, -1).contiguous();
    // One row attending to exactly its own length (the eager single-request case) needs no mask.
    const bool unmasked = B == 1 && !h.is_cuda() && span == in.rows[0][2].item<int64_t>() + 1;
    std::optional<at::Tensor> mask;
    if (!unmasked) mask = in.arangeCap.narrow(0, 0, span).unsqueeze(0).le(index.unsqueeze(1)).view({B, 1, 1, span});
    SlotBatchAttention attention(tc, cache, B, span, index, std::move(mask));
    // On CUDA the norms, rope and SiLU-mul are single fused kernels (what the graph replays).
    const bool fused = h.is_cuda() && ops::fusedKernelsEnabled();
    for (int64_t li = 0; li < tc.numLayers; ++li)
        h = glm4vDecoderLayer(w.text.layers[static_cast<size_t>(li)], tc, li, h, rope, attention, fused);
    return glm4vLogits(w, glm4vNormAdd(tc, h, w.text.norm, {}, fused));
}

}  // namespace sightline
