#include "engine_controller.h"

#include <QFileInfo>
#include <cmath>

#include "attach_inspect.h"
#include "engine_worker.h"
#include "video_probe.h"

namespace sightline::app {

EngineController::EngineController(std::shared_ptr<InferenceBackend> backend, QObject* parent)
    : QObject(parent), m_backend(std::move(backend)) {
    qRegisterMetaType<ui::GenerationRequest>();
    qRegisterMetaType<ui::GenerationSettings>();
    qRegisterMetaType<ui::MessageStats>();
    qRegisterMetaType<std::shared_ptr<std::atomic<bool>>>();
    m_worker = new EngineWorker(m_backend, &m_loadCancel, &m_busy);
    m_worker->moveToThread(&m_thread);
    m_thread.setObjectName(QStringLiteral("sightline-inference"));
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    // Every connection across the thread boundary is explicitly queued.
    connect(this, &EngineController::loadOnWorker, m_worker, &EngineWorker::load, Qt::QueuedConnection);
    connect(this, &EngineController::generateOnWorker, m_worker, &EngineWorker::generate, Qt::QueuedConnection);
    connect(m_worker, &EngineWorker::loadProgress, this, &EngineController::loadProgress, Qt::QueuedConnection);
    connect(
        m_worker, &EngineWorker::modelLoaded, this,
        [this](const QString& s, const QString& d, int kind) {
            m_deviceKind = kind;
            Q_EMIT modelLoaded(s, d);
            sampleMemory();
        },
        Qt::QueuedConnection);
    connect(m_worker, &EngineWorker::loadFailed, this, &EngineController::loadFailed, Qt::QueuedConnection);
    connect(m_worker, &EngineWorker::chunk, this, &EngineController::chunk, Qt::QueuedConnection);
    connect(
        m_worker, &EngineWorker::finished, this,
        [this](quint64 id, const ui::MessageStats& s, const QString& r) {
            {
                std::lock_guard lock(m_cancelMutex);
                m_cancels.erase(id);
            }
            Q_EMIT finished(id, s, r);
        },
        Qt::QueuedConnection);
    connect(
        m_worker, &EngineWorker::failed, this,
        [this](quint64 id, const QString& m, bool oom) {
            {
                std::lock_guard lock(m_cancelMutex);
                m_cancels.erase(id);
            }
            Q_EMIT failed(id, m, oom);
        },
        Qt::QueuedConnection);
    connect(m_worker, &EngineWorker::requestCompleted, this, &EngineController::requestCompleted, Qt::QueuedConnection);
    connect(m_worker, &EngineWorker::notice, this, &EngineController::notice, Qt::QueuedConnection);
    connect(this, &EngineController::benchmarkOnWorker, m_worker, &EngineWorker::runBenchmark, Qt::QueuedConnection);
    connect(m_worker, &EngineWorker::benchmarkProgress, this, &EngineController::benchmarkProgress, Qt::QueuedConnection);
    connect(m_worker, &EngineWorker::benchmarkFinished, this, &EngineController::benchmarkFinished, Qt::QueuedConnection);
    m_thread.start();
    // Requests from the other sources (moderation, local API, benchmarks) reach the monitor from the
    // scheduler; the chat's come from the worker above, with their memory delta.
    m_backend->setCompletionObserver([this](RequestSource source, const GenerateResult& r) {
        if (source == RequestSource::Chat) return;
        const RequestStats& s = r.stats;
        const ui::MessageStats st = toMessageStats(s);
        const quint64 id = m_otherRequests.fetch_add(1) + 1;
        // The API's caller (its JWT `sub`, or "api-key") beside the source: "api · alice".
        const QString name = QString::fromLatin1(requestSourceName(source)) +
                             (r.caller.empty() ? QString() : QStringLiteral(" · ") + QString::fromStdString(r.caller));
        QMetaObject::invokeMethod(
            this,
            [this, id, name, st, s] { Q_EMIT requestCompleted(id, name, st, s.imageTokens, s.preprocessMs, s.visionMs, s.prefillMs, 0); },
            Qt::QueuedConnection);
    });
    // Memory is sampled from the GUI thread (allocator statistics and cudaMemGetInfo are
    // thread-safe), so sampling never waits for a decode step.
    m_memoryTimer.setInterval(250);
    connect(&m_memoryTimer, &QTimer::timeout, this, &EngineController::sampleMemory);
    m_memoryTimer.start();
}

EngineController::~EngineController() {
    m_backend->setCompletionObserver({});  // the scheduler thread must not call into a dead controller
    m_memoryTimer.stop();
    m_loadCancel.store(true);
    {
        std::lock_guard lock(m_cancelMutex);
        for (auto& [id, flag] : m_cancels) flag->store(true);
    }
    m_thread.quit();
    m_thread.wait();
}

void EngineController::load(const ui::GenerationSettings& settings) {
    if (settings.modelDir.isEmpty()) return;
    Q_EMIT loadStarted(settings.modelDir);
    Q_EMIT loadOnWorker(settings);
}

void EngineController::cancelLoad() {
    m_loadCancel.store(true);
}

void EngineController::generate(const ui::GenerationRequest& request) {
    auto flag = std::make_shared<std::atomic<bool>>(false);
    {
        std::lock_guard lock(m_cancelMutex);
        m_cancels[request.requestId] = flag;
    }
    Q_EMIT generateOnWorker(request, flag);
}

void EngineController::stop(quint64 requestId) {
    std::lock_guard lock(m_cancelMutex);
    auto it = m_cancels.find(requestId);
    if (it != m_cancels.end()) it->second->store(true);
}

void EngineController::runBenchmark(int width, int height, const QString& prompt, int maxNewTokens, int warmup, int loops, int repeats) {
    Q_EMIT benchmarkOnWorker(width, height, prompt, maxNewTokens, warmup, loops, repeats);
}

void EngineController::sampleMemory() {
    if (const auto n = m_backend->counters()) {
        ui::SchedulerState st;
        st.running = static_cast<int>(n->running);
        st.slots = n->slots > 0 ? static_cast<int>(n->slots) : m_backend->batchSlots();
        st.queuedChat = static_cast<int>(n->queued[static_cast<size_t>(RequestSource::Chat)]);
        st.queuedModeration = static_cast<int>(n->queued[static_cast<size_t>(RequestSource::Moderation)]);
        st.queuedOther =
            static_cast<int>(n->queued[static_cast<size_t>(RequestSource::Api)] + n->queued[static_cast<size_t>(RequestSource::Benchmark)]);
        st.meanBatch = n->decodeSteps ? static_cast<double>(n->decodedRows) / static_cast<double>(n->decodeSteps) : 0;
        st.completed = n->completed;
        Q_EMIT schedulerSample(st);
    }
    const auto kind = static_cast<DeviceKind>(m_deviceKind);
    const DeviceMemory m = queryDeviceMemory(kind);
    if (kind == DeviceKind::Cuda) {
        const GpuUtilization u = queryGpuUtilization(0);
        Q_EMIT memory(m.deviceUsedBytes, m.deviceTotalBytes, QString::fromStdString(m.deviceName));
        Q_EMIT memorySample(m.allocatedBytes, m.reservedBytes, m.deviceUsedBytes, m.deviceTotalBytes, u.gpuPercent,
                            QString::fromStdString(u.note));
    } else {
        Q_EMIT memory(m.peakAllocatedBytes, 0, QStringLiteral("CPU"));
        Q_EMIT memorySample(m.peakAllocatedBytes, 0, m.peakAllocatedBytes, 0, -1,
                            tr("CPU run: process peak memory shown; no GPU utilisation"));
    }
}

QString EngineController::preflight(const InferenceBackend& backend, const QString& path, qint64 maxImagePixels, QString* error,
                                    qint64 maxVideoPixels) {
    try {
        if (ui::isVideoFileName(path)) {
            const VideoInfo v = probedVideoFile(path)->info;
            const QString length = tr("video %1:%2, %3×%4, %5 fps")
                                       .arg(int(v.duration) / 60)
                                       .arg(int(v.duration) % 60, 2, 10, QLatin1Char('0'))
                                       .arg(v.width)
                                       .arg(v.height)
                                       .arg(v.fps, 0, 'f', v.fps == std::floor(v.fps) ? 0 : 2);
            if (!backend.loaded()) return length;
            const VideoCost cost = backend.videoPreflight(v, maxVideoPixels);
            if (cost.frames == 0) return length + tr(" (the remote server samples it)");
            return length + tr(" → %1 frames at %2×%3, %4 video tokens")
                                .arg(cost.frames)
                                .arg(cost.frameSize.width)
                                .arg(cost.frameSize.height)
                                .arg(cost.tokens);
        }
        const RgbImage img = decodeImageFile(path.toStdString());
        if (!backend.loaded()) return tr("%1×%2 px").arg(img.width).arg(img.height);
        const PreprocessedImage p = backend.preflight(img, maxImagePixels);
        if (p.numTokens == 0) return tr("%1×%2 px (the remote server prepares it)").arg(img.width).arg(img.height);
        return tr("%1×%2 → %3×%4 px, %5 image tokens")
            .arg(p.originalWidth)
            .arg(p.originalHeight)
            .arg(p.resizedWidth)
            .arg(p.resizedHeight)
            .arg(p.numTokens);
    } catch (const Error& e) {
        *error = QString::fromStdString(repairUtf8(e.what()));
    } catch (const std::exception& e) {
        *error = QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace sightline::app
