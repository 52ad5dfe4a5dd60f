#include "model/glm4v_weights.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "model/safetensors.h"
#include "sightline/error.h"

namespace sightline {
namespace {

std::string shapeString(const std::vector<int64_t>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

at::ScalarType scalarType(StorageDType t, const std::string& name) {
    switch (t) {
        case StorageDType::F32:
            return at::kFloat;
        case StorageDType::F16:
            return at::kHalf;
        case StorageDType::BF16:
            return at::kBFloat16;
        case StorageDType::F64:
            return at::kDouble;
        default:
            throwBadInput("tensor \"" + name + "\" has dtype " + storageDTypeName(t) + ", expected a floating type");
    }
}

void checkCancel(const LoadOptions& o) {
    if (o.cancel && o.cancel->load()) throw Error(ErrorKind::Cancelled, "model loading was cancelled");
}

}  // namespace

std::vector<std::pair<std::string, std::vector<int64_t>>> expectedGlm4vTensors(const ModelConfig& c) {
    const auto& t = c.text;
    const auto& v = c.vision;
    std::vector<std::pair<std::string, std::vector<int64_t>>> out;
    const int64_t D = t.headDim, H = t.hiddenSize;
    out.push_back({"lm_head.weight", {t.vocabSize, H}});
    out.push_back({"model.language_model.embed_tokens.weight", {t.vocabSize, H}});
    out.push_back({"model.language_model.norm.weight", {H}});
    for (int64_t i = 0; i < t.numLayers; ++i) {
        const std::string p = "model.language_model.layers." + std::to_string(i) + ".";
        for (const char* n : {"input_layernorm", "post_self_attn_layernorm", "post_attention_layernorm", "post_mlp_layernorm"})
            out.push_back({p + n + ".weight", {H}});
        out.push_back({p + "self_attn.q_proj.weight", {t.numHeads * D, H}});
        out.push_back({p + "self_attn.k_proj.weight", {t.numKvHeads * D, H}});
        out.push_back({p + "self_attn.v_proj.weight", {t.numKvHeads * D, H}});
        // HF's Glm4vTextAttention builds q/k/v with bias=True whatever attention_bias says.
        out.push_back({p + "self_attn.q_proj.bias", {t.numHeads * D}});
        out.push_back({p + "self_attn.k_proj.bias", {t.numKvHeads * D}});
        out.push_back({p + "self_attn.v_proj.bias", {t.numKvHeads * D}});
        out.push_back({p + "self_attn.o_proj.weight", {H, t.numHeads * D}});
        out.push_back({p + "mlp.gate_up_proj.weight", {2 * t.intermediateSize, H}});
        out.push_back({p + "mlp.down_proj.weight", {H, t.intermediateSize}});
    }
    const std::string vp = "model.visual.";
    const int64_t Hv = v.hiddenSize, Ov = v.outHiddenSize, P = v.patchSize, M = v.spatialMergeSize;
    out.push_back({vp + "patch_embed.proj.weight", {Hv, v.inChannels, v.temporalPatchSize, P, P}});
    out.push_back({vp + "patch_embed.proj.bias", {Hv}});
    out.push_back({vp + "post_conv_layernorm.weight", {Hv}});
    const int64_t side = v.imageSize / P;
    out.push_back({vp + "embeddings.position_embedding.weight", {side * side, Hv}});
    for (int64_t i = 0; i < v.depth; ++i) {
        const std::string p = vp + "blocks." + std::to_string(i) + ".";
        out.push_back({p + "norm1.weight", {Hv}});
        out.push_back({p + "norm2.weight", {Hv}});
        const int64_t qd = v.numHeads * v.headDim;
        out.push_back({p + "attn.qkv.weight", {3 * qd, Hv}});
        out.push_back({p + "attn.proj.weight", {Hv, qd}});
        if (v.attentionBias) out.push_back({p + "attn.qkv.bias", {3 * qd}});
        out.push_back({p + "mlp.gate_proj.weight", {Ov, Hv}});
        out.push_back({p + "mlp.up_proj.weight", {Ov, Hv}});
        out.push_back({p + "mlp.down_proj.weight", {Hv, Ov}});
    }
    out.push_back({vp + "post_layernorm.weight", {Hv}});
    out.push_back({vp + "downsample.weight", {Ov, Hv, M, M}});
    out.push_back({vp + "downsample.bias", {Ov}});
    out.push_back({vp + "merger.proj.weight", {Ov, Ov}});
    out.push_back({vp + "merger.post_projection_norm.weight", {Ov}});
    out.push_back({vp + "merger.post_projection_norm.bias", {Ov}});
    out.push_back({vp + "merger.gate_proj.weight", {v.intermediateSize, Ov}});
    out.push_back({vp + "merger.up_proj.weight", {v.intermediateSize, Ov}});
    out.push_back({vp + "merger.down_proj.weight", {Ov, v.intermediateSize}});
    return out;
}

namespace {

// Per-output-channel symmetric INT8: scale = absmax(row) / 127. Returns the int8 matrix and scales
// in the compute dtype (what _weight_int8pack_mm expects).
// Rows are done in blocks of about 64 MiB of float32, so quantising the 151,552-row embedding does
// not need two float32 copies of the whole table beside it (each row's result is the same).
std::pair<at::Tensor, at::Tensor> quantizeRows(const at::Tensor& w) {
    const int64_t rows = w.size(0), cols = std::max<int64_t>(1, w.size(1));
    const int64_t block = std::max<int64_t>(1, (int64_t(64) << 20) / (cols * 4));
    at::Tensor q = at::empty({rows, w.size(1)}, w.options().dtype(at::kChar));
    at::Tensor scales = at::empty({rows}, w.options());
    for (int64_t r = 0; r < rows; r += block) {
        const int64_t n = std::min(block, rows - r);
        at::Tensor wf = w.narrow(0, r, n).to(at::kFloat);
        at::Tensor scale = (wf.abs().amax(1) / 127.0).clamp_min(1e-10);
        q.narrow(0, r, n).copy_((wf / scale.unsqueeze(1)).round().clamp(-127, 127).to(at::kChar));
        scales.narrow(0, r, n).copy_(scale.to(w.scalar_type()));
    }
    return {q, scales};
}

}  // namespace

Glm4vWeights loadGlm4vWeights(const ModelConfig& c, const LoadOptions& o, const at::TensorOptions& target) {
    const auto expected = expectedGlm4vTensors(c);
    Glm4vWeights w;
    int64_t done = 0;
    auto progress = [&](const std::string& detail) {
        ++done;
        if (o.onProgress) o.onProgress({"weights", done, static_cast<int64_t>(expected.size()), detail});
    };
    std::map<std::string, std::vector<int64_t>> shapes;
    for (const auto& [name, shape] : expected) shapes[name] = shape;

    // Every problem of the files is found before anything is allocated; then each tensor is read
    // (or made) when the weights below ask for it, and a decoder layer is fused and, in INT8 mode,
    // quantised as soon as its tensors are there: the device never holds more than the resident
    // weights plus one layer in the checkpoint's form (docs/models.md).
    std::optional<CheckpointFiles> files;
    if (!o.randomWeights) {
        files.emplace(CheckpointFiles::open(c.modelDir));
        for (const auto& [name, info] : files->all())
            if (!shapes.count(name))
                throwBadInput(info->file + ": unexpected tensor \"" + name + "\" (not part of a " + c.architecture +
                              " with this config.json; mismatched checkpoint?)");
        for (const auto& [name, shape] : expected) {
            const TensorInfo* info = files->find(name);
            if (!info) throwBadInput(c.modelDir + ": tensor \"" + name + "\" is missing from the checkpoint");
            if (info->shape != shape)
                throwBadInput(info->file + ": tensor \"" + name + "\" has shape " + shapeString(info->shape) + ", config.json implies " +
                              shapeString(shape));
            scalarType(info->dtype, name);  // a non-floating dtype is refused here, before any allocation
        }
    }
    // N(0, 0.02) for matrices, 1 for norm scales, 0 for biases with random weights: the shapes and the
    // cost of the real model, for benchmarks without a download.
    at::Generator gen = at::detail::createCPUGenerator(o.randomSeed);
    auto take = [&](const std::string& name) {
        checkCancel(o);
        const auto it = shapes.find(name);
        if (it == shapes.end()) return at::Tensor();  // optional and absent for this config (a qkv bias without attention_bias)
        const std::vector<int64_t>& shape = it->second;
        at::Tensor t;
        if (o.randomWeights) {
            const bool isNorm = name.find("norm") != std::string::npos && name.find(".weight") != std::string::npos;
            if (isNorm)
                t = at::ones(shape, target);
            else if (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0)
                t = at::zeros(shape, target);
            else if (target.device().is_cpu())
                t = at::normal(0.0, 0.02, shape, gen, target);
            else
                t = at::empty(shape, target).normal_(0.0, 0.02);
        } else {
            const TensorInfo* info = files->find(name);
            // from_blob aliases the read-only mapping; the copy to the target is the one owned tensor.
            at::Tensor src =
                at::from_blob(const_cast<uint8_t*>(info->data), shape, at::TensorOptions().dtype(scalarType(info->dtype, name)));
            t = src.to(target, /*non_blocking=*/false, /*copy=*/true);
        }
        w.parameterCount += t.numel();
        progress(name);
        return t;
    };
    const auto& v = c.vision;
    const std::string vp = "model.visual.";
    VisionWeights& vw = w.vision;
    vw.patchEmbed = take(vp + "patch_embed.proj.weight").reshape({v.hiddenSize, -1}).contiguous();
    vw.patchEmbedBias = take(vp + "patch_embed.proj.bias");
    vw.postConvNorm = take(vp + "post_conv_layernorm.weight");
    vw.positionEmbedding = take(vp + "embeddings.position_embedding.weight");
    for (int64_t i = 0; i < v.depth; ++i) {
        const std::string p = vp + "blocks." + std::to_string(i) + ".";
        VisionBlockWeights b;
        b.norm1 = take(p + "norm1.weight");
        b.norm2 = take(p + "norm2.weight");
        b.qkv = take(p + "attn.qkv.weight");
        b.qkvBias = take(p + "attn.qkv.bias");
        b.proj = take(p + "attn.proj.weight");
        b.gateUp = at::cat({take(p + "mlp.gate_proj.weight"), take(p + "mlp.up_proj.weight")}, 0);
        b.down = take(p + "mlp.down_proj.weight");
        vw.blocks.push_back(std::move(b));
    }
    vw.postNorm = take(vp + "post_layernorm.weight");
    vw.downsample = take(vp + "downsample.weight").reshape({v.outHiddenSize, -1}).contiguous();
    vw.downsampleBias = take(vp + "downsample.bias");
    vw.mergerProj = take(vp + "merger.proj.weight");
    vw.mergerNormW = take(vp + "merger.post_projection_norm.weight");
    vw.mergerNormB = take(vp + "merger.post_projection_norm.bias");
    vw.mergerGateUp = at::cat({take(vp + "merger.gate_proj.weight"), take(vp + "merger.up_proj.weight")}, 0);
    vw.mergerDown = take(vp + "merger.down_proj.weight");

    const auto& t = c.text;
    TextWeights& tw = w.text;
    tw.embed = take("model.language_model.embed_tokens.weight");
    // The embedding table is read a row per token: INT8 rows save 1.2 GB on GLM-4.6V-Flash at no cost.
    if (o.int8Weights) std::tie(tw.embed, tw.embedScale) = quantizeRows(tw.embed);
    tw.norm = take("model.language_model.norm.weight");
    tw.lmHead = take("lm_head.weight");
    if (o.int8Weights) std::tie(tw.lmHead, tw.lmHeadScale) = quantizeRows(tw.lmHead);
    for (int64_t i = 0; i < t.numLayers; ++i) {
        const std::string p = "model.language_model.layers." + std::to_string(i) + ".";
        TextLayerWeights l;
        l.inputNorm = take(p + "input_layernorm.weight");
        l.postSelfAttnNorm = take(p + "post_self_attn_layernorm.weight");
        l.postAttnNorm = take(p + "post_attention_layernorm.weight");
        l.postMlpNorm = take(p + "post_mlp_layernorm.weight");
        l.qkv = at::cat({take(p + "self_attn.q_proj.weight"), take(p + "self_attn.k_proj.weight"), take(p + "self_attn.v_proj.weight")}, 0);
        l.qkvBias = at::cat({take(p + "self_attn.q_proj.bias"), take(p + "self_attn.k_proj.bias"), take(p + "self_attn.v_proj.bias")}, 0);
        l.o = take(p + "self_attn.o_proj.weight");
        l.gateUp = take(p + "mlp.gate_up_proj.weight");
        l.down = take(p + "mlp.down_proj.weight");
        if (o.int8Weights) {  // this layer now, before the next one is read
            std::tie(l.qkv, l.qkvScale) = quantizeRows(l.qkv);
            std::tie(l.o, l.oScale) = quantizeRows(l.o);
            std::tie(l.gateUp, l.gateUpScale) = quantizeRows(l.gateUp);
            std::tie(l.down, l.downScale) = quantizeRows(l.down);
        }
        tw.layers.push_back(std::move(l));
    }
    if (done != static_cast<int64_t>(expected.size()))
        throw Error(ErrorKind::Internal, "the weights used " + std::to_string(done) + " of the " + std::to_string(expected.size()) +
                                             " tensors the config implies");
    // Resident bytes as stored (after fusion and quantization).
    w.bytes = 0;
    auto count = [&](const at::Tensor& t) {
        if (t.defined()) w.bytes += t.numel() * static_cast<int64_t>(t.element_size());
    };
    for (const at::Tensor* t : {&vw.patchEmbed, &vw.patchEmbedBias, &vw.postConvNorm, &vw.positionEmbedding, &vw.postNorm, &vw.downsample,
                                &vw.downsampleBias, &vw.mergerProj, &vw.mergerNormW, &vw.mergerNormB, &vw.mergerGateUp, &vw.mergerDown,
                                &tw.embed, &tw.embedScale, &tw.norm, &tw.lmHead, &tw.lmHeadScale})
        count(*t);
    for (const auto& b : vw.blocks)
        for (const at::Tensor* t : {&b.norm1, &b.norm2, &b.qkv, &b.qkvBias, &b.proj, &b.gateUp, &b.down}) count(*t);
    for (const auto& l : tw.layers)
        for (const at::Tensor* t : {&l.inputNorm, &l.postSelfAttnNorm, &l.postAttnNorm, &l.postMlpNorm, &l.qkv, &l.qkvBias, &l.o, &l.gateUp,
                                    &l.down, &l.qkvScale, &l.oScale, &l.gateUpScale, &l.downScale})
            count(*t);
    return w;
}

}  // namespace sightline
