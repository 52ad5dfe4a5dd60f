// Model configuration read from a Hugging Face checkpoint folder (config.json,
// generation_config.json, preprocessor_config.json). Every size, id, eps and theta comes from
// these files. Torch-free; parsing throws Error(BadInput) naming the file and key.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sightline/image.h"
#include "sightline/video.h"

namespace sightline {

struct TextConfig {
    int64_t vocabSize = 0;
    int64_t hiddenSize = 0;
    int64_t intermediateSize = 0;
    int64_t numLayers = 0;
    int64_t numHeads = 0;
    int64_t numKvHeads = 0;
    int64_t headDim = 0;
    int64_t maxPositionEmbeddings = 0;
    double rmsNormEps = 0;
    double ropeTheta = 0;
    double partialRotaryFactor = 1.0;
    std::vector<int64_t> mropeSection;  // frequency pairs per stream (t, h, w)
    bool attentionBias = true;          // informational: HF's Glm4v text attention always has q/k/v biases
    std::string hiddenAct;
};

struct VisionConfig {
    int64_t depth = 0;
    int64_t hiddenSize = 0;
    int64_t numHeads = 0;
    int64_t headDim = 0;
    int64_t intermediateSize = 0;  // merger MLP width
    int64_t outHiddenSize = 0;     // block MLP width and merger width
    int64_t imageSize = 0;
    int64_t patchSize = 0;
    int64_t inChannels = 0;
    int64_t spatialMergeSize = 0;
    int64_t temporalPatchSize = 0;
    double rmsNormEps = 0;
    double ropeTheta = 10000.0;  // vision_config.rope_parameters.rope_theta (HF default 10000)
    bool attentionBias = false;  // qkv bias (proj never has one)
    std::string hiddenAct;
};

struct GenerationDefaults {
    bool doSample = false;
    double temperature = 1.0;
    double topP = 1.0;
    int64_t topK = 0;
    double repetitionPenalty = 1.0;
    int64_t maxNewTokens = 0;  // 0: not given
};

struct ModelConfig {
    std::string modelDir;
    std::string architecture;
    std::string modelType;
    std::string storageDtype;  // "bfloat16" ...
    TextConfig text;
    VisionConfig vision;
    int64_t imageTokenId = -1;
    int64_t videoTokenId = -1;
    int64_t imageStartTokenId = -1;
    int64_t imageEndTokenId = -1;
    int64_t videoStartTokenId = -1;
    int64_t videoEndTokenId = -1;
    int64_t padTokenId = -1;
    std::vector<int64_t> eosTokenIds;  // generation_config.json overrides config.json
    bool tieWordEmbeddings = false;
    GenerationDefaults generation;
    ImageProcessorConfig image;
    VideoProcessorConfig video;  // video_preprocessor_config.json, or the processor class's defaults
};

// Reads and validates the three config files in `modelDir`.
ModelConfig loadModelConfig(const std::string& modelDir);
// Parses config.json text alone (used by --random-weights and tests).
ModelConfig parseModelConfigJson(const std::string& jsonText, const std::string& nameForErrors);

}  // namespace sightline
