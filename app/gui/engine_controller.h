// Owns the inference thread. Lives in the GUI thread; its worker lives in the worker thread.
//  - Requests go to the worker as queued calls; chunks come back queued, tagged with the request id
//    and coalesced every ~30 ms.
//  - Stop and load-cancel are atomic flags set directly from the GUI thread: a queued "stop" could
//    not run while the worker is busy.
//  - The destructor stops, quits and waits: closing the window mid-answer is safe.
#pragma once

#include <QObject>
#include <QThread>
#include <QTimer>
#include <atomic>
#include <memory>
#include <mutex>

#include "chat_types.h"
#include "inference_backend.h"

namespace sightline::app {

class EngineWorker;

class EngineController : public QObject {
    Q_OBJECT
public:
    // The backend is shared with the other front ends (API host, moderation): they hold backend().
    explicit EngineController(std::shared_ptr<InferenceBackend> backend, QObject* parent = nullptr);
    ~EngineController() override;

    // Preflight of an image for the composer: decode + resize plan. Uses the loaded model's
    // processor limits when one is loaded, otherwise only decodes. Slow (decodes the file): never on
    // the GUI thread. It touches only the backend (which guards its model), so the composer runs it
    // on its pool thread (wireWindow).
    // An image's size and tokens, or a video's length and what it will cost (frames, frame size, tokens).
    static QString preflight(const InferenceBackend& backend, const QString& path, qint64 maxImagePixels, QString* error,
                             qint64 maxVideoPixels = 0);
    bool busy() const { return m_busy.load(); }
    std::shared_ptr<const InferenceBackend> backend() const { return m_backend; }

public Q_SLOTS:
    void load(const sightline::ui::GenerationSettings& settings);
    void cancelLoad();
    void generate(const sightline::ui::GenerationRequest& request);
    void stop(quint64 requestId);
    void runBenchmark(int width, int height, const QString& prompt, int maxNewTokens, int warmup, int loops, int repeats);

Q_SIGNALS:
    void loadStarted(const QString& modelDir);
    void loadProgress(const QString& stage, qint64 done, qint64 total);
    void modelLoaded(const QString& summary, const QString& device);
    void loadFailed(const QString& message, bool cancelled);
    void chunk(quint64 requestId, const QString& text);
    void finished(quint64 requestId, const sightline::ui::MessageStats& stats, const QString& finishReason);
    void failed(quint64 requestId, const QString& message, bool outOfMemory);
    void notice(quint64 requestId, const QString& text);  // e.g. older turns left out to fit the context
    void memory(qint64 usedBytes, qint64 totalBytes, const QString& device);
    void memorySample(qint64 allocatedBytes, qint64 reservedBytes, qint64 deviceUsedBytes, qint64 deviceTotalBytes, int gpuUtilPercent,
                      const QString& note);
    void schedulerSample(const sightline::ui::SchedulerState& state);
    void benchmarkProgress(const QString& text);
    void benchmarkFinished(const QString& report);
    void benchmarkOnWorker(int width, int height, const QString& prompt, int maxNewTokens, int warmup, int loops, int repeats);
    // One completed request's full record, for the performance monitor.
    void requestCompleted(quint64 requestId, const QString& source, const sightline::ui::MessageStats& stats, qint64 imageTokens,
                          double preprocessMs, double visionMs, double prefillMs, qint64 memoryDeltaBytes);

    // Internal: to the worker (queued).
    void loadOnWorker(const sightline::ui::GenerationSettings& settings);
    void generateOnWorker(const sightline::ui::GenerationRequest& request, std::shared_ptr<std::atomic<bool>> cancel);

private:
    void sampleMemory();
    QThread m_thread;
    EngineWorker* m_worker = nullptr;
    std::shared_ptr<InferenceBackend> m_backend;
    std::atomic<bool> m_loadCancel{false};
    std::atomic<bool> m_busy{false};
    std::mutex m_cancelMutex;  // guards m_cancels
    std::map<quint64, std::shared_ptr<std::atomic<bool>>> m_cancels;
    QTimer m_memoryTimer;
    int m_deviceKind = 0;
    std::atomic<quint64> m_otherRequests{
        0};  // ids of monitor rows for non-chat requests  // DeviceKind of the loaded model (GUI-thread copy)
};

}  // namespace sightline::app
