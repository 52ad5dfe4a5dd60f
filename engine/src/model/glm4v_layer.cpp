#include "model/glm4v_layer.h"

#include <cmath>

#include "kernels/fused.h"
#include "model/glm4v_ops.h"

namespace sightline {

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
    at::Tensor qkv = ops::linearQ(glm4vNormAdd(tc, h, L.inputNorm, {}, fused), L.qkv, L.qkvScale, L.qkvBias).contiguous();  // [T, (Hq+2Hkv)*D]
    at::Tensor q, k;
    if (fused) {  // rotate the q and k heads of every row in place in the projection output
        kernels::ropeInterleaved(qkv.data_ptr(), rope.cos.data_ptr(), rope.sin.data_ptr(), static_cast<int>(T), static_cast<int>(qkv.size(1)),
                                 static_cast<int>(Hq + Hkv), static_cast<int>(D), static_cast<int>(rope.rotDim),
                                 ops::kernelType(qkv.scalar_type()), ops::currentStream(qkv));
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
        kernels::siluMul(guc.data_ptr(), act.data_ptr(), static_cast<int>(T), static_cast<int>(act.size(-1)), ops::kernelType(guc.scalar_type()),
                         ops::currentStream(guc));
    } else {
        act = ops::siluMul(gu);
    }
    return glm4vNormAdd(tc, ops::linearQ(act, L.down, L.downScale), L.postMlpNorm, r, fused);
}

}  // namespace sightline
