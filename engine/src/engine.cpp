// Model: load a checkpoint, then serve requests. Everything torch-shaped stays in this file and
// the model/ folder; the public API carries plain structs.
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <chrono>
#include <cstring>

#include "arch/glm4v_rope.h"
#include "model/glm4v_forward.h"
#include "model/glm4v_weights.h"
#include "model/model_impl.h"
#include "runtime/device.h"
#include "sampling/sampler.h"
#include "sightline/engine.h"
#include "util/files.h"

namespace sightline {

using Clock = std::chrono::steady_clock;
static double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

const char* dtypeName(DType d) {
    switch (d) {
        case DType::Float32: return "float32";
        case DType::BFloat16: return "bfloat16";
        case DType::Float16: return "float16";
    }
    return "float32";
}

std::optional<DType> parseDType(const std::string& s) {
    if (s == "float32" || s == "fp32" || s == "f32") return DType::Float32;
    if (s == "bfloat16" || s == "bf16") return DType::BFloat16;
    if (s == "float16" || s == "fp16" || s == "f16" || s == "half") return DType::Float16;
    return std::nullopt;
}

std::optional<DeviceKind> parseDevice(const std::string& s) {
    if (s == "cpu") return DeviceKind::Cpu;
    if (s == "cuda" || s == "gpu") return DeviceKind::Cuda;
    return std::nullopt;
}

const char* finishReasonName(FinishReason r) {
    switch (r) {
        case FinishReason::Stop: return "stop";
        case FinishReason::Length: return "length";
        case FinishReason::Cancelled: return "cancelled";
    }
    return "stop";
}

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
        case DType::Float32: return at::kFloat;
        case DType::BFloat16: return at::kBFloat16;
        case DType::Float16: return at::kHalf;
    }
    return at::kFloat;
}

// Runs f, turning allocation failures into Error(OutOfMemory) naming the phase, and other library
// errors into Error(Internal). Memory held by the allocator is released after an OOM.
template <typename F>
auto guarded(const char* phase, const at::Device& device, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const c10::OutOfMemoryError& e) {
        runtime::releaseCachedMemory(device);
        throw Error(ErrorKind::OutOfMemory, std::string("out of memory during ") + phase + " on " + runtime::describeDevice(device) +
                                                ": try a smaller image budget or fewer tokens");
    } catch (const std::bad_alloc&) {
        throw Error(ErrorKind::OutOfMemory, std::string("out of host memory during ") + phase);
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        throw Error(ErrorKind::Internal, std::string(phase) + ": " + e.what_without_backtrace());
    }
}

}  // namespace

uint64_t imageKey(const PreprocessedImage& im) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(im.gridT * 1000003 + im.gridH * 1009 + im.gridW);
    const auto* bytes = reinterpret_cast<const unsigned char*>(im.pixelValues.data());
    const size_t n = im.pixelValues.size() * sizeof(float);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, bytes + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    for (; i < n; ++i) h = (h ^ bytes[i]) * 0x94D049BB133111EBull;
    return h ^ (h >> 29);
}

at::Tensor Model::Impl::cachedImage(uint64_t key) const {
    std::lock_guard lock(imageCacheMutex);
    for (auto it = imageCache.begin(); it != imageCache.end(); ++it)
        if (it->first == key) {
            imageCache.splice(imageCache.begin(), imageCache, it);
            return it->second;
        }
    return {};
}

void Model::Impl::storeImage(uint64_t key, const at::Tensor& embeds) const {
    std::lock_guard lock(imageCacheMutex);
    imageCache.emplace_front(key, embeds);
    while (imageCache.size() > kImageCacheEntries) imageCache.pop_back();
}

Model::Model(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Model::~Model() = default;

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
    impl->weights = guarded("weight loading", impl->device, [&] { return loadGlm4vWeights(c, o, impl->options); });
    // Loading fuses q|k|v and gate|up through temporaries; hand their blocks back so idle VRAM is
    // the weights, not the weights plus the allocator's leftovers.
    runtime::releaseCachedMemory(impl->device);
    if (o.onProgress) o.onProgress({"ready", 1, 1, runtime::describeDevice(impl->device)});
    return std::shared_ptr<Model>(new Model(std::move(impl)));
}

const ModelConfig& Model::config() const { return m_impl->config; }
std::shared_ptr<const Tokenizer> Model::tokenizer() const { return m_impl->tokenizer; }
std::string Model::deviceName() const { return runtime::describeDevice(m_impl->device); }
DType Model::dtype() const { return m_impl->dtype; }
int64_t Model::parameterCount() const { return m_impl->weights.parameterCount; }
int64_t Model::weightBytes() const { return m_impl->weights.bytes; }
bool Model::int8Weights() const { return m_impl->weights.text.lmHeadScale.defined(); }

PreprocessedImage Model::preprocess(const RgbImage& image, int64_t maxImagePixels) const {
    return preprocessImage(image, m_impl->config.image, maxImagePixels);
}

std::vector<int64_t> Model::promptIds(const std::vector<ChatMessage>& messages, const GenerationParams& params,
                                      std::vector<PreprocessedImage>* images) const {
    const auto& c = m_impl->config;
    ChatTemplateOptions opts;
    opts.enableThinking = params.enableThinking;
    const std::string prompt = renderGlmChat(messages, opts);
    const std::vector<int64_t> raw = m_impl->tokenizer->encode(prompt);
    std::vector<PreprocessedImage> pre;
    for (const auto& m : messages)
        for (const auto& part : m.content)
            if (part.type == ContentPart::Type::Image) {
                if (!part.image) throwBadInput("image part without a decoded image");
                pre.push_back(preprocess(*part.image, params.maxImagePixels));
            }
    std::vector<int64_t> ids;
    size_t img = 0;
    for (int64_t id : raw) {
        if (id != c.imageTokenId) {
            ids.push_back(id);
            continue;
        }
        if (img >= pre.size()) throwBadInput("the prompt text contains more <|image|> markers than images were given");
        ids.insert(ids.end(), static_cast<size_t>(pre[img].numTokens), c.imageTokenId);
        ++img;
    }
    if (img != pre.size()) throw Error(ErrorKind::Internal, "image placeholders and images disagree");
    if (images) *images = std::move(pre);
    return ids;
}

GenerateResult Model::generate(const std::vector<ChatMessage>& messages, const GenerationParams& params, const TokenCallback& onToken,
                               const std::atomic<bool>* cancel) const {
    c10::InferenceMode inference;
    const Impl& m = *m_impl;
    const auto& c = m.config;
    const auto t0 = Clock::now();
    GenerateResult result;
    RequestStats& st = result.stats;
    st.device = runtime::describeDevice(m.device);
    runtime::resetPeakMemory(m.device);
    auto cancelled = [&] { return cancel && cancel->load(std::memory_order_relaxed); };
    auto finishCancelled = [&] {
        result.finishReason = FinishReason::Cancelled;
        st.totalMs = msSince(t0);
        st.peakMemoryBytes = runtime::peakMemoryBytes(m.device);
        return result;
    };

    std::vector<PreprocessedImage> images;
    const std::vector<int64_t> ids = promptIds(messages, params, &images);
    st.preprocessMs = msSince(t0);
    st.promptTokens = result.promptTokens = static_cast<int64_t>(ids.size());
    if (static_cast<int64_t>(ids.size()) >= c.text.maxPositionEmbeddings)
        throwBadInput("the prompt has " + std::to_string(ids.size()) + " tokens, the model's context is " +
                      std::to_string(c.text.maxPositionEmbeddings));
    const int64_t maxNew = std::max<int64_t>(0, std::min(params.maxNewTokens, c.text.maxPositionEmbeddings - static_cast<int64_t>(ids.size())));

    std::vector<ImageGrid> grids;
    for (const auto& im : images) {
        grids.push_back({im.gridT, im.gridH, im.gridW});
        st.imageTokens += im.numTokens;
    }
    const RopePositions rope = glm4vRopeIndex(ids, grids, c);
    if (cancelled()) return finishCancelled();

    // Vision
    const auto tv = Clock::now();
    at::Tensor imageEmbeds = guarded("vision encoding", m.device, [&] {
        if (images.empty()) return at::Tensor();
        std::vector<at::Tensor> parts;
        for (size_t i = 0; i < images.size(); ++i) {
            const PreprocessedImage& im = images[i];
            const uint64_t key = imageKey(im);
            at::Tensor e = params.useImageCache ? m.cachedImage(key) : at::Tensor();
            if (e.defined()) {
                ++st.imagesFromCache;
            } else {
                const int64_t rows = im.gridT * im.gridH * im.gridW;
                // from_blob aliases the preprocessed floats; the forward copies them to the device.
                at::Tensor pv = at::from_blob(const_cast<float*>(im.pixelValues.data()), {rows, static_cast<int64_t>(im.rowSize)},
                                              at::TensorOptions().dtype(at::kFloat));
                e = glm4vVisionForward(m.weights, c, pv, {grids[i]});
                m.storeImage(key, e);
            }
            parts.push_back(e);
        }
        at::Tensor out = parts.size() == 1 ? parts[0] : at::cat(parts, 0);
        runtime::synchronize(m.device);
        return out;
    });
    st.visionMs = msSince(tv);
    if (cancelled()) return finishCancelled();

    // Prefill (eager), into the KV cache of a CUDA-graph decoder when there is one.
    const auto tp = Clock::now();
    KvCache localCache;
    KvCache* kv = &localCache;
    struct GraphLease {  // hands a healthy graph back to the pool; one that saw an error is dropped
        DecodeGraphPool* pool;
        std::unique_ptr<DecodeGraph> graph;
        bool healthy = true;
        ~GraphLease() {
            if (graph && healthy) pool->release(std::move(graph));
        }
    } lease{&m.graphs, nullptr};
    at::Tensor logitsDevice;  // [V] float32 on the model's device
    at::Tensor pickDevice;    // [2] (argmax, logprob) computed inside the graph
    guarded("prefill", m.device, [&] {
        if (m.device.is_cuda()) {
            try {
                lease.graph = m.graphs.acquire(m.weights, c, static_cast<int64_t>(ids.size()) + maxNew, m.options);
            } catch (const c10::OutOfMemoryError&) {
                throw;
            } catch (const c10::Error&) {
                lease.graph.reset();  // capture unsupported here: decode eagerly
            }
            if (lease.graph) {
                kv = &lease.graph->cache();
                kv->length = 0;
            }
        }
        const auto i64 = at::TensorOptions().dtype(at::kLong);
        at::Tensor idsT = at::tensor(ids, i64).to(m.device);
        std::vector<int64_t> flat;
        for (const auto& s : rope.pos) flat.insert(flat.end(), s.begin(), s.end());
        at::Tensor pos = at::tensor(flat, i64).view({3, static_cast<int64_t>(ids.size())}).to(m.device);
        if (!lease.graph) localCache = makeKvCache(c, static_cast<int64_t>(ids.size()) + maxNew, m.options);
        at::Tensor emb = glm4vEmbed(m.weights, c, idsT, imageEmbeds);
        at::Tensor h = glm4vTextForward(m.weights, c, emb, pos, *kv);
        logitsDevice = glm4vLogits(m.weights, h);
        return 0;
    });
    imageEmbeds = at::Tensor();
    st.prefillMs = msSince(tp);
    st.prefillTokensPerS = st.prefillMs > 0 ? 1000.0 * static_cast<double>(ids.size()) / st.prefillMs : 0;

    // Decode
    Sampler sampler(params.sampling);
    std::vector<float> logits;
    const bool deviceGreedy = params.sampling.greedy() && params.sampling.repetitionPenalty == 1.0 && params.topLogprobs == 0;
    StreamDecoder stream(m.tokenizer);
    std::vector<int64_t> history = ids;
    Clock::time_point tFirst = Clock::now();
    result.finishReason = FinishReason::Length;
    for (int64_t step = 0; step < maxNew; ++step) {
        if (cancelled()) {
            result.finishReason = FinishReason::Cancelled;
            break;
        }
        TokenEvent ev;
        if (deviceGreedy) {
            // Argmax and its logprob on the device: two numbers cross to the host, not the vocabulary.
            at::Tensor pick = guarded("decoding", m.device, [&] {
                if (pickDevice.defined()) return pickDevice.cpu();
                return at::stack({logitsDevice.argmax().to(at::kFloat), logitsDevice.max() - at::logsumexp(logitsDevice, 0)}).cpu();
            });
            ev.tokenId = static_cast<int64_t>(pick[0].item<float>());
            ev.logprob = pick[1].item<float>();
        } else {
            at::Tensor l = guarded("decoding", m.device, [&] { return logitsDevice.cpu().contiguous(); });
            logits.assign(l.data_ptr<float>(), l.data_ptr<float>() + l.numel());
            ev.tokenId = sampler.next(logits, history, &ev.logprob, &ev.top, params.topLogprobs);
        }
        if (step == 0) {
            st.ttftMs = msSince(t0);
            tFirst = Clock::now();
        }
        history.push_back(ev.tokenId);
        result.outputIds.push_back(ev.tokenId);
        const bool isEos = std::find(c.eosTokenIds.begin(), c.eosTokenIds.end(), ev.tokenId) != c.eosTokenIds.end();
        const bool stop = isEos && !params.ignoreEos;
        if (!stop) ev.textDelta = stream.push(ev.tokenId);  // the stop token itself is not text
        result.text += ev.textDelta;
        if (onToken) onToken(ev);
        result.tokens.push_back(std::move(ev));
        if (stop) {
            result.finishReason = FinishReason::Stop;
            break;
        }
        if (step + 1 == maxNew) break;
        guarded("decoding", m.device, [&] {
            const int64_t p = kv->length + rope.ropeDelta;
            if (lease.graph) {
                lease.healthy = false;  // until the replay returns
                lease.graph->step(result.outputIds.back(), p, kv->length);
                lease.healthy = true;
                ++kv->length;
                logitsDevice = lease.graph->logits();
                pickDevice = lease.graph->pick();
                return 0;
            }
            const auto i64 = at::TensorOptions().dtype(at::kLong).device(m.device);
            at::Tensor idT = at::full({1}, result.outputIds.back(), i64);  // filled on the device: no host copy
            at::Tensor pos = at::full({3, 1}, p, i64);
            at::Tensor h = glm4vTextForward(m.weights, c, at::embedding(m.weights.text.embed, idT), pos, *kv);
            logitsDevice = glm4vLogits(m.weights, h);
            return 0;
        });
    }
    const std::string tail = stream.flush();
    result.text += tail;
    if (!tail.empty() && onToken) {
        TokenEvent ev;
        ev.tokenId = -1;
        ev.textDelta = tail;
        onToken(ev);
    }
    st.generatedTokens = static_cast<int64_t>(result.outputIds.size());
    // Decode rate counts the steps after the first token (the first one is part of time to first token).
    st.decodeMs = st.generatedTokens > 0 ? msSince(tFirst) : 0;
    if (st.generatedTokens > 1 && st.decodeMs > 0)
        st.decodeTokensPerS = 1000.0 * static_cast<double>(st.generatedTokens - 1) / st.decodeMs;
    st.totalMs = msSince(t0);
    st.peakMemoryBytes = runtime::peakMemoryBytes(m.device);
    return result;
}

}  // namespace sightline
