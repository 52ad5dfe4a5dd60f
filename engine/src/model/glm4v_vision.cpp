// GLM-4V vision tower + patch merger on libtorch. Numerics follow HF modeling_glm4v.py: RMSNorm
// in float32 with the weight applied after the cast back; vision rotary in float32; attention
// softmax in float32 (SDPA), restricted to each image.
#include <algorithm>
#include <cmath>

#include "model/glm4v_forward.h"
#include "model/glm4v_ops.h"
#include "sightline/error.h"

namespace sightline {
namespace {

using ops::denseLinear;
using ops::rmsNorm;
using ops::siluMul;

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
    if (expected != n || pixelValues.size(1) != vw.patchEmbed.size(1)) throwBadInput("pixel values do not match the image grids");

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

}  // namespace sightline
