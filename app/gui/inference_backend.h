// What the worker thread drives: the real engine, or a scripted fake in timing-sensitive UI tests.
// Methods are called on the worker thread only; memory() may be called from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "sightline/engine.h"

namespace sightline::app {

class InferenceBackend {
public:
    virtual ~InferenceBackend() = default;
    virtual void load(const LoadOptions& options) = 0;  // throws sightline::Error
    virtual bool loaded() const = 0;
    virtual GenerateResult generate(const std::vector<ChatMessage>& messages, const GenerationParams& params, const TokenCallback& onToken,
                                    const std::atomic<bool>* cancel) = 0;
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
    GenerateResult generate(const std::vector<ChatMessage>& messages, const GenerationParams& params, const TokenCallback& onToken,
                            const std::atomic<bool>* cancel) override;
    std::string summary() const override;
    std::string device() const override;
    DeviceKind deviceKind() const override;
    PreprocessedImage preflight(const RgbImage& image, int64_t maxPixels) const override;
    std::shared_ptr<const Model> engineModel() const override { return model(); }

private:
    std::shared_ptr<Model> model() const;
    mutable std::mutex m_mutex;  // guards m_model / m_kind (load on the worker, preflight on the GUI thread)
    std::shared_ptr<Model> m_model;
    DeviceKind m_kind = DeviceKind::Cpu;
};

}  // namespace sightline::app
