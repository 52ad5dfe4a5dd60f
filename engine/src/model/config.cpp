// config.json / generation_config.json / preprocessor_config.json → ModelConfig.
// Accepts both the transformers v5 layout (text_config.rope_parameters) and the older top-level
// rope_theta / rope_scaling layout.
#include "sightline/config.h"

#include <nlohmann/json.hpp>

#include "sightline/error.h"
#include "util/files.h"

namespace sightline {
namespace {

using nlohmann::json;

json parseJson(const std::string& text, const std::string& name) {
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        throwBadInput(name + ": malformed JSON: " + e.what());
    }
}

template <typename T>
T need(const json& obj, const char* key, const std::string& where) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) throwBadInput(where + ": missing key \"" + key + "\"");
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        throwBadInput(where + ": key \"" + key + "\" has the wrong type");
    }
}

template <typename T>
T opt(const json& obj, const char* key, T fallback) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        return fallback;
    }
}

std::vector<int64_t> idList(const json& v) {
    std::vector<int64_t> ids;
    if (v.is_number_integer()) ids.push_back(v.get<int64_t>());
    else if (v.is_array())
        for (const auto& x : v)
            if (x.is_number_integer()) ids.push_back(x.get<int64_t>());
    return ids;
}

void requirePositive(int64_t v, const char* key, const std::string& where) {
    if (v <= 0) throwBadInput(where + ": \"" + key + "\" must be positive, got " + std::to_string(v));
}

TextConfig parseText(const json& root, const std::string& where) {
    const json& t = root.contains("text_config") ? root["text_config"] : root;
    const std::string w = where + " text_config";
    TextConfig c;
    c.vocabSize = need<int64_t>(t, "vocab_size", w);
    c.hiddenSize = need<int64_t>(t, "hidden_size", w);
    c.intermediateSize = need<int64_t>(t, "intermediate_size", w);
    c.numLayers = need<int64_t>(t, "num_hidden_layers", w);
    c.numHeads = need<int64_t>(t, "num_attention_heads", w);
    c.numKvHeads = opt<int64_t>(t, "num_key_value_heads", c.numHeads);
    for (auto [v, k] : {std::pair{c.vocabSize, "vocab_size"}, {c.hiddenSize, "hidden_size"},
                        {c.intermediateSize, "intermediate_size"}, {c.numLayers, "num_hidden_layers"},
                        {c.numHeads, "num_attention_heads"}, {c.numKvHeads, "num_key_value_heads"}})
        requirePositive(v, k, w);
    c.headDim = opt<int64_t>(t, "head_dim", c.hiddenSize / c.numHeads);
    if (c.numHeads % c.numKvHeads != 0) throwBadInput(w + ": num_attention_heads is not a multiple of num_key_value_heads");
    c.maxPositionEmbeddings = opt<int64_t>(t, "max_position_embeddings", 131072);
    c.rmsNormEps = need<double>(t, "rms_norm_eps", w);
    c.attentionBias = opt<bool>(t, "attention_bias", true);
    c.hiddenAct = opt<std::string>(t, "hidden_act", "silu");

    // Rope settings: v5 rope_parameters, or the older rope_theta + rope_scaling.
    const json* rp = nullptr;
    if (t.contains("rope_parameters") && t["rope_parameters"].is_object()) rp = &t["rope_parameters"];
    else if (root.contains("rope_parameters") && root["rope_parameters"].is_object()) rp = &root["rope_parameters"];
    const json* rs = nullptr;
    if (t.contains("rope_scaling") && t["rope_scaling"].is_object()) rs = &t["rope_scaling"];
    else if (root.contains("rope_scaling") && root["rope_scaling"].is_object()) rs = &root["rope_scaling"];

    c.ropeTheta = rp ? opt<double>(*rp, "rope_theta", 0.0) : 0.0;
    if (c.ropeTheta == 0) c.ropeTheta = opt<double>(t, "rope_theta", opt<double>(root, "rope_theta", 0.0));
    if (c.ropeTheta <= 0) throwBadInput(w + ": no rope_theta (looked in rope_parameters and rope_theta)");
    c.partialRotaryFactor = rp ? opt<double>(*rp, "partial_rotary_factor", 0.0) : 0.0;
    if (c.partialRotaryFactor == 0)
        c.partialRotaryFactor = opt<double>(t, "partial_rotary_factor", opt<double>(root, "partial_rotary_factor", 0.5));
    for (const json* src : {rp, rs}) {
        if (src && src->contains("mrope_section")) {
            c.mropeSection = (*src)["mrope_section"].get<std::vector<int64_t>>();
            break;
        }
    }
    if (c.mropeSection.size() != 3) throwBadInput(w + ": mrope_section must list 3 sizes (t, h, w)");
    int64_t pairs = 0;
    for (auto s : c.mropeSection) pairs += s;
    const auto rotaryDim = static_cast<int64_t>(static_cast<double>(c.headDim) * c.partialRotaryFactor);
    if (pairs * 2 != rotaryDim)
        throwBadInput(w + ": mrope_section sums to " + std::to_string(pairs) + " pairs but head_dim*partial_rotary_factor is " +
                      std::to_string(rotaryDim));
    return c;
}

VisionConfig parseVision(const json& root, const std::string& where) {
    if (!root.contains("vision_config")) throwBadInput(where + ": missing \"vision_config\"");
    const json& v = root["vision_config"];
    const std::string w = where + " vision_config";
    VisionConfig c;
    c.depth = need<int64_t>(v, "depth", w);
    c.hiddenSize = need<int64_t>(v, "hidden_size", w);
    c.numHeads = need<int64_t>(v, "num_heads", w);
    c.intermediateSize = need<int64_t>(v, "intermediate_size", w);
    c.outHiddenSize = need<int64_t>(v, "out_hidden_size", w);
    c.imageSize = need<int64_t>(v, "image_size", w);
    c.patchSize = need<int64_t>(v, "patch_size", w);
    c.inChannels = opt<int64_t>(v, "in_channels", 3);
    c.spatialMergeSize = need<int64_t>(v, "spatial_merge_size", w);
    c.temporalPatchSize = need<int64_t>(v, "temporal_patch_size", w);
    c.rmsNormEps = opt<double>(v, "rms_norm_eps", 1e-5);
    c.attentionBias = opt<bool>(v, "attention_bias", false);
    if (v.contains("rope_parameters") && v["rope_parameters"].is_object())
        c.ropeTheta = opt<double>(v["rope_parameters"], "rope_theta", 10000.0);
    else
        c.ropeTheta = opt<double>(v, "rope_theta", 10000.0);
    c.hiddenAct = opt<std::string>(v, "hidden_act", "silu");
    for (auto [val, k] : {std::pair{c.depth, "depth"}, {c.hiddenSize, "hidden_size"}, {c.numHeads, "num_heads"},
                          {c.intermediateSize, "intermediate_size"}, {c.outHiddenSize, "out_hidden_size"},
                          {c.imageSize, "image_size"}, {c.patchSize, "patch_size"},
                          {c.spatialMergeSize, "spatial_merge_size"}, {c.temporalPatchSize, "temporal_patch_size"}})
        requirePositive(val, k, w);
    if (!v.contains("head_dim") && c.hiddenSize % c.numHeads != 0) throwBadInput(w + ": hidden_size is not a multiple of num_heads");
    c.headDim = opt<int64_t>(v, "head_dim", c.hiddenSize / c.numHeads);
    if (c.imageSize % c.patchSize != 0) throwBadInput(w + ": image_size is not a multiple of patch_size");
    return c;
}

}  // namespace

ModelConfig parseModelConfigJson(const std::string& jsonText, const std::string& where) {
    const json root = parseJson(jsonText, where);
    if (!root.is_object()) throwBadInput(where + ": expected a JSON object");
    ModelConfig c;
    auto archs = root.value("architectures", json::array());
    c.architecture = archs.is_array() && !archs.empty() && archs[0].is_string() ? archs[0].get<std::string>() : "";
    c.modelType = opt<std::string>(root, "model_type", "");
    if (c.architecture != "Glm4vForConditionalGeneration" && c.architecture != "Glm46VForConditionalGeneration")
        throwBadInput(where + ": unknown architecture \"" + c.architecture + "\" (model_type \"" + c.modelType +
                      "\"); Sightline runs Glm4vForConditionalGeneration (GLM-4.1V / GLM-4.6V) checkpoints");
    c.storageDtype = opt<std::string>(root, "dtype", opt<std::string>(root, "torch_dtype", "bfloat16"));
    c.text = parseText(root, where);
    c.vision = parseVision(root, where);
    const json& t = root.contains("text_config") ? root["text_config"] : root;
    auto tokenId = [&](const char* key) {
        int64_t id = opt<int64_t>(root, key, opt<int64_t>(t, key, -1));
        if (id < 0 || id >= c.text.vocabSize) throwBadInput(where + ": \"" + key + "\" missing or outside the vocabulary");
        return id;
    };
    c.imageTokenId = tokenId("image_token_id");
    c.imageStartTokenId = tokenId("image_start_token_id");
    c.imageEndTokenId = tokenId("image_end_token_id");
    c.videoTokenId = opt<int64_t>(root, "video_token_id", -1);
    c.videoStartTokenId = opt<int64_t>(root, "video_start_token_id", -1);
    c.videoEndTokenId = opt<int64_t>(root, "video_end_token_id", -1);
    c.padTokenId = opt<int64_t>(root, "pad_token_id", opt<int64_t>(t, "pad_token_id", -1));
    c.eosTokenIds = idList(root.value("eos_token_id", t.value("eos_token_id", json())));
    c.tieWordEmbeddings = opt<bool>(root, "tie_word_embeddings", false);
    return c;
}

ModelConfig loadModelConfig(const std::string& modelDir) {
    const std::string cfgPath = util::joinPath(modelDir, "config.json");
    if (!util::fileExists(cfgPath)) throwBadInput(modelDir + " has no config.json: is this a Hugging Face checkpoint folder?");
    ModelConfig c = parseModelConfigJson(util::readTextFile(cfgPath), cfgPath);
    c.modelDir = modelDir;

    const std::string genPath = util::joinPath(modelDir, "generation_config.json");
    if (util::fileExists(genPath)) {
        const json g = parseJson(util::readTextFile(genPath), genPath);
        if (g.contains("eos_token_id")) {
            auto ids = idList(g["eos_token_id"]);
            if (!ids.empty()) c.eosTokenIds = ids;
        }
        c.generation.doSample = opt<bool>(g, "do_sample", false);
        c.generation.temperature = opt<double>(g, "temperature", 1.0);
        c.generation.topP = opt<double>(g, "top_p", 1.0);
        c.generation.topK = opt<int64_t>(g, "top_k", 0);
        c.generation.repetitionPenalty = opt<double>(g, "repetition_penalty", 1.0);
        c.generation.maxNewTokens = opt<int64_t>(g, "max_new_tokens", 0);
    }
    if (c.eosTokenIds.empty()) throwBadInput(cfgPath + ": no eos_token_id in config.json or generation_config.json");

    const std::string ppPath = util::joinPath(modelDir, "preprocessor_config.json");
    if (!util::fileExists(ppPath)) throwBadInput(modelDir + " has no preprocessor_config.json");
    const json p = parseJson(util::readTextFile(ppPath), ppPath);
    ImageProcessorConfig& ic = c.image;
    ic.patchSize = static_cast<int>(opt<int64_t>(p, "patch_size", c.vision.patchSize));
    ic.temporalPatchSize = static_cast<int>(opt<int64_t>(p, "temporal_patch_size", c.vision.temporalPatchSize));
    ic.mergeSize = static_cast<int>(opt<int64_t>(p, "merge_size", c.vision.spatialMergeSize));
    if (p.contains("size") && p["size"].is_object()) {
        ic.minPixels = need<int64_t>(p["size"], "shortest_edge", ppPath + " size");
        ic.maxPixels = need<int64_t>(p["size"], "longest_edge", ppPath + " size");
    } else {
        ic.minPixels = need<int64_t>(p, "min_pixels", ppPath);
        ic.maxPixels = need<int64_t>(p, "max_pixels", ppPath);
    }
    ic.rescaleFactor = opt<double>(p, "rescale_factor", 1.0 / 255.0);
    auto mean = need<std::vector<double>>(p, "image_mean", ppPath);
    auto stdv = need<std::vector<double>>(p, "image_std", ppPath);
    if (mean.size() != 3 || stdv.size() != 3) throwBadInput(ppPath + ": image_mean and image_std need 3 values");
    for (int i = 0; i < 3; ++i) {
        ic.mean[i] = static_cast<float>(mean[i]);
        ic.std[i] = static_cast<float>(stdv[i]);
        if (ic.std[i] == 0) throwBadInput(ppPath + ": image_std has a zero");
    }
    if (ic.patchSize != c.vision.patchSize || ic.temporalPatchSize != c.vision.temporalPatchSize ||
        ic.mergeSize != c.vision.spatialMergeSize)
        throwBadInput(ppPath + ": patch_size / temporal_patch_size / merge_size disagree with config.json vision_config");
    if (ic.minPixels <= 0 || ic.maxPixels < ic.minPixels) throwBadInput(ppPath + ": size limits are not sensible");
    return c;
}

}  // namespace sightline
