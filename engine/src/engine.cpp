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

std::vector<int64_t> Model::promptIds(const std::vector<ChatMessage>& messages, const GenerationParams& params,
                                      std::vector<PreprocessedImage>* images) const {
    const auto& c = m_impl->config;
    ChatTemplateOptions opts;
    opts.enableThinking = params.enableThinking;
    opts.passEnableThinking = params.enableThinkingSet || !params.enableThinking;
    opts.toolsJson = params.toolsJson;
    const std::string prompt = m_impl->promptFormat.render(messages, opts);
    const std::vector<int64_t> raw = m_impl->tokenizer->encode(prompt);
    std::vector<PreprocessedImage> pre;
    for (const auto& m : messages)
        for (const auto& part : m.content)
            if (part.type == ContentPart::Type::Image) {
                if (!part.image) throwBadInput("image part without a decoded image");
                pre.push_back(preprocess(*part.image, params.maxImagePixels, params.imageResize));
            }
    std::vector<int64_t> ids;
    size_t img = 0;
    for (int64_t id : raw) {
        if (id != c.imageTokenId) {
            ids.push_back(id);
            continue;
        }
        if (img >= pre.size())
            throwBadInput("the prompt (" + m_impl->promptFormat.describe() + ") holds more <|image|> markers than the " +
                          std::to_string(pre.size()) + " images given (an image marker typed as text?)");
        ids.insert(ids.end(), static_cast<size_t>(pre[img].numTokens), c.imageTokenId);
        ++img;
    }
    if (img != pre.size())
        throwBadInput("the prompt (" + m_impl->promptFormat.describe() + ") renders " + std::to_string(img) + " image markers for " +
                      std::to_string(pre.size()) + " images: the template does not render some image parts (a part type it ignores?)");
    if (images) *images = std::move(pre);
    return ids;
}

}  // namespace sightline
