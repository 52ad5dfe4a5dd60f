// Runs on the chat's inference thread (a QThread owned by EngineController): loads the model and
// submits the chat's requests to the backend, whose scheduler thread runs them. It never waits on an
// answer: tokens land in a per-request buffer (appended on the scheduler's thread under its mutex),
// and a 30 ms timer on this thread sends what gathered as one chunk and finishes the requests whose
// futures are ready — so several chat requests can decode in one batch and text flows even between
// tokens. Emits only immutable values (queued to the GUI thread by the connections).
// Lifetime: each request's cancel flag and buffer live until its future is ready; the destructor
// cancels what still runs and waits for it (the scheduler polls the flag between steps).
#pragma once

#include <QObject>
#include <atomic>
#include <memory>
#include <vector>

#include "chat_types.h"
#include "inference_backend.h"

namespace sightline::app {

class EngineWorker : public QObject {
    Q_OBJECT
public:
    EngineWorker(std::shared_ptr<InferenceBackend> backend, std::atomic<bool>* loadCancel, std::atomic<bool>* busy);
    ~EngineWorker() override;

public Q_SLOTS:
    void load(const sightline::ui::GenerationSettings& settings);
    void generate(const sightline::ui::GenerationRequest& request, std::shared_ptr<std::atomic<bool>> cancel);
    void runBenchmark(int width, int height, const QString& prompt, int maxNewTokens, int warmup, int loops, int repeats);

Q_SIGNALS:
    void benchmarkProgress(const QString& text);
    void benchmarkFinished(const QString& report);
    void loadProgress(const QString& stage, qint64 done, qint64 total);
    void modelLoaded(const QString& summary, const QString& device, int deviceKind);
    void loadFailed(const QString& message, bool cancelled);
    void chunk(quint64 requestId, const QString& text);
    void finished(quint64 requestId, const sightline::ui::MessageStats& stats, const QString& finishReason);
    void failed(quint64 requestId, const QString& message, bool outOfMemory);
    // Something the user should know about a request that still runs (older turns left out to fit).
    void notice(quint64 requestId, const QString& text);
    void requestCompleted(quint64 requestId, const QString& source, const sightline::ui::MessageStats& stats, qint64 imageTokens,
                          double preprocessMs, double visionMs, double prefillMs, qint64 memoryDeltaBytes);

private:
    struct Active;  // one submitted chat request (engine_worker.cpp)
    void poll();    // the 30 ms tick: chunks out, finished requests reported
    void finish(Active& a);

    std::shared_ptr<InferenceBackend> m_backend;
    std::atomic<bool>* m_loadCancel;
    std::atomic<bool>* m_busy;  // true while a request or a benchmark runs
    std::vector<std::unique_ptr<Active>> m_active;
    class QTimer* m_tick = nullptr;  // made on the worker thread at the first request (its owner's thread)
};

// Engine-side conversion of a UI request (images decoded here, on the worker thread).
std::vector<ChatMessage> toEngineMessages(const QList<ui::ChatMessageUi>& messages);
GenerationParams toEngineParams(const ui::GenerationSettings& settings, qint64 seed);
ui::MessageStats toMessageStats(const RequestStats& stats);
LoadOptions toLoadOptions(const ui::GenerationSettings& settings);

}  // namespace sightline::app
