// Numerics follow HF modeling_glm4v.py: RMSNorm in float32 with the weight applied after the cast
// back; vision rotary in float32; text M-RoPE cos/sin cast to the activation dtype; attention
// softmax in float32 (SDPA).
#include "model/glm4v_forward.h"

#include <c10/cuda/CUDAStream.h>

#include <algorithm>

#include "kernels/fused.h"
#include "kernels/int8_gemv.h"

#include "sightline/error.h"

namespace sightline {
namespace {

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    const auto dtype = x.scalar_type();
    at::Tensor xf = x.to(at::kFloat);
    xf = xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps);
    return weight * xf.to(dtype);
}

at::Tensor denseLinear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b = {}) {
    return b.defined() ? at::linear(x, w, b) : at::linear(x, w);
}

kernels::Float kernelType(at::ScalarType st) {
    return st == at::kBFloat16 ? kernels::Float::BF16 : st == at::kHalf ? kernels::Float::F16 : kernels::Float::F32;
}

void* currentStream(const at::Tensor& x) { return c10::cuda::getCurrentCUDAStream(x.device().index()).stream(); }

// SIGHTLINE_FUSED=0 turns the fused decode kernels off (A/B measurements, bisecting).
bool fusedKernelsEnabled() {
    static const bool on = [] {
        const char* v = std::getenv("SIGHTLINE_FUSED");
        return !(v && std::string(v) == "0") && kernels::int8KernelsAvailable();
    }();
    return on;
}

// y = x W^T (+ b), W either dense or INT8 with per-row scales (weight-only quantization).
// CUDA decode (a few rows): the engine's INT8 GEMV; CUDA prefill: dequantise the layer and use
// cuBLAS (compute-bound there); CPU: libtorch's _weight_int8pack_mm.
at::Tensor linearQ(const at::Tensor& x, const at::Tensor& w, const at::Tensor& scale, const at::Tensor& b = {}) {
    if (!scale.defined()) return denseLinear(x, w, b);
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = w.size(0);
    at::Tensor x2 = x.reshape({-1, x.size(-1)}).contiguous();
    at::Tensor y;
    if (x.is_cuda()) {
        const auto st = x.scalar_type();
        const auto type = kernelType(st);
        // Decode batches up to 4 x kMaxRows rows: the GEMV per group of kMaxRows rows (the int8
        // weights are read once per group, still less traffic than dequantising them each step).
        if (x2.size(0) <= 4 * kernels::kMaxRows && kernels::int8KernelsAvailable()) {
            y = at::empty({x2.size(0), w.size(0)}, x.options());
            for (int64_t r = 0; r < x2.size(0) && y.defined(); r += kernels::kMaxRows) {
                const int64_t n = std::min<int64_t>(kernels::kMaxRows, x2.size(0) - r);
                if (!kernels::int8Gemv(x2.narrow(0, r, n).data_ptr(), w.data_ptr<int8_t>(), scale.data_ptr(), y.narrow(0, r, n).data_ptr(),
                                       static_cast<int>(n), static_cast<int>(w.size(0)), static_cast<int>(w.size(1)), type,
                                       c10::cuda::getCurrentCUDAStream(x.device().index()).stream()))
                    y = at::Tensor();
            }
        }
        if (!y.defined()) {
            // Prefill: dequantise a block of rows at a time for cuBLAS, so the temporary is a few tens
            // of MB rather than a bf16 copy of the whole layer (the INT8 mode's peak memory).
            constexpr int64_t kRowsPerBlock = 4096;
            y = at::empty({x2.size(0), w.size(0)}, x.options());
            for (int64_t r = 0; r < w.size(0); r += kRowsPerBlock) {
                const int64_t n = std::min(kRowsPerBlock, w.size(0) - r);
                y.narrow(1, r, n).copy_(at::linear(x2, w.narrow(0, r, n).to(st) * scale.narrow(0, r, n).unsqueeze(1)));
            }
        }
    } else {
        y = at::_weight_int8pack_mm(x2, w, scale);
    }
    y = y.view(shape);
    return b.defined() ? y + b : y;
}

at::Tensor siluMul(const at::Tensor& gateUp) {
    auto parts = gateUp.chunk(2, -1);
    return at::silu(parts[0]) * parts[1];
}

// (h, w) of every patch in merge-block order (HF rot_pos_emb), for all images.
std::pair<std::vector<int64_t>, std::vector<int64_t>> patchPositions(const std::vector<ImageGrid>& grids, int64_t m) {
    std::vector<int64_t> hs, ws;
    for (const auto& g : grids)
        for (int64_t t = 0; t < g.t; ++t)
            for (int64_t bh = 0; bh < g.h / m; ++bh)
                for (int64_t bw = 0; bw < g.w / m; ++bw)
                    for (int64_t mh = 0; mh < m; ++mh)
                        for (int64_t mw = 0; mw < m; ++mw) {
                            hs.push_back(bh * m + mh);
                            ws.push_back(bw * m + mw);
                        }
    return {hs, ws};
}

// x [..., 2k] → interleaved pairs rotated: (-x1, x0, -x3, x2, ...)
at::Tensor rotateHalfInterleaved(const at::Tensor& x) {
    auto x1 = x.slice(-1, 0, x.size(-1), 2);
    auto x2 = x.slice(-1, 1, x.size(-1), 2);
    return at::stack({-x2, x1}, -1).flatten(-2);
}

// Text M-RoPE: the first rotDim values of each head rotate (interleaved pairs), the rest pass.
int64_t textRotaryDim(const TextConfig& tc) { return static_cast<int64_t>(static_cast<double>(tc.headDim) * tc.partialRotaryFactor); }

// Inverse frequencies [rotDim/2] float32, computed on the CPU (as HF's buffer is) and moved.
at::Tensor textInvFreq(const TextConfig& tc, const at::Device& device) {
    const int64_t rotDim = textRotaryDim(tc);
    return (1.0 / at::pow(tc.ropeTheta, at::arange(0, rotDim, 2, at::TensorOptions().dtype(at::kFloat)) / static_cast<double>(rotDim)))
        .to(device);
}

// t [..., D]; cos/sin broadcastable to t's first rotDim values (pair-repeated).
at::Tensor applyTextRope(const at::Tensor& t, const at::Tensor& cosT, const at::Tensor& sinT, int64_t rotDim) {
    at::Tensor rot = t.slice(-1, 0, rotDim), pass = t.slice(-1, rotDim);
    return at::cat({rot * cosT + rotateHalfInterleaved(rot) * sinT, pass}, -1);
}

at::Tensor rotateHalf(const at::Tensor& x) {
    const int64_t half = x.size(-1) / 2;
    return at::cat({-x.slice(-1, half), x.slice(-1, 0, half)}, -1);
}

}  // namespace

at::Tensor glm4vVisionForward(const Glm4vWeights& w, const ModelConfig& c, const at::Tensor& pixelValues,
                              const std::vector<ImageGrid>& grids, Trace* trace) {
    const auto& vc = c.vision;
    const VisionWeights& vw = w.vision;
    const auto dev = vw.patchEmbed.device();
    const auto dtype = vw.patchEmbed.scalar_type();
    const int64_t m = vc.spatialMergeSize;
    const int64_t n = pixelValues.size(0);
    int64_t expected = 0;
    for (const auto& g : grids) expected += g.t * g.h * g.w;
    if (expected != n || pixelValues.size(1) != vw.patchEmbed.size(1))
        throwBadInput("pixel values do not match the image grids");

    at::Tensor x = denseLinear(pixelValues.to(dev, dtype), vw.patchEmbed, vw.patchEmbedBias);  // [N, Hv]
    x = rmsNorm(x, vw.postConvNorm, vc.rmsNormEps);
    if (trace) (*trace)["vis_patch_embed"] = x;

    const auto [hsVec, wsVec] = patchPositions(grids, m);
    const auto i64 = at::TensorOptions().dtype(at::kLong);
    at::Tensor hPos = at::tensor(hsVec, i64).to(dev);
    at::Tensor wPos = at::tensor(wsVec, i64).to(dev);
    if (trace) (*trace)["vis_pos_ids"] = at::stack({hPos, wPos}, 1);

    // Learned position table resampled per image: bicubic grid_sample (border, align_corners=False)
    // in float32, as HF does.
    {
        const int64_t side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(vw.positionEmbedding.size(0)))));
        at::Tensor table = vw.positionEmbedding.view({side, side, -1}).permute({2, 0, 1}).unsqueeze(0).to(at::kFloat);
        std::vector<float> th, tw;
        for (const auto& g : grids)
            for (int64_t k = 0; k < g.t * g.h * g.w; ++k) {
                th.push_back(static_cast<float>(g.h));
                tw.push_back(static_cast<float>(g.w));
            }
        const auto f32 = at::TensorOptions().dtype(at::kFloat);
        at::Tensor targetH = at::tensor(th, f32).to(dev), targetW = at::tensor(tw, f32).to(dev);
        at::Tensor nx = ((wPos.to(at::kFloat) + 0.5) / targetW) * 2 - 1;
        at::Tensor ny = ((hPos.to(at::kFloat) + 0.5) / targetH) * 2 - 1;
        at::Tensor grid = at::stack({nx, ny}, -1).unsqueeze(0).unsqueeze(2);  // [1, N, 1, 2]
        at::Tensor sampled = at::grid_sampler(table, grid, /*bicubic*/ 2, /*border*/ 1, /*align_corners=*/false);
        x = x + sampled.squeeze(0).squeeze(-1).permute({1, 0}).to(dtype);
    }
    if (trace) (*trace)["vis_embeddings"] = x;

    // 2D rotary (NeoX halves) over head_dim: [h freqs | w freqs] twice; float32.
    const int64_t D = vc.headDim, heads = vc.numHeads;
    at::Tensor cosT, sinT;
    {
        const int64_t rdim = D / 2;
        at::Tensor invFreq =
            1.0 / at::pow(vc.ropeTheta, at::arange(0, rdim, 2, at::TensorOptions().dtype(at::kFloat)) / static_cast<double>(rdim));
        invFreq = invFreq.to(dev);
        at::Tensor fh = hPos.to(at::kFloat).unsqueeze(1) * invFreq.unsqueeze(0);
        at::Tensor fw = wPos.to(at::kFloat).unsqueeze(1) * invFreq.unsqueeze(0);
        at::Tensor emb = at::cat({fh, fw, fh, fw}, -1);  // [N, D]
        cosT = emb.cos().unsqueeze(1);                   // [N, 1, D]
        sinT = emb.sin().unsqueeze(1);
    }
    std::vector<int64_t> seqLens;
    for (const auto& g : grids)
        for (int64_t t = 0; t < g.t; ++t) seqLens.push_back(g.h * g.w);
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));

    for (size_t bi = 0; bi < vw.blocks.size(); ++bi) {
        const VisionBlockWeights& b = vw.blocks[bi];
        at::Tensor h = rmsNorm(x, b.norm1, vc.rmsNormEps);
        at::Tensor qkv = denseLinear(h, b.qkv, b.qkvBias).view({n, 3, heads, D});
        at::Tensor q = qkv.select(1, 0), k = qkv.select(1, 1), v = qkv.select(1, 2);  // [N, heads, D]
        at::Tensor qf = q.to(at::kFloat), kf = k.to(at::kFloat);
        q = (qf * cosT + rotateHalf(qf) * sinT).to(dtype);
        k = (kf * cosT + rotateHalf(kf) * sinT).to(dtype);
        at::Tensor out = at::empty({n, heads, D}, x.options());
        int64_t start = 0;
        for (int64_t len : seqLens) {  // per-image attention: no dense mask, memory O(len^2) per image only
            auto qi = q.slice(0, start, start + len).transpose(0, 1).unsqueeze(0);
            auto ki = k.slice(0, start, start + len).transpose(0, 1).unsqueeze(0);
            auto vi = v.slice(0, start, start + len).transpose(0, 1).unsqueeze(0);
            at::Tensor o = at::scaled_dot_product_attention(qi, ki, vi, {}, 0.0, false, scale);
            out.slice(0, start, start + len).copy_(o.squeeze(0).transpose(0, 1));
            start += len;
        }
        x = x + denseLinear(out.view({n, heads * D}), b.proj);
        h = rmsNorm(x, b.norm2, vc.rmsNormEps);
        x = x + denseLinear(siluMul(denseLinear(h, b.gateUp)), b.down);
        if (trace && bi == 0) (*trace)["vis_block0"] = x;
    }
    x = rmsNorm(x, vw.postNorm, vc.rmsNormEps);
    if (trace) (*trace)["vis_post_layernorm"] = x;

    // 2x2 downsample conv as a linear over each merge block laid out [C][mh][mw].
    at::Tensor blocks = x.view({-1, m, m, vc.hiddenSize}).permute({0, 3, 1, 2}).reshape({-1, vc.hiddenSize * m * m});
    at::Tensor y = denseLinear(blocks, vw.downsample, vw.downsampleBias);  // [N/4, Ov]
    if (trace) (*trace)["vis_downsample"] = y;

    y = denseLinear(y, vw.mergerProj);
    y = at::gelu(at::layer_norm(y, {vc.outHiddenSize}, vw.mergerNormW, vw.mergerNormB, 1e-5));
    y = denseLinear(siluMul(denseLinear(y, vw.mergerGateUp)), vw.mergerDown);
    if (trace) (*trace)["image_embeds"] = y;
    return y;
}

KvCache makeKvCache(const ModelConfig& c, int64_t capacity, const at::TensorOptions& options, bool zeroed) {
    KvCache kv;
    kv.capacity = capacity;
    const std::vector<int64_t> shape = {1, c.text.numKvHeads, capacity, c.text.headDim};
    for (int64_t i = 0; i < c.text.numLayers; ++i) {
        kv.k.push_back(zeroed ? at::zeros(shape, options) : at::empty(shape, options));
        kv.v.push_back(zeroed ? at::zeros(shape, options) : at::empty(shape, options));
    }
    return kv;
}

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
    const int64_t D = tc.headDim, Hq = tc.numHeads, Hkv = tc.numKvHeads;
    const int64_t start = cache.length;
    if (start + S > cache.capacity) throw Error(ErrorKind::Internal, "KV cache capacity exceeded");
    const auto dtype = inputsEmbeds.scalar_type();
    const auto dev = inputsEmbeds.device();

    // M-RoPE cos/sin [S, rotDim]: pair j takes its angle from stream t, h or w per mrope_section,
    // then each value is repeated for the (2j, 2j+1) pair.
    const int64_t rotDim = textRotaryDim(tc);
    at::Tensor cosT, sinT;
    {
        at::Tensor invFreq = textInvFreq(tc, dev);
        std::vector<int64_t> streamOf;
        for (int s = 0; s < 3; ++s)
            for (int64_t k = 0; k < tc.mropeSection[s]; ++k) streamOf.push_back(s);
        at::Tensor sel = at::tensor(streamOf, at::TensorOptions().dtype(at::kLong)).to(dev);  // [rotDim/2]
        at::Tensor p = pos.to(at::kFloat).index_select(0, sel);                                  // [rotDim/2, S]
        at::Tensor freqs = p.transpose(0, 1) * invFreq.unsqueeze(0);                             // [S, rotDim/2]
        cosT = freqs.cos().to(dtype).repeat_interleave(2, -1).unsqueeze(0);                      // [1, S, rotDim]
        sinT = freqs.sin().to(dtype).repeat_interleave(2, -1).unsqueeze(0);
    }
    auto rope = [&](const at::Tensor& t) { return applyTextRope(t, cosT, sinT, rotDim); };  // t [heads, S, D]

    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    at::Tensor h = inputsEmbeds;
    for (int64_t li = 0; li < tc.numLayers; ++li) {
        const TextLayerWeights& L = w.text.layers[static_cast<size_t>(li)];
        at::Tensor r = h;
        at::Tensor x = rmsNorm(h, L.inputNorm, tc.rmsNormEps);
        at::Tensor qkv = linearQ(x, L.qkv, L.qkvScale, L.qkvBias);  // [S, (Hq+2Hkv)*D]
        at::Tensor q = qkv.slice(-1, 0, Hq * D).view({S, Hq, D}).transpose(0, 1);
        at::Tensor k = qkv.slice(-1, Hq * D, (Hq + Hkv) * D).view({S, Hkv, D}).transpose(0, 1);
        at::Tensor v = qkv.slice(-1, (Hq + Hkv) * D).view({S, Hkv, D}).transpose(0, 1);
        q = rope(q);
        k = rope(k);
        cache.k[li].select(0, 0).slice(1, start, start + S).copy_(k);
        cache.v[li].select(0, 0).slice(1, start, start + S).copy_(v);
        at::Tensor kAll = cache.k[li].slice(2, 0, start + S);
        at::Tensor vAll = cache.v[li].slice(2, 0, start + S);
        at::Tensor qb = q.unsqueeze(0);  // [1, Hq, S, D]
        at::Tensor mask;
        if (S > 1) {  // causal over the new block, full over the cached prefix
            mask = at::ones({S, start + S}, at::TensorOptions().dtype(at::kBool).device(dev)).tril(start);
        }
        // GQA inside SDPA (enable_gqa): the KV heads are not copied out to the query heads.
        at::Tensor attn = at::scaled_dot_product_attention(qb, kAll, vAll, mask.defined() ? std::optional<at::Tensor>(mask) : std::nullopt,
                                                           0.0, false, scale, /*enable_gqa=*/Hq != Hkv);
        at::Tensor a = linearQ(attn.squeeze(0).transpose(0, 1).reshape({S, Hq * D}), L.o, L.oScale);
        h = r + rmsNorm(a, L.postSelfAttnNorm, tc.rmsNormEps);
        r = h;
        x = rmsNorm(h, L.postAttnNorm, tc.rmsNormEps);
        x = linearQ(siluMul(linearQ(x, L.gateUp, L.gateUpScale)), L.down, L.downScale);
        h = r + rmsNorm(x, L.postMlpNorm, tc.rmsNormEps);
        if (trace && li == 0) (*trace)["hidden_layer0"] = h;
    }
    cache.length = start + S;
    if (!allPositions) h = h.select(0, S - 1);
    at::Tensor out = rmsNorm(h, w.text.norm, tc.rmsNormEps);
    if (trace) (*trace)["final_norm"] = out;
    return out;
}

at::Tensor glm4vLogits(const Glm4vWeights& w, const at::Tensor& hidden) {
    return linearQ(hidden, w.text.lmHead, w.text.lmHeadScale).to(at::kFloat);
}

SlotKvCache makeSlotKvCache(const ModelConfig& c, int64_t slots, int64_t capacity, const at::TensorOptions& options) {
    SlotKvCache kv;
    kv.slots = slots;
    kv.capacity = capacity;
    const std::vector<int64_t> shape = {slots, c.text.numKvHeads, capacity, c.text.headDim};
    for (int64_t i = 0; i < c.text.numLayers; ++i) {
        kv.k.push_back(at::zeros(shape, options));
        kv.v.push_back(at::zeros(shape, options));
    }
    return kv;
}

KvCache slotView(const SlotKvCache& cache, int64_t slot) {
    KvCache kv;
    kv.capacity = cache.capacity;
    for (size_t i = 0; i < cache.k.size(); ++i) {
        kv.k.push_back(cache.k[i].narrow(0, slot, 1));
        kv.v.push_back(cache.v[i].narrow(0, slot, 1));
    }
    return kv;
}

DecodeBatchInputs makeDecodeBatchInputs(const ModelConfig& c, int64_t maxRows, int64_t capacity, const at::Device& device) {
    const auto i64 = at::TensorOptions().dtype(at::kLong).device(device);
    DecodeBatchInputs in;
    in.rows = at::zeros({maxRows, 3}, i64);
    in.arangeCap = at::arange(capacity, i64);
    in.invFreq = textInvFreq(c.text, device);
    return in;
}

at::Tensor glm4vDecodeBatch(const Glm4vWeights& w, const ModelConfig& c, const DecodeBatchInputs& in, SlotKvCache& cache, int64_t B,
                            int64_t span) {
    const auto& tc = c.text;
    const int64_t D = tc.headDim, Hq = tc.numHeads, Hkv = tc.numKvHeads, G = Hq / Hkv;
    const int64_t rotDim = textRotaryDim(tc);
    if (B < 1 || B > cache.slots || B > in.rows.size(0) || span < 1 || span > cache.capacity)
        throw Error(ErrorKind::Internal, "decode batch shape out of range");
    const at::Tensor rows = in.rows.narrow(0, 0, B);
    const at::Tensor index = rows.select(1, 2);
    at::Tensor h = glm4vTokenEmbed(w, rows.select(1, 0));  // [B, H]
    const auto dtype = h.scalar_type();
    // Decoded tokens are text: the three M-RoPE streams carry the same position.
    at::Tensor freqs = rows.select(1, 1).to(at::kFloat).unsqueeze(1) * in.invFreq.unsqueeze(0);  // [B, rot/2]
    at::Tensor cosT = freqs.cos().to(dtype).repeat_interleave(2, -1).contiguous();               // [B, rot]
    at::Tensor sinT = freqs.sin().to(dtype).repeat_interleave(2, -1).contiguous();
    auto rope = [&](const at::Tensor& t) { return applyTextRope(t, cosT.unsqueeze(1), sinT.unsqueeze(1), rotDim); };  // t [B, heads, D]
    // One row attending to exactly its own length (the eager single-request case) needs no mask.
    const bool unmasked = B == 1 && !h.is_cuda() && span == in.rows[0][2].item<int64_t>() + 1;
    std::optional<at::Tensor> mask;
    if (!unmasked) mask = in.arangeCap.narrow(0, 0, span).unsqueeze(0).le(index.unsqueeze(1)).view({B, 1, 1, span});
    at::Tensor writeAt = index.view({B, 1, 1, 1}).expand({B, Hkv, 1, D});
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    // On CUDA the norms, rope and SiLU-mul are single fused kernels (what the graph replays).
    const bool fused = h.is_cuda() && fusedKernelsEnabled();
    const auto type = kernelType(dtype);
    auto norm = [&](const at::Tensor& x, const at::Tensor& weight, const at::Tensor& residual) {
        if (!fused) {
            at::Tensor y = rmsNorm(x, weight, tc.rmsNormEps);
            return residual.defined() ? residual + y : y;
        }
        at::Tensor xc = x.contiguous();
        at::Tensor out = at::empty_like(xc);
        at::Tensor rc = residual.defined() ? residual.contiguous() : at::Tensor();
        kernels::rmsNorm(xc.data_ptr(), weight.data_ptr(), rc.defined() ? rc.data_ptr() : nullptr, out.data_ptr(),
                         static_cast<int>(xc.numel() / xc.size(-1)), static_cast<int>(xc.size(-1)), static_cast<float>(tc.rmsNormEps), type,
                         currentStream(xc));
        return out;
    };
    for (int64_t li = 0; li < tc.numLayers; ++li) {
        const TextLayerWeights& L = w.text.layers[static_cast<size_t>(li)];
        at::Tensor r = h;
        at::Tensor qkv = linearQ(norm(h, L.inputNorm, {}), L.qkv, L.qkvScale, L.qkvBias).contiguous();  // [B, (Hq+2Hkv)*D]
        at::Tensor q, k;
        if (fused) {  // rotate the q and k heads of every row in place in the projection output
            kernels::ropeInterleaved(qkv.data_ptr(), cosT.data_ptr(), sinT.data_ptr(), static_cast<int>(B), static_cast<int>(qkv.size(1)),
                                     static_cast<int>(Hq + Hkv), static_cast<int>(D), static_cast<int>(rotDim), type, currentStream(qkv));
            q = qkv.slice(-1, 0, Hq * D).view({B, Hq, D});
            k = qkv.slice(-1, Hq * D, (Hq + Hkv) * D).view({B, Hkv, D});
        } else {
            q = rope(qkv.slice(-1, 0, Hq * D).view({B, Hq, D}));
            k = rope(qkv.slice(-1, Hq * D, (Hq + Hkv) * D).view({B, Hkv, D}));
        }
        at::Tensor v = qkv.slice(-1, (Hq + Hkv) * D).view({B, Hkv, D});
        at::Tensor kc = cache.k[li].narrow(0, 0, B), vc = cache.v[li].narrow(0, 0, B);
        kc.scatter_(2, writeAt, k.unsqueeze(2));
        vc.scatter_(2, writeAt, v.unsqueeze(2));
        // Query heads h*G..h*G+G-1 share KV head h (HF repeat_kv order): G query rows per KV head.
        at::Tensor attn = at::scaled_dot_product_attention(q.reshape({B, Hkv, G, D}), kc.narrow(2, 0, span), vc.narrow(2, 0, span), mask, 0.0,
                                                           false, scale);
        at::Tensor a = linearQ(attn.reshape({B, Hq * D}), L.o, L.oScale);
        h = norm(a, L.postSelfAttnNorm, r);
        r = h;
        at::Tensor gu = linearQ(norm(h, L.postAttnNorm, {}), L.gateUp, L.gateUpScale);
        at::Tensor act;
        if (fused) {
            at::Tensor guc = gu.contiguous();
            act = at::empty({B, guc.size(-1) / 2}, guc.options());
            kernels::siluMul(guc.data_ptr(), act.data_ptr(), static_cast<int>(B), static_cast<int>(act.size(-1)), type, currentStream(guc));
        } else {
            act = siluMul(gu);
        }
        h = norm(linearQ(act, L.down, L.downScale), L.postMlpNorm, r);
    }
    return glm4vLogits(w, norm(h, w.text.norm, {}));
}

}  // namespace sightline
