// config.json / generation_config.json / preprocessor_config.json → ModelConfig.
// Accepts both the transformers v5 layout (text_config.rope_parameters) and the older top-level
// rope_theta / rope_scaling layout.
#include "sightline/config.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "sightline/error.h"
#include "sightline/tokenizer.h"
#include "sightline/untrusted.h"
#include "util/files.h"

namespace sightline {
namespace {

using nlohmann::json;

json parseJson(const std::string& text, const std::string& name) {
    try {
        return parseJsonLimited(text);
    } catch (const json::exception& e) {
        throwBadInput(name + ": malformed JSON: " + e.what());
    }
}

// Sane bounds for sizes read from the files: every product the engine forms from them (weights,
// KV cache, rotary tables) stays far from int64 overflow, and a file claiming hidden_size 2^40 is
// refused here instead of at an allocation.
constexpr int64_t kMaxWidth = int64_t(1) << 18;  // hidden / intermediate sizes (real: < 60,000)
constexpr int64_t kMaxCount = 1024;              // layers, heads (real: < 200)
constexpr int64_t kMaxHeadDim = 4096;
constexpr int64_t kMaxPositions = int64_t(1) << 24;  // max_position_embeddings (real: <= 1M)
constexpr int64_t kMaxImagePixelsBudget = int64_t(1) << 32;
constexpr int64_t kMaxVideoPixelsBudget = int64_t(1) << 40;  // over all sampled frames

std::string shortDump(const json& v) {
    std::string s = v.dump();
    return s.size() > 40 ? s.substr(0, 40) + "..." : s;
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

// Integer keys go through jsonInt64 (never get<int64_t>, which casts 1e308 with undefined behaviour).
std::optional<int64_t> intKey(const json& obj, const char* key, const std::string& where) {
    if (!obj.is_object()) return std::nullopt;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    const std::optional<int64_t> v = jsonInt64(*it);
    if (!v) throwBadInput(where + ": \"" + key + "\" must be an integer, got " + shortDump(*it));
    return v;
}

int64_t inRange(int64_t v, const char* key, int64_t lo, int64_t hi, const std::string& where) {
    if (v < lo || v > hi)
        throwBadInput(where + ": \"" + key + "\" is " + std::to_string(v) + ", outside [" + std::to_string(lo) + ", " + std::to_string(hi) +
                      "]");
    return v;
}

int64_t needInt(const json& obj, const char* key, int64_t lo, int64_t hi, const std::string& where) {
    const std::optional<int64_t> v = intKey(obj, key, where);
    if (!v) throwBadInput(where + ": missing key \"" + key + "\"");
    return inRange(*v, key, lo, hi, where);
}

int64_t optInt(const json& obj, const char* key, int64_t fallback, int64_t lo, int64_t hi, const std::string& where) {
    return inRange(intKey(obj, key, where).value_or(fallback), key, lo, hi, where);
}

// A real-valued key: finite and inside (lo, hi] (or [lo, hi] when closed).
double realIn(double v, const char* key, double lo, double hi, bool closedLow, const std::string& where) {
    if (!std::isfinite(v) || v > hi || v < lo || (!closedLow && v == lo))
        throwBadInput(where + ": \"" + key + "\" is " + std::to_string(v) + ", outside " + (closedLow ? "[" : "(") + std::to_string(lo) +
                      ", " + std::to_string(hi) + "]");
    return v;
}

// A token id or a list of them; each must lie in the vocabulary.
std::vector<int64_t> idList(const json& v, const char* key, int64_t vocabSize, const std::string& where) {
    std::vector<int64_t> ids;
    auto take = [&](const json& x) {
        const std::optional<int64_t> id = jsonInt64(x);
        if (!id || *id < 0 || *id >= vocabSize)
            throwBadInput(where + ": \"" + key + "\" has " + shortDump(x) + ", not a token id in [0, " + std::to_string(vocabSize) + ")");
        ids.push_back(*id);
    };
    if (v.is_array())
        for (const auto& x : v) take(x);
    else if (!v.is_null())
        take(v);
    return ids;
}

TextConfig parseText(const json& root, const std::string& where) {
    const json& t = root.contains("text_config") && root["text_config"].is_object() ? root["text_config"] : root;
    const std::string w = where + " text_config";
    TextConfig c;
    c.vocabSize = needInt(t, "vocab_size", 1, kMaxVocabSize, w);
    c.hiddenSize = needInt(t, "hidden_size", 1, kMaxWidth, w);
    c.intermediateSize = needInt(t, "intermediate_size", 1, kMaxWidth, w);
    c.numLayers = needInt(t, "num_hidden_layers", 1, kMaxCount, w);
    c.numHeads = needInt(t, "num_attention_heads", 1, kMaxCount, w);
    c.numKvHeads = optInt(t, "num_key_value_heads", c.numHeads, 1, kMaxCount, w);
    c.headDim = optInt(t, "head_dim", c.hiddenSize / c.numHeads, 1, kMaxHeadDim, w);
    if (c.numHeads % c.numKvHeads != 0) throwBadInput(w + ": num_attention_heads is not a multiple of num_key_value_heads");
    c.maxPositionEmbeddings = optInt(t, "max_position_embeddings", 131072, 1, kMaxPositions, w);
    c.rmsNormEps = realIn(need<double>(t, "rms_norm_eps", w), "rms_norm_eps", 0, 1, false, w);
    c.attentionBias = opt<bool>(t, "attention_bias", true);
    c.hiddenAct = opt<std::string>(t, "hidden_act", "silu");

    // Rope settings: v5 rope_parameters, or the older rope_theta + rope_scaling.
    const json* rp = nullptr;
    if (t.contains("rope_parameters") && t["rope_parameters"].is_object())
        rp = &t["rope_parameters"];
    else if (root.contains("rope_parameters") && root["rope_parameters"].is_object())
        rp = &root["rope_parameters"];
    const json* rs = nullptr;
    if (t.contains("rope_scaling") && t["rope_scaling"].is_object())
        rs = &t["rope_scaling"];
    else if (root.contains("rope_scaling") && root["rope_scaling"].is_object())
        rs = &root["rope_scaling"];

    c.ropeTheta = rp ? opt<double>(*rp, "rope_theta", 0.0) : 0.0;
    if (c.ropeTheta == 0) c.ropeTheta = opt<double>(t, "rope_theta", opt<double>(root, "rope_theta", 0.0));
    if (c.ropeTheta == 0) throwBadInput(w + ": no rope_theta (looked in rope_parameters and rope_theta)");
    realIn(c.ropeTheta, "rope_theta", 0, 1e12, false, w);
    c.partialRotaryFactor = rp ? opt<double>(*rp, "partial_rotary_factor", 0.0) : 0.0;
    if (c.partialRotaryFactor == 0)
        c.partialRotaryFactor = opt<double>(t, "partial_rotary_factor", opt<double>(root, "partial_rotary_factor", 0.5));
    realIn(c.partialRotaryFactor, "partial_rotary_factor", 0, 1, false, w);
    for (const json* src : {rp, rs}) {
        if (src && src->contains("mrope_section")) {
            const json& ms = (*src)["mrope_section"];
            if (!ms.is_array()) throwBadInput(w + ": mrope_section must list 3 sizes (t, h, w)");
            for (const auto& x : ms) {
                const std::optional<int64_t> v = jsonInt64(x);
                if (!v || *v < 0 || *v > c.headDim)
                    throwBadInput(w + ": mrope_section has " + shortDump(x) + ", not a size in [0, head_dim]");
                c.mropeSection.push_back(*v);
            }
            break;
        }
    }
    if (c.mropeSection.size() != 3) throwBadInput(w + ": mrope_section must list 3 sizes (t, h, w)");
    int64_t pairs = 0;
    for (auto s : c.mropeSection) pairs += s;  // each in [0, head_dim]: no overflow
    const auto rotaryDim = static_cast<int64_t>(static_cast<double>(c.headDim) * c.partialRotaryFactor);
    if (pairs * 2 != rotaryDim)
        throwBadInput(w + ": mrope_section sums to " + std::to_string(pairs) + " pairs but head_dim*partial_rotary_factor is " +
                      std::to_string(rotaryDim));
    return c;
}

VisionConfig parseVision(const json& root, const std::string& where) {
    if (!root.contains("vision_config") || !root["vision_config"].is_object()) throwBadInput(where + ": missing \"vision_config\" object");
    const json& v = root["vision_config"];
    const std::string w = where + " vision_config";
    VisionConfig c;
    c.depth = needInt(v, "depth", 1, kMaxCount, w);
    c.hiddenSize = needInt(v, "hidden_size", 1, kMaxWidth, w);
    c.numHeads = needInt(v, "num_heads", 1, kMaxCount, w);
    c.intermediateSize = needInt(v, "intermediate_size", 1, kMaxWidth, w);
    c.outHiddenSize = needInt(v, "out_hidden_size", 1, kMaxWidth, w);
    c.imageSize = needInt(v, "image_size", 1, 1 << 16, w);
    c.patchSize = needInt(v, "patch_size", 1, 1 << 10, w);
    c.inChannels = optInt(v, "in_channels", 3, 3, 3, w);  // the preprocessor makes RGB
    c.spatialMergeSize = needInt(v, "spatial_merge_size", 1, 64, w);
    c.temporalPatchSize = needInt(v, "temporal_patch_size", 1, 64, w);
    c.rmsNormEps = realIn(opt<double>(v, "rms_norm_eps", 1e-5), "rms_norm_eps", 0, 1, false, w);
    c.attentionBias = opt<bool>(v, "attention_bias", false);
    if (v.contains("rope_parameters") && v["rope_parameters"].is_object())
        c.ropeTheta = opt<double>(v["rope_parameters"], "rope_theta", 10000.0);
    else
        c.ropeTheta = opt<double>(v, "rope_theta", 10000.0);
    realIn(c.ropeTheta, "rope_theta", 0, 1e12, false, w);
    c.hiddenAct = opt<std::string>(v, "hidden_act", "silu");
    if (!v.contains("head_dim") && c.hiddenSize % c.numHeads != 0) throwBadInput(w + ": hidden_size is not a multiple of num_heads");
    c.headDim = optInt(v, "head_dim", c.hiddenSize / c.numHeads, 1, kMaxHeadDim, w);
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
    const json& t = root.contains("text_config") && root["text_config"].is_object() ? root["text_config"] : root;
    auto tokenId = [&](const char* key) {
        const int64_t id = intKey(root, key, where).value_or(intKey(t, key, where).value_or(-1));
        if (id < 0 || id >= c.text.vocabSize) throwBadInput(where + ": \"" + key + "\" missing or outside the vocabulary");
        return id;
    };
    // Informational ids (video input is not supported): any integer, -1 when absent or odd.
    auto looseId = [&](const json& obj, const char* key, int64_t fallback) {
        auto it = obj.find(key);
        const std::optional<int64_t> id = it == obj.end() ? std::nullopt : jsonInt64(*it);
        return id.value_or(fallback);
    };
    c.imageTokenId = tokenId("image_token_id");
    c.imageStartTokenId = tokenId("image_start_token_id");
    c.imageEndTokenId = tokenId("image_end_token_id");
    c.videoTokenId = looseId(root, "video_token_id", -1);
    c.videoStartTokenId = looseId(root, "video_start_token_id", -1);
    c.videoEndTokenId = looseId(root, "video_end_token_id", -1);
    c.padTokenId = looseId(root, "pad_token_id", looseId(t, "pad_token_id", -1));
    c.eosTokenIds = idList(root.contains("eos_token_id") ? root["eos_token_id"] : t.value("eos_token_id", json()), "eos_token_id",
                           c.text.vocabSize, where);
    c.tieWordEmbeddings = opt<bool>(root, "tie_word_embeddings", false);
    return c;
}

namespace {

// The video processor transformers would build for this checkpoint: its settings from the first of
// processor_config.json's "video_processor", video_preprocessor_config.json, preprocessor_config.json
// (transformers' order), on the class defaults of the processor its files name —
// Glm46VVideoProcessor for Glm46V* (and model_type glm46v), Glm4vVideoProcessor otherwise. Where
// transformers finds none of the three it has no video processor; Sightline uses the class defaults.
VideoProcessorConfig loadVideoProcessorConfig(const std::string& modelDir, const ModelConfig& c, const json& imageProcessor) {
    VideoProcessorConfig v;
    std::string where;
    json p = json::object();
    const std::string vpPath = util::joinPath(modelDir, "video_preprocessor_config.json");
    const std::string procPath = util::joinPath(modelDir, "processor_config.json");
    json proc = json::object();
    if (util::fileExists(procPath)) {
        proc = parseJson(util::readTextFile(procPath), procPath);
        if (!proc.is_object()) throwBadInput(procPath + ": expected a JSON object");
    }
    // transformers' order: processor_config.json's "video_processor", video_preprocessor_config.json,
    // then preprocessor_config.json (an image processor's settings serve the video processor too).
    const std::string ppPath = util::joinPath(modelDir, "preprocessor_config.json");
    if (proc.contains("video_processor") && proc["video_processor"].is_object()) {
        p = proc["video_processor"];
        where = procPath + " video_processor";
    } else if (util::fileExists(vpPath)) {
        p = parseJson(util::readTextFile(vpPath), vpPath);
        if (!p.is_object()) throwBadInput(vpPath + ": expected a JSON object");
        where = vpPath;
    } else if (util::fileExists(ppPath)) {
        p = imageProcessor;  // parsed by loadModelConfig from this file
        where = ppPath + " (as the video processor's)";
    }
    // Which processor: the video processor's own type, else the processor class any file names.
    std::string kind = opt<std::string>(p, "video_processor_type", "");
    for (const json* j : std::initializer_list<const json*>{&imageProcessor, &proc})
        if (kind.empty()) kind = opt<std::string>(*j, "processor_class", "");
    const std::string tokPath = util::joinPath(modelDir, "tokenizer_config.json");
    if (kind.empty() && util::fileExists(tokPath)) {
        const json t = parseJson(util::readTextFile(tokPath), tokPath);
        if (t.is_object()) kind = opt<std::string>(t, "processor_class", "");
    }
    const bool is46 = kind.rfind("Glm46V", 0) == 0 || (kind.empty() && c.modelType == "glm46v");
    v.sampler = is46 ? VideoSampler::Glm46V : VideoSampler::Glm4v;
    if (where.empty()) where = modelDir + " (video processor defaults)";
    v.patchSize = static_cast<int>(optInt(p, "patch_size", c.image.patchSize, 1, 1 << 10, where));
    v.temporalPatchSize = static_cast<int>(optInt(p, "temporal_patch_size", c.image.temporalPatchSize, 1, 64, where));
    v.mergeSize = static_cast<int>(optInt(p, "merge_size", c.image.mergeSize, 1, 64, where));
    if (v.patchSize != c.vision.patchSize || v.temporalPatchSize != c.vision.temporalPatchSize || v.mergeSize != c.vision.spatialMergeSize)
        throwBadInput(where + ": patch_size / temporal_patch_size / merge_size disagree with config.json vision_config");
    if (p.contains("size") && p["size"].is_object()) {
        v.minPixels = needInt(p["size"], "shortest_edge", 1, kMaxVideoPixelsBudget, where + " size");
        v.maxPixels = needInt(p["size"], "longest_edge", 1, kMaxVideoPixelsBudget, where + " size");
    }
    if (v.minPixels <= 0 || v.maxPixels < v.minPixels) throwBadInput(where + ": size limits are not sensible");
    v.rescaleFactor = realIn(opt<double>(p, "rescale_factor", v.rescaleFactor), "rescale_factor", 0, 1e6, false, where);
    if (p.contains("image_mean") || p.contains("image_std")) {
        auto mean = need<std::vector<double>>(p, "image_mean", where);
        auto stdv = need<std::vector<double>>(p, "image_std", where);
        if (mean.size() != 3 || stdv.size() != 3) throwBadInput(where + ": image_mean and image_std need 3 values");
        for (int i = 0; i < 3; ++i) {
            v.mean[i] = static_cast<float>(realIn(mean[i], "image_mean", -1e6, 1e6, true, where));
            v.std[i] = static_cast<float>(realIn(stdv[i], "image_std", -1e6, 1e6, true, where));
            if (v.std[i] == 0) throwBadInput(where + ": image_std has a zero");
        }
    }
    v.fps = realIn(opt<double>(p, "fps", v.fps), "fps", 0, 1000, false, where);
    v.maxDuration = realIn(opt<double>(p, "max_duration", v.maxDuration), "max_duration", 0, 1e7, false, where);
    if (!(v.fps > 0) || !(v.maxDuration > 0)) throwBadInput(where + ": fps and max_duration must be positive");
    return v;
}

}  // namespace

ModelConfig loadModelConfig(const std::string& modelDir) {
    const std::string cfgPath = util::joinPath(modelDir, "config.json");
    if (!util::fileExists(cfgPath)) throwBadInput(modelDir + " has no config.json: is this a Hugging Face checkpoint folder?");
    ModelConfig c = parseModelConfigJson(util::readTextFile(cfgPath), cfgPath);
    c.modelDir = modelDir;

    const std::string genPath = util::joinPath(modelDir, "generation_config.json");
    if (util::fileExists(genPath)) {
        const json g = parseJson(util::readTextFile(genPath), genPath);
        if (!g.is_object()) throwBadInput(genPath + ": expected a JSON object");
        if (g.contains("eos_token_id")) {
            auto ids = idList(g["eos_token_id"], "eos_token_id", c.text.vocabSize, genPath);
            if (!ids.empty()) c.eosTokenIds = ids;
        }
        GenerationDefaults& gd = c.generation;
        gd.doSample = opt<bool>(g, "do_sample", false);
        gd.temperature = realIn(opt<double>(g, "temperature", 1.0), "temperature", 0, 1e6, true, genPath);
        gd.topP = realIn(opt<double>(g, "top_p", 1.0), "top_p", 0, 1, false, genPath);
        gd.topK = optInt(g, "top_k", 0, 0, c.text.vocabSize, genPath);
        gd.repetitionPenalty = realIn(opt<double>(g, "repetition_penalty", 1.0), "repetition_penalty", 0, 1e6, false, genPath);
        gd.maxNewTokens = optInt(g, "max_new_tokens", 0, 0, kMaxPositions, genPath);
    }
    if (c.eosTokenIds.empty()) throwBadInput(cfgPath + ": no eos_token_id in config.json or generation_config.json");

    // transformers 4 saves preprocessor_config.json; transformers 5 may save only processor_config.json,
    // with the image processor's settings in its "image_processor" object. The first one present wins,
    // as in transformers (which reads preprocessor_config.json first).
    std::string ppPath = util::joinPath(modelDir, "preprocessor_config.json");
    json p;
    if (util::fileExists(ppPath)) {
        p = parseJson(util::readTextFile(ppPath), ppPath);
        if (!p.is_object()) throwBadInput(ppPath + ": expected a JSON object");
    } else {
        ppPath = util::joinPath(modelDir, "processor_config.json");
        if (!util::fileExists(ppPath)) throwBadInput(modelDir + " has neither preprocessor_config.json nor processor_config.json");
        const json whole = parseJson(util::readTextFile(ppPath), ppPath);
        if (!whole.is_object() || !whole.contains("image_processor") || !whole["image_processor"].is_object())
            throwBadInput(ppPath + ": expected a JSON object with an \"image_processor\" object");
        p = whole["image_processor"];
        ppPath += " image_processor";
    }
    // Only bicubic (PIL's 3, torchvision's "bicubic") is implemented; another resample would give other pixels.
    if (p.contains("resample") && !p["resample"].is_null()) {
        const json& r = p["resample"];
        const bool bicubic = (r.is_number_integer() && r.get<int64_t>() == 3) || (r.is_string() && r.get<std::string>() == "bicubic");
        if (!bicubic) throwBadInput(ppPath + ": resample " + r.dump() + " is not supported (bicubic, 3, only)");
    }
    ImageProcessorConfig& ic = c.image;
    // Compared with config.json's values before narrowing to int (a 2^32 + 14 must not pass as 14).
    const int64_t patch = optInt(p, "patch_size", c.vision.patchSize, 1, 1 << 10, ppPath);
    const int64_t temporal = optInt(p, "temporal_patch_size", c.vision.temporalPatchSize, 1, 64, ppPath);
    const int64_t merge = optInt(p, "merge_size", c.vision.spatialMergeSize, 1, 64, ppPath);
    if (patch != c.vision.patchSize || temporal != c.vision.temporalPatchSize || merge != c.vision.spatialMergeSize)
        throwBadInput(ppPath + ": patch_size / temporal_patch_size / merge_size disagree with config.json vision_config");
    ic.patchSize = static_cast<int>(patch);
    ic.temporalPatchSize = static_cast<int>(temporal);
    ic.mergeSize = static_cast<int>(merge);
    if (p.contains("size") && p["size"].is_object()) {
        ic.minPixels = needInt(p["size"], "shortest_edge", 1, kMaxImagePixelsBudget, ppPath + " size");
        ic.maxPixels = needInt(p["size"], "longest_edge", 1, kMaxImagePixelsBudget, ppPath + " size");
    } else {
        ic.minPixels = needInt(p, "min_pixels", 1, kMaxImagePixelsBudget, ppPath);
        ic.maxPixels = needInt(p, "max_pixels", 1, kMaxImagePixelsBudget, ppPath);
    }
    ic.rescaleFactor = realIn(opt<double>(p, "rescale_factor", 1.0 / 255.0), "rescale_factor", 0, 1e6, false, ppPath);
    auto mean = need<std::vector<double>>(p, "image_mean", ppPath);
    auto stdv = need<std::vector<double>>(p, "image_std", ppPath);
    if (mean.size() != 3 || stdv.size() != 3) throwBadInput(ppPath + ": image_mean and image_std need 3 values");
    for (int i = 0; i < 3; ++i) {
        ic.mean[i] = static_cast<float>(realIn(mean[i], "image_mean", -1e6, 1e6, true, ppPath));
        ic.std[i] = static_cast<float>(realIn(stdv[i], "image_std", -1e6, 1e6, true, ppPath));
        if (ic.std[i] == 0) throwBadInput(ppPath + ": image_std has a zero");
    }
    if (ic.minPixels <= 0 || ic.maxPixels < ic.minPixels) throwBadInput(ppPath + ": size limits are not sensible");
    c.video = loadVideoProcessorConfig(modelDir, c, p);
    return c;
}

}  // namespace sightline
