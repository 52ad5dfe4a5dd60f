// Model: load a checkpoint (immutable afterwards), render prompts. Requests run through the
// Scheduler (scheduler/); the public API carries plain structs.
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include "model/glm4v_weights.h"
#include "model/model_impl.h"
#include "runtime/device.h"
#include "runtime/guarded.h"
#include "sightline/engine.h"
#include "util/files.h"

namespace sightline {

GenerationParams defaultGenerationParams(const ModelConfig& c) {
    GenerationParams p;
    const auto& g = c.generation;
    p.sampling.temperature = g.doSample ? g.temperature : 0.0;
    p.sampling.topP = g.topP;
    p.sampling.topK = g.topK;
    p.sampling.repetitionPenalty = g.repetitionPenalty;
    if (g.maxNewTokens > 0) p.maxNewTokens = g.maxNewTokens;
    return p;
}

namespace {

at::ScalarType toScalar(DType d) {
    switch (d) {
        case DType::Float32:
            return at::kFloat;
        case DType::BFloat16:
            return at::kBFloat16;
        case DType::Float16:
            return at::kHalf;
    }
    return at::kFloat;
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Model::~Model() = default;

const Model::Impl& modelImpl(const Model& model) {
    return *model.m_impl;
}

std::shared_ptr<Model> Model::load(const LoadOptions& o) {
    c10::InferenceMode inference;
    auto impl = std::make_unique<Impl>();
    auto report = [&](const char* stage, const std::string& detail) {
        if (o.onProgress) o.onProgress({stage, 0, 0, detail});
    };
    report("config", o.modelDir);
    impl->config = loadModelConfig(o.modelDir);
    if (o.randomWeights && !o.randomConfigPath.empty()) {
        // Architecture from the given config; ids and image limits stay those of modelDir's
        // tokenizer so prompts encode the same way (the cost of a step does not depend on ids).
        const ModelConfig base = impl->config;
        ModelConfig arch = parseModelConfigJson(util::readTextFile(o.randomConfigPath), o.randomConfigPath);
        arch.modelDir = base.modelDir;
        arch.imageTokenId = base.imageTokenId;
        arch.imageStartTokenId = base.imageStartTokenId;
        arch.imageEndTokenId = base.imageEndTokenId;
        arch.videoTokenId = base.videoTokenId;
        arch.videoStartTokenId = base.videoStartTokenId;
        arch.videoEndTokenId = base.videoEndTokenId;
        arch.padTokenId = base.padTokenId;
        arch.eosTokenIds = base.eosTokenIds;
        arch.generation = base.generation;
        ImageProcessorConfig image = base.image;
        image.maxPixels = std::max(base.image.maxPixels, int64_t(9633792));  // the real checkpoint's budget
        arch.image = image;
        impl->config = arch;
    }
    const std::string tokPath = util::joinPath(o.modelDir, "tokenizer.json");
    report("tokenizer", tokPath);
    if (!util::fileExists(tokPath)) throwBadInput(o.modelDir + " has no tokenizer.json");
    impl->tokenizer = Tokenizer::fromFile(tokPath);
    // A template the interpreter cannot run is refused here, at load, naming the construct.
    impl->promptFormat = PromptFormat::load(o.modelDir);
    const auto& c = impl->config;
    // The prompt format writes these markers as text; the tokenizer must map them to config's ids.
    for (auto [marker, id] : {std::pair<const char*, int64_t>{"<|image|>", c.imageTokenId},
                              {"<|begin_of_image|>", c.imageStartTokenId},
                              {"<|end_of_image|>", c.imageEndTokenId}}) {
        auto tid = impl->tokenizer->tokenId(marker);
        if (!tid || *tid != id)
            throwBadInput(tokPath + ": token " + marker + " is " + (tid ? std::to_string(*tid) : std::string("missing")) +
                          " but config.json says " + std::to_string(id) + " (tokenizer and config from different models?)");
    }
    if (impl->tokenizer->vocabSize() > c.text.vocabSize)
        throwBadInput(tokPath + ": tokenizer has " + std::to_string(impl->tokenizer->vocabSize()) + " ids but config.json vocab_size is " +
                      std::to_string(c.text.vocabSize));
    impl->device = runtime::toDevice(o.device, o.deviceIndex);
    impl->dtype = o.dtype;
    impl->options = at::TensorOptions().dtype(toScalar(o.dtype)).device(impl->device);
    impl->weights = runtime::guarded("weight loading", impl->device, [&] { return loadGlm4vWeights(c, o, impl->options); });
    // Loading fuses q|k|v and gate|up through temporaries; hand their blocks back so idle VRAM is
    // the weights, not the weights plus the allocator's leftovers.
    runtime::releaseCachedMemory(impl->device);
    if (o.onProgress) o.onProgress({"ready", 1, 1, runtime::describeDevice(impl->device)});
    return std::shared_ptr<Model>(new Model(std::move(impl)));
}

const PromptFormat& Model::promptFormat() const {
    return m_impl->promptFormat;
}

const ModelConfig& Model::config() const {
    return m_impl->config;
}
std::shared_ptr<const Tokenizer> Model::tokenizer() const {
    return m_impl->tokenizer;
}
std::string Model::deviceName() const {
    return runtime::describeDevice(m_impl->device);
}
DType Model::dtype() const {
    return m_impl->dtype;
}
int64_t Model::parameterCount() const {
    return m_impl->weights.parameterCount;
}
int64_t Model::weightBytes() const {
    return m_impl->weights.bytes;
}
bool Model::int8Weights() const {
    return m_impl->weights.text.lmHeadScale.defined();
}

PreprocessedImage Model::preprocess(const RgbImage& image, int64_t maxImagePixels, ImageResize resize) const {
    return preprocessImage(image, m_impl->config.image, maxImagePixels, resamplerFor(resize));
}

namespace {

// A video's frame pairs for this model, from the source's cache when the same settings made them.
std::shared_ptr<const PreprocessedVideo> preprocessedVideo(const VideoSource& src, const ModelConfig& c, const GenerationParams& params,
                                                           const std::string& contextNote, const std::atomic<bool>* cancel) {
    const VideoProcessorConfig& vc = c.video;
    const std::string key = std::string(videoSamplerName(vc.sampler)) + "|" + std::to_string(vc.maxPixels) + "|" +
                            std::to_string(vc.minPixels) + "|" + std::to_string(params.maxVideoPixels) + "|" + std::to_string(vc.patchSize);
    if (src.cache) {
        std::lock_guard<std::mutex> lock(src.cache->mutex);
        if (src.cache->video && src.cache->key == key) return src.cache->video;
    }
    // The cost first: a video that cannot fit the context is refused before anything is decoded.
    const VideoCost cost = estimateVideoCost(src.info, vc, params.maxVideoPixels);
    if (cost.tokens >= c.text.maxPositionEmbeddings)
        throwBadInput(src.name + ": the video takes " + std::to_string(cost.tokens) + " tokens (" + std::to_string(cost.frames) +
                      " frames at " + std::to_string(cost.frameSize.width) + "x" + std::to_string(cost.frameSize.height) +
                      "), more than the model's context of " + std::to_string(c.text.maxPositionEmbeddings) + contextNote);
    // transformers' video processors have only the torchvision backend.
    VideoDecodeOptions options;
    options.cancel = cancel;
    const DecodedVideo decoded = decodeVideo(src, vc, resamplerFor(ImageResize::Torchvision), params.maxVideoPixels, options);
    auto out = std::make_shared<const PreprocessedVideo>(preprocessVideo(decoded, vc, ImageResize::Torchvision));
    if (src.cache) {
        std::lock_guard<std::mutex> lock(src.cache->mutex);
        src.cache->key = key;
        src.cache->video = out;
    }
    return out;
}

}  // namespace

std::vector<int64_t> Model::promptIds(const std::vector<ChatMessage>& messages, const GenerationParams& params,
                                      std::vector<PreprocessedImage>* images, const std::atomic<bool>* cancel) const {
    const auto& c = m_impl->config;
    const Tokenizer& tok = *m_impl->tokenizer;
    ChatTemplateOptions opts;
    opts.enableThinking = params.enableThinking;
    opts.passEnableThinking = params.enableThinkingSet || !params.enableThinking;
    opts.toolsJson = params.toolsJson;
    const std::string prompt = m_impl->promptFormat.render(messages, opts);
    const std::vector<int64_t> raw = tok.encode(prompt);
    // Images and videos in message order; a video stands for its frame pairs.
    struct Media {
        PreprocessedImage image;
        std::shared_ptr<const PreprocessedVideo> video;
    };
    std::vector<Media> media;
    for (const auto& m : messages)
        for (const auto& part : m.content) {
            if (part.type == ContentPart::Type::Image) {
                if (!part.image) throwBadInput("image part without a decoded image");
                media.push_back({preprocess(*part.image, params.maxImagePixels, params.imageResize), nullptr});
            } else if (part.type == ContentPart::Type::Video) {
                if (!part.video) throwBadInput("video part without a video");
                media.push_back(
                    {{},
                     preprocessedVideo(*part.video, c, params, " (lower the video budget, --max-video-pixels, or cut the clip)", cancel)});
            }
        }
    // The markers as the processor finds them: transformers looks the video tokens up in the tokenizer.
    const int64_t videoToken = tok.tokenId("<|video|>").value_or(c.videoTokenId);
    const int64_t beginImage = c.imageStartTokenId, endImage = c.imageEndTokenId;
    std::vector<PreprocessedImage> pre;
    std::vector<int64_t> ids;
    size_t next = 0;
    auto take = [&](bool video) -> Media& {
        if (next >= media.size())
            throwBadInput("the prompt (" + m_impl->promptFormat.describe() + ") holds more " + (video ? "<|video|>" : "<|image|>") +
                          " markers than the " + std::to_string(media.size()) + " images and videos given (a marker typed as text?)");
        Media& md = media[next++];
        if (bool(md.video) != video)
            throwBadInput("the prompt (" + m_impl->promptFormat.describe() + ") puts an " + (video ? "video" : "image") +
                          " marker where the " + std::to_string(next) + ". attachment is an " + (video ? "image" : "video"));
        return md;
    };
    for (int64_t id : raw) {
        if (id == c.imageTokenId) {
            Media& md = take(false);
            ids.insert(ids.end(), static_cast<size_t>(md.image.numTokens), c.imageTokenId);
            pre.push_back(std::move(md.image));
        } else if (id == videoToken && videoToken >= 0) {
            // transformers' replace_video_token: per frame pair, the pair's image tokens and its timestamp.
            const Media& md = take(true);
            for (size_t k = 0; k < md.video->pairs.size(); ++k) {
                const PreprocessedImage& pair = md.video->pairs[k];
                ids.push_back(beginImage);
                ids.insert(ids.end(), static_cast<size_t>(pair.numTokens), c.imageTokenId);
                ids.push_back(endImage);
                const std::vector<int64_t> ts = tok.encode(videoTimestampText(c.video.sampler, md.video->pairTimestamps[k]));
                ids.insert(ids.end(), ts.begin(), ts.end());
                pre.push_back(pair);
            }
        } else {
            ids.push_back(id);
        }
    }
    if (next != media.size())
        throwBadInput("the prompt (" + m_impl->promptFormat.describe() + ") renders " + std::to_string(next) +
                      " image or video markers for " + std::to_string(media.size()) +
                      " attachments: the template does not render some parts (a part type it ignores?)");
    if (images) *images = std::move(pre);
    return ids;
}

}  // namespace sightline
