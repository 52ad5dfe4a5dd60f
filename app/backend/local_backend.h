// The local engine behind the InferenceBackend seam: one Model and one continuous-batching
// Scheduler that every front end's requests share (round-robin by source, see scheduler.h).
#pragma once

#include <mutex>

#include "inference_backend.h"

namespace sightline::app {

class LocalBackend : public InferenceBackend {
public:
    // Four slots of 4,096 positions: 0.67 GB of bf16 KV cache on GLM-4.6V-Flash, allocated at the
    // first request; longer requests get a lane of their own.
    static constexpr int kBatchSlots = 4;
    static SchedulerOptions defaultSchedulerOptions();
    explicit LocalBackend(SchedulerOptions options = defaultSchedulerOptions());
    ~LocalBackend() override;  // stops the scheduler: what is queued or running resolves cancelled

    void load(const LoadOptions& options) override;
    bool loaded() const override;
    ModelInfo modelInfo() const override;
    std::future<GenerateResult> submit(RequestSource source, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                                       TokenCallback onToken = {}, const std::atomic<bool>* cancel = nullptr) const override;
    GenerationParams defaultParams() const override;
    std::shared_ptr<const Tokenizer> tokenizer() const override;
    int batchSlots() const override { return m_options.maxBatch; }
    std::optional<SchedulerCounters> counters() const override;
    void setCompletionObserver(CompletionObserver observer) override;
    PreprocessedImage preflight(const RgbImage& image, int64_t maxPixels) const override;
    VideoCost videoPreflight(const VideoInfo& video, int64_t maxVideoPixels) const override;

private:
    const SchedulerOptions m_options;
    mutable std::mutex m_mutex;  // guards the three below (load on the chat worker, the rest from anywhere)
    std::shared_ptr<const Model> m_model;
    std::shared_ptr<Scheduler> m_scheduler;
    CompletionObserver m_observer;
    ImageResize m_imageResize = kDefaultImageResize;  // LoadOptions::imageResize of the last load
};

}  // namespace sightline::app
