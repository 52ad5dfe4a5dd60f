// The inference engine's public API: load a GLM-4V checkpoint, then run requests against it.
// No torch types here (pimpl): the UI and CLI include only plain structs and callbacks.
//
// Threads: a Model is immutable once loaded (weights, config, tokenizer) and may be shared by any
// number of threads and schedulers; every const method may be called from any thread. It holds no
// request state: requests run through a Scheduler (scheduler.h; generateOnce there for a single
// one), which owns the KV caches, the image-embedding cache and the decode thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sightline/chat.h"
#include "sightline/chat_template.h"
#include "sightline/config.h"
#include "sightline/error.h"
#include "sightline/image.h"
#include "sightline/tokenizer.h"

namespace sightline {

enum class DeviceKind { Cpu, Cuda };
enum class DType { Float32, BFloat16, Float16 };

const char* dtypeName(DType dtype);
std::optional<DType> parseDType(const std::string& name);
std::optional<DeviceKind> parseDevice(const std::string& name);
bool cudaAvailable();

struct LoadProgress {
    std::string stage;  // "config", "tokenizer", "weights", "ready"
    int64_t done = 0;   // tensors (or bytes) done
    int64_t total = 0;
    std::string detail;  // current file or tensor
};

struct LoadOptions {
    std::string modelDir;
    DeviceKind device = DeviceKind::Cpu;
    int deviceIndex = 0;
    DType dtype = DType::Float32;
    // Random weights of the right shapes instead of the safetensors files (benchmarks).
    bool randomWeights = false;
    uint64_t randomSeed = 0;
    // With randomWeights: the architecture comes from this config.json (e.g. the full GLM-4.6V-Flash
    // config), while tokenizer, preprocessor and special-token ids come from modelDir.
    std::string randomConfigPath;
    // INT8 weight-only decoder: every text linear and lm_head stored as int8 with one scale per
    // output channel (absmax / 127); activations stay in `dtype`. The vision tower is unchanged.
    bool int8Weights = false;
    // The image-processor backend requests reproduce unless they choose (GenerationParams::imageResize):
    // front ends read it through their backend's defaultParams().
    ImageResize imageResize = kDefaultImageResize;
    std::function<void(const LoadProgress&)> onProgress;  // called on the loading thread
    const std::atomic<bool>* cancel = nullptr;            // checked between tensors
};

struct SamplingParams {
    double temperature = 1.0;  // <= 0: greedy
    double topP = 1.0;
    int64_t topK = 0;
    double repetitionPenalty = 1.0;
    uint64_t seed = 0;
    bool greedy() const { return temperature <= 0; }
};

// The resampler of an image-processor backend: Pil is pilResampler(); Torchvision runs torch's own
// antialiased bicubic kernel, exactly as transformers' torchvision backend does on the CPU.
Resampler resamplerFor(ImageResize kind);

struct GenerationParams {
    SamplingParams sampling;
    int64_t maxNewTokens = 512;
    bool ignoreEos = false;
    bool enableThinking = true;
    // The caller chose enableThinking (the API: chat_template_kwargs.enable_thinking was sent). The
    // chat template gets enable_thinking when it was chosen or is false, and otherwise none at all,
    // as transformers renders without the kwarg.
    bool enableThinkingSet = false;
    int64_t maxImagePixels = 0;  // 0: the checkpoint's limit
    // Pixels of all sampled frames of a video together (the video processor's size.longest_edge);
    // 0: the checkpoint's. Lower it to make a long video cost fewer tokens.
    int64_t maxVideoPixels = 0;
    // Which of transformers' image-processor backends to reproduce (image.h); the default is what
    // transformers 5's AutoProcessor picks.
    ImageResize imageResize = kDefaultImageResize;
    // Who asked (the API's JWT `sub`, "api-key", …), for the monitor; returned in GenerateResult::caller.
    std::string caller;
    int topLogprobs = 0;        // per generated token, the top-N alternatives with logprobs
    bool useImageCache = true;  // reuse embeddings of an image seen before (benchmarks turn it off)
    // The tools the model may call this request (a JSON list, OpenAI's "tools"); empty: none. Rendered
    // by the checkpoint's chat template; a checkpoint without one refuses tools.
    std::string toolsJson;
    bool usePrefixCache = true;  // start from a finished request's KV where the prompts agree, and keep
                                 // this one's for later (benchmarks turn it off to time cold prefills)
};

// Fills params.sampling / maxNewTokens from generation_config.json defaults.
GenerationParams defaultGenerationParams(const ModelConfig& config);

enum class FinishReason { Stop, Length, Cancelled };
const char* finishReasonName(FinishReason reason);

struct RequestStats {
    double preprocessMs = 0;
    double visionMs = 0;
    double prefillMs = 0;
    double ttftMs = 0;  // request start to the first generated token
    double decodeMs = 0;
    double decodeTokensPerS = 0;
    double prefillTokensPerS = 0;
    double totalMs = 0;
    int64_t promptTokens = 0;
    int64_t imageTokens = 0;
    int64_t imagesFromCache = 0;     // images whose embeddings came from the image cache
    int64_t cachedPromptTokens = 0;  // prompt positions whose KV was reused from an earlier request
    int64_t generatedTokens = 0;
    int64_t peakMemoryBytes = 0;  // device peak (CUDA allocator) or process peak RSS on CPU
    std::string device;
};

struct TokenLogprob {
    int64_t id = 0;
    float logprob = 0;
};

struct TokenEvent {
    int64_t tokenId = 0;
    std::string textDelta;  // complete UTF-8 only; may be empty
    float logprob = 0;      // of the chosen token under the (unfiltered) model distribution
    std::vector<TokenLogprob> top;
};

struct GenerateResult {
    std::string text;
    std::vector<int64_t> outputIds;
    int64_t promptTokens = 0;
    FinishReason finishReason = FinishReason::Stop;
    RequestStats stats;
    std::vector<TokenEvent> tokens;  // per generated token: id, logprob, top alternatives
    std::string caller;              // GenerationParams::caller of the request
};

using TokenCallback = std::function<void(const TokenEvent&)>;

struct ImageSummary {
    PreprocessedImage preprocessed;  // pixel values included
};

class Model {
public:
    // Loads config, tokenizer and weights. Throws Error(BadInput) naming the file / tensor at fault,
    // Error(Cancelled) when options.cancel was set, Error(OutOfMemory) when allocation failed.
    static std::shared_ptr<Model> load(const LoadOptions& options);
    ~Model();

    const ModelConfig& config() const;
    std::shared_ptr<const Tokenizer> tokenizer() const;
    std::string deviceName() const;
    DType dtype() const;
    int64_t parameterCount() const;
    int64_t weightBytes() const;  // as resident (after fusion / quantization)
    bool int8Weights() const;

    // How prompts are written: the checkpoint's own chat template, or the built-in GLM format.
    const PromptFormat& promptFormat() const;
    // Prompt ids after image-token expansion for these messages (no model run).
    // cancel (may be null): set, a video being decoded stops with Error(Cancelled).
    std::vector<int64_t> promptIds(const std::vector<ChatMessage>& messages, const GenerationParams& params,
                                   std::vector<PreprocessedImage>* images = nullptr, const std::atomic<bool>* cancel = nullptr) const;
    PreprocessedImage preprocess(const RgbImage& image, int64_t maxImagePixels = 0, ImageResize resize = kDefaultImageResize) const;

    struct Impl;  // engine-internal (model/model_impl.h)

private:
    friend const Impl& modelImpl(const Model& model);
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

struct DeviceMemory {
    int64_t allocatedBytes = 0;  // by this process's tensors (CUDA caching allocator)
    int64_t reservedBytes = 0;   // held by the allocator
    int64_t peakAllocatedBytes = 0;
    int64_t deviceUsedBytes = 0;  // all processes (cudaMemGetInfo)
    int64_t deviceTotalBytes = 0;
    std::string deviceName;
};
DeviceMemory queryDeviceMemory(DeviceKind device, int index = 0);

struct GpuUtilization {
    int gpuPercent = -1;     // -1: not available
    int memoryPercent = -1;  // memory-controller busy
    std::string note;        // why not, when not
};
// Through NVML loaded at run time; absent NVML or no GPU gives -1 and a note, never an error.
GpuUtilization queryGpuUtilization(int index = 0);
std::string libtorchVersion();

// What runs underneath, for an About box; an empty field where there is no CUDA, driver or NVML.
// Any thread; the first call may start CUDA (slow): ask for it when it is shown.
struct RuntimeVersions {
    std::string libtorch;
    std::string cudaRuntime;   // "12.4": the CUDA runtime libtorch was built with
    std::string cudaDriver;    // "12.6": the newest CUDA the installed driver supports
    std::string nvidiaDriver;  // "550.54.15" (NVML)
    std::string gpu;           // name of GPU 0
};
RuntimeVersions runtimeVersions();

}  // namespace sightline
