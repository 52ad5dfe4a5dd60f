#include "inference_backend.h"

#include <filesystem>

namespace sightline::app {

std::shared_ptr<Model> EngineBackend::model() const {
    std::lock_guard lock(m_mutex);
    return m_model;
}

DeviceKind EngineBackend::deviceKind() const {
    std::lock_guard lock(m_mutex);
    return m_kind;
}

void EngineBackend::load(const LoadOptions& options) {
    std::shared_ptr<Scheduler> old;
    {
        std::lock_guard lock(m_mutex);
        old = std::move(m_scheduler);
        m_model.reset();  // release the old weights before the new ones arrive
    }
    // Cancels what still runs on the old model (the moderation runner may hold it too), so the old
    // weights are gone before the new ones load.
    if (old) old->stop();
    old.reset();
    std::shared_ptr<Model> loaded = Model::load(options);
    SchedulerOptions so;
    so.maxBatch = kBatchSlots;
    auto scheduler = std::make_shared<Scheduler>(loaded, so);
    std::lock_guard lock(m_mutex);
    scheduler->setCompletionObserver(m_observer);
    m_model = std::move(loaded);
    m_scheduler = std::move(scheduler);
    m_kind = options.device;
}

GenerateResult EngineBackend::generate(RequestSource source, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                                       const TokenCallback& onToken, const std::atomic<bool>* cancel) const {
    std::shared_ptr<Scheduler> s;
    {
        std::lock_guard lock(m_mutex);
        s = m_scheduler;
    }
    if (!s) throw Error(ErrorKind::BadInput, "no model is loaded");
    return s->submit(source, messages, params, onToken, cancel).get();
}

std::optional<SchedulerCounters> EngineBackend::schedulerCounters() const {
    std::lock_guard lock(m_mutex);
    if (!m_scheduler) return std::nullopt;
    return m_scheduler->counters();
}

void EngineBackend::setCompletionObserver(Scheduler::CompletionObserver observer) {
    std::lock_guard lock(m_mutex);
    m_observer = std::move(observer);
    if (m_scheduler) m_scheduler->setCompletionObserver(m_observer);
}

std::shared_ptr<Scheduler> EngineBackend::scheduler() const {
    std::lock_guard lock(m_mutex);
    return m_scheduler;
}

std::string EngineBackend::summary() const {
    auto m = model();
    if (!m) return {};
    const auto& c = m->config();
    const double b = static_cast<double>(m->parameterCount()) / 1e9;
    char buf[64];
    std::snprintf(buf, sizeof buf, " (%.2fB params, %s)", b, dtypeName(m->dtype()));
    return std::filesystem::path(c.modelDir).filename().string() + buf;
}

std::string EngineBackend::device() const {
    auto m = model();
    return m ? m->deviceName() : std::string();
}

PreprocessedImage EngineBackend::preflight(const RgbImage& image, int64_t maxPixels) const {
    auto m = model();
    if (!m) throw Error(ErrorKind::BadInput, "no model is loaded");
    return m->preprocess(image, maxPixels);
}

}  // namespace sightline::app
