// GLM-4V weights as libtorch tensors, fused where it saves launches (text q|k|v, vision and
// merger gate|up) and reshaped where a convolution is a linear map (patch embed, downsample).
// Immutable after loading; shared read-only by every request.
#pragma once

#include <ATen/ATen.h>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "sightline/config.h"
#include "sightline/engine.h"

namespace sightline {

struct VisionBlockWeights {
    at::Tensor norm1, norm2;  // [Hv]
    at::Tensor qkv;           // [3*heads*D, Hv] (bias only if attention_bias)
    at::Tensor qkvBias;       // [3*Hv] or undefined
    at::Tensor proj;          // [Hv, heads*D] (no bias in HF)
    at::Tensor gateUp;        // [2*Ov, Hv]: gate rows, then up rows
    at::Tensor down;          // [Hv, Ov]
};

struct VisionWeights {
    at::Tensor patchEmbed;         // [Hv, C*T*P*P] (Conv3d weight viewed as a linear)
    at::Tensor patchEmbedBias;     // [Hv]
    at::Tensor postConvNorm;       // [Hv]
    at::Tensor positionEmbedding;  // [(image_size/P)^2, Hv]
    std::vector<VisionBlockWeights> blocks;
    at::Tensor postNorm;                  // [Hv]
    at::Tensor downsample;                // [Ov, Hv*M*M] (Conv2d weight viewed as a linear over [C][mh][mw])
    at::Tensor downsampleBias;            // [Ov]
    at::Tensor mergerProj;                // [Ov, Ov]
    at::Tensor mergerNormW, mergerNormB;  // [Ov] LayerNorm
    at::Tensor mergerGateUp;              // [2*I, Ov]
    at::Tensor mergerDown;                // [Ov, I]
};

struct TextLayerWeights {
    at::Tensor inputNorm, postSelfAttnNorm, postAttnNorm, postMlpNorm;  // [H]
    at::Tensor qkv;                                                     // [(Hq + 2*Hkv)*D, H]
    at::Tensor qkvBias;                                                 // [(Hq + 2*Hkv)*D]
    at::Tensor o;                                                       // [H, Hq*D]
    at::Tensor gateUp;                                                  // [2*I, H]
    at::Tensor down;                                                    // [H, I]
    // INT8 weight-only mode: the four matrices above are int8 and these hold one scale per output
    // row ([N], compute dtype); undefined otherwise.
    at::Tensor qkvScale, oScale, gateUpScale, downScale;
};

struct TextWeights {
    at::Tensor embed;       // [V, H] (int8 in INT8 mode)
    at::Tensor embedScale;  // [V] in INT8 mode
    std::vector<TextLayerWeights> layers;
    at::Tensor norm;         // [H]
    at::Tensor lmHead;       // [V, H] (int8 in INT8 mode)
    at::Tensor lmHeadScale;  // [V] in INT8 mode
};

struct Glm4vWeights {
    VisionWeights vision;
    TextWeights text;
    int64_t parameterCount = 0;
    int64_t bytes = 0;
};

// Every checkpoint tensor name with its expected shape, derived from the config alone.
std::vector<std::pair<std::string, std::vector<int64_t>>> expectedGlm4vTensors(const ModelConfig& config);

// Loads (or, with randomWeights, initialises) the weights onto options.device in options.dtype.
Glm4vWeights loadGlm4vWeights(const ModelConfig& config, const LoadOptions& options, const at::TensorOptions& target);

}  // namespace sightline
