#include "local_backend.h"

#include <cstdio>
#include <filesystem>

namespace sightline::app {

SchedulerOptions LocalBackend::defaultSchedulerOptions() {
    SchedulerOptions o;
    o.maxBatch = kBatchSlots;
    return o;
}

LocalBackend::LocalBackend(SchedulerOptions options) : m_options(options) {}

LocalBackend::~LocalBackend() {
    std::shared_ptr<Scheduler> s;
    {
        std::lock_guard lock(m_mutex);
        s = std::move(m_scheduler);
    }
    if (s) s->stop();
}

void LocalBackend::load(const LoadOptions& options) {
    std::shared_ptr<Scheduler> old;
    {
        std::lock_guard lock(m_mutex);
        old = std::move(m_scheduler);
        m_model.reset();  // release the old weights before the new ones arrive
    }
    // Cancels what still runs on the old model (a moderation run may wait on it), so the old
    // weights are gone before the new ones load.
    if (old) old->stop();
    old.reset();
    std::shared_ptr<const Model> model = Model::load(options);
    auto scheduler = std::make_shared<Scheduler>(model, m_options);
    std::lock_guard lock(m_mutex);
    scheduler->setCompletionObserver(m_observer);
    m_model = std::move(model);
    m_imageResize = options.imageResize;
    m_scheduler = std::move(scheduler);
}

bool LocalBackend::loaded() const {
    std::lock_guard lock(m_mutex);
    return m_model != nullptr;
}

ModelInfo LocalBackend::modelInfo() const {
    std::shared_ptr<const Model> m;
    {
        std::lock_guard lock(m_mutex);
        m = m_model;
    }
    ModelInfo i;
    if (!m) return i;
    const ModelConfig& c = m->config();
    std::string dir = c.modelDir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    i.id = c.architecture + ":" + c.modelDir;
    i.name = std::filesystem::path(dir).filename().string();
    i.device = m->deviceName();
    i.deviceKind = i.device.rfind("cuda", 0) == 0 ? DeviceKind::Cuda : DeviceKind::Cpu;
    i.dtype = dtypeName(m->dtype());
    i.int8Weights = m->int8Weights();
    i.parameters = m->parameterCount();
    i.weightBytes = m->weightBytes();
    char buf[64];
    // Billions for GLM-4.6V-Flash, millions for the demo and test models (not "0.00B").
    const bool billions = i.parameters >= 1'000'000'000;
    std::snprintf(buf, sizeof buf, " (%.2f%s params, %s)", static_cast<double>(i.parameters) / (billions ? 1e9 : 1e6), billions ? "B" : "M",
                  i.dtype.c_str());
    i.summary = i.name + buf;
    return i;
}

std::future<GenerateResult> LocalBackend::submit(RequestSource source, const std::vector<ChatMessage>& messages,
                                                 const GenerationParams& params, TokenCallback onToken,
                                                 const std::atomic<bool>* cancel) const {
    std::shared_ptr<Scheduler> s;
    {
        std::lock_guard lock(m_mutex);
        s = m_scheduler;
    }
    if (!s) throw Error(ErrorKind::BadInput, "no model is loaded");
    return s->submit(source, messages, params, std::move(onToken), cancel);
}

GenerationParams LocalBackend::defaultParams() const {
    std::lock_guard lock(m_mutex);
    GenerationParams p = m_model ? defaultGenerationParams(m_model->config()) : GenerationParams{};
    p.imageResize = m_imageResize;
    return p;
}

std::shared_ptr<const Tokenizer> LocalBackend::tokenizer() const {
    std::lock_guard lock(m_mutex);
    return m_model ? m_model->tokenizer() : nullptr;
}

std::optional<SchedulerCounters> LocalBackend::counters() const {
    std::lock_guard lock(m_mutex);
    if (!m_scheduler) return std::nullopt;
    return m_scheduler->counters();
}

void LocalBackend::setCompletionObserver(CompletionObserver observer) {
    std::lock_guard lock(m_mutex);
    m_observer = std::move(observer);
    if (m_scheduler) m_scheduler->setCompletionObserver(m_observer);
}

PreprocessedImage LocalBackend::preflight(const RgbImage& image, int64_t maxPixels) const {
    std::shared_ptr<const Model> m;
    {
        std::lock_guard lock(m_mutex);
        m = m_model;
    }
    if (!m) throw Error(ErrorKind::BadInput, "no model is loaded");
    return m->preprocess(image, maxPixels, m_imageResize);
}

VideoCost LocalBackend::videoPreflight(const VideoInfo& video, int64_t maxVideoPixels) const {
    std::shared_ptr<const Model> m;
    {
        std::lock_guard lock(m_mutex);
        m = m_model;
    }
    if (!m) throw Error(ErrorKind::BadInput, "no model is loaded");
    return estimateVideoCost(video, m->config().video, maxVideoPixels);
}

}  // namespace sightline::app
