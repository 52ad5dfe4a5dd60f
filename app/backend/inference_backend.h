// The one seam between the front ends (chat window, local API, moderation queue, benchmark) and
// whatever answers requests: the local engine today (LocalBackend), a remote OpenAI-compatible
// server later, a scripted fake in tests (tests/support/fake_backend.h). Qt-free.
//
// Threads: every method may be called from any thread. submit() never blocks on generation; its
// onToken runs on the backend's own thread (the scheduler's), so it must be quick. load() blocks
// the calling thread (the chat worker's) and cancels what still runs on the previous model.
// Ownership: front ends share one backend through std::shared_ptr; it owns the model and the
// scheduler, and nobody else reaches them.
#pragma once

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sightline/engine.h"
#include "sightline/scheduler.h"

namespace sightline::app {

// What a front end may know about the loaded model (empty fields while none is loaded).
struct ModelInfo {
    std::string id;       // "architecture:model folder": recorded with every moderation verdict
    std::string name;     // the model folder's name ("glm-4.6v-flash"): what the API lists
    std::string summary;  // "glm4v-tiny (0.01B params, float32)": the window's status line
    std::string device;   // "cpu", "cuda:0 (NVIDIA H200)"
    DeviceKind deviceKind = DeviceKind::Cpu;
    std::string dtype;  // "float32", "bfloat16", …
    bool int8Weights = false;
    int64_t parameters = 0;
    int64_t weightBytes = 0;
};

class InferenceBackend {
public:
    using CompletionObserver = std::function<void(RequestSource, const GenerateResult&)>;
    virtual ~InferenceBackend() = default;

    virtual void load(const LoadOptions& options) = 0;  // throws sightline::Error
    virtual bool loaded() const = 0;
    virtual ModelInfo modelInfo() const = 0;

    // Queues one request. The future gives the result, or throws the request's sightline::Error
    // (no model loaded: Error(BadInput)). cancel, when given, must outlive the request.
    virtual std::future<GenerateResult> submit(RequestSource source, const std::vector<ChatMessage>& messages,
                                               const GenerationParams& params, TokenCallback onToken = {},
                                               const std::atomic<bool>* cancel = nullptr) const = 0;
    // submit(…).get(): for callers that have nothing else to do meanwhile.
    GenerateResult generate(RequestSource source, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                            TokenCallback onToken = {}, const std::atomic<bool>* cancel = nullptr) const {
        return submit(source, messages, params, std::move(onToken), cancel).get();
    }

    // The checkpoint's generation defaults (generation_config.json); GenerationParams{} when none.
    virtual GenerationParams defaultParams() const { return {}; }
    // The tokenizer, for showing token ids as text (API logprobs); null when the backend has none.
    virtual std::shared_ptr<const Tokenizer> tokenizer() const { return nullptr; }
    // Requests decoded together; moderation keeps one free for the chat.
    virtual int batchSlots() const { return 1; }
    // Queue and batch counters, or nothing (no model, or a backend without a scheduler).
    virtual std::optional<SchedulerCounters> counters() const { return std::nullopt; }
    // Sees every request the backend finishes, whatever its source (kept across model reloads).
    // Called on the backend's thread: quick, and never submits.
    virtual void setCompletionObserver(CompletionObserver observer) = 0;
    // How the model would see an image (size, tokens): for the composer's pre-flight, called on a
    // pool thread. Throws Error(BadInput) without a model.
    virtual PreprocessedImage preflight(const RgbImage& image, int64_t maxPixels) const = 0;
    // What a video would cost (sampled frames, frame size, tokens) under the model's video processor;
    // frames 0 when the backend cannot tell (a remote server samples it). Pool thread; throws as preflight.
    virtual VideoCost videoPreflight(const VideoInfo& video, int64_t maxVideoPixels) const {
        (void)video;
        (void)maxVideoPixels;
        return {};
    }
};

}  // namespace sightline::app
