// What the worker threads drive: the real engine, or a scripted fake in timing-sensitive UI tests.
// load() runs on the chat worker thread; generate() may be called from several threads at once
// (chat worker, moderation runner): the engine backend queues them all on one continuous-batching
// scheduler, which admits them round-robin by source.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "sightline/engine.h"
#include "sightline/scheduler.h"

namespace sightline::app {

class InferenceBackend {
public:
    virtual ~InferenceBackend() = default;
    virtual void load(const LoadOptions& options) = 0;  // throws sightline::Error
    virtual bool loaded() const = 0;
    // Blocks until the request is done; onToken may run on another thread (the scheduler's).
    virtual GenerateResult generate(RequestSource source, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                                    const TokenCallback& onToken, const std::atomic<bool>* cancel) const = 0;
    // Requests decoded together (KV slots); moderation keeps one free for the chat.
    virtual int batchSlots() const { return 1; }
    // The shared scheduler's counters, or nothing when there is none (no model, fake backend).
    virtual std::optional<SchedulerCounters> schedulerCounters() const { return std::nullopt; }
    // The shared scheduler itself (the local API submits to it), or null.
    virtual std::shared_ptr<Scheduler> scheduler() const { return nullptr; }
    // Sees every request the scheduler finishes, whatever its source (kept across model reloads).
    virtual void setCompletionObserver(Scheduler::CompletionObserver) {}
    virtual std::string summary() const = 0;
    virtual std::string device() const = 0;
    virtual DeviceKind deviceKind() const = 0;
    virtual PreprocessedImage preflight(const RgbImage& image, int64_t maxPixels) const = 0;
    // The engine model behind the backend (benchmarks), or null.
    virtual std::shared_ptr<const Model> engineModel() const { return nullptr; }
};

class EngineBackend : public InferenceBackend {
public:
    void load(const LoadOptions& options) override;
    bool loaded() const override { return model() != nullptr; }
    GenerateResult generate(RequestSource source, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                            const TokenCallback& onToken, const std::atomic<bool>* cancel) const override;
    int batchSlots() const override { return kBatchSlots; }
    std::optional<SchedulerCounters> schedulerCounters() const override;
    std::shared_ptr<Scheduler> scheduler() const override;
    void setCompletionObserver(Scheduler::CompletionObserver observer) override;
    // Four slots of 4,096 positions: 0.67 GB of bf16 KV cache on GLM-4.6V-Flash, allocated at the
    // first request; longer requests get a lane of their own.
    static constexpr int kBatchSlots = 4;
    std::string summary() const override;
    std::string device() const override;
    DeviceKind deviceKind() const override;
    PreprocessedImage preflight(const RgbImage& image, int64_t maxPixels) const override;
    std::shared_ptr<const Model> engineModel() const override { return model(); }

private:
    std::shared_ptr<Model> model() const;
    mutable std::mutex m_mutex;  // guards m_model / m_scheduler / m_kind (load on the worker, preflight on the GUI thread)
    std::shared_ptr<Model> m_model;
    std::shared_ptr<Scheduler> m_scheduler;
    Scheduler::CompletionObserver m_observer;
    DeviceKind m_kind = DeviceKind::Cpu;
};

}  // namespace sightline::app
