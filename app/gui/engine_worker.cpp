#include "engine_worker.h"

#include <QElapsedTimer>
#include <QFileInfo>

#include "bench_runner.h"
#include "sightline/request_rules.h"

namespace sightline::app {

std::vector<ChatMessage> toEngineMessages(const QList<ui::ChatMessageUi>& messages) {
    std::vector<ChatMessage> out;
    for (const auto& m : messages) {
        const Role role = m.role == QLatin1String("system")      ? Role::System
                          : m.role == QLatin1String("assistant") ? Role::Assistant
                                                                 : Role::User;
        std::vector<ContentPart> images;
        for (const auto& im : m.images) images.push_back(imageFilePart(im.path.toStdString()));
        out.push_back(buildMessage(role, m.text.toStdString(), std::move(images)));
    }
    return out;
}

ui::MessageStats toMessageStats(const RequestStats& s) {
    ui::MessageStats st;
    st.ttftMs = s.ttftMs;
    st.prefillTokensPerS = s.prefillTokensPerS;
    st.decodeTokensPerS = s.decodeTokensPerS;
    st.totalMs = s.totalMs;
    st.promptTokens = s.promptTokens;
    st.generatedTokens = s.generatedTokens;
    st.peakMemoryBytes = s.peakMemoryBytes;
    st.device = QString::fromStdString(s.device);
    return st;
}

GenerationParams toEngineParams(const ui::GenerationSettings& s, qint64 seed) {
    GenerationParams p;
    p.sampling.temperature = s.temperature;
    p.sampling.topP = s.topP;
    p.sampling.topK = s.topK;
    p.sampling.repetitionPenalty = s.repetitionPenalty;
    p.sampling.seed = static_cast<uint64_t>(seed);
    p.maxNewTokens = s.maxNewTokens;
    p.enableThinking = s.thinking;
    p.maxImagePixels = s.maxImagePixels;
    return p;
}

LoadOptions toLoadOptions(const ui::GenerationSettings& s) {
    LoadOptions o;
    o.modelDir = s.modelDir.toStdString();
    const bool cuda = s.device == QLatin1String("cuda") || (s.device == QLatin1String("auto") && cudaAvailable());
    o.device = cuda ? DeviceKind::Cuda : DeviceKind::Cpu;
    o.dtype = resolveDType(s.dtype.toStdString(), o.device).value_or(autoDType(o.device));  // an unknown name (old settings file): auto
    return o;
}

EngineWorker::EngineWorker(std::shared_ptr<InferenceBackend> backend, std::atomic<bool>* loadCancel, std::atomic<bool>* busy)
    : m_backend(std::move(backend)), m_loadCancel(loadCancel), m_busy(busy) {}

void EngineWorker::load(const ui::GenerationSettings& settings) {
    m_loadCancel->store(false);
    LoadOptions o = toLoadOptions(settings);
    o.cancel = m_loadCancel;
    QElapsedTimer throttle;
    throttle.start();
    o.onProgress = [this, &throttle](const LoadProgress& p) {
        if (p.done == p.total || throttle.elapsed() > 50) {
            throttle.restart();
            Q_EMIT loadProgress(QString::fromStdString(p.stage), p.done, p.total);
        }
    };
    try {
        m_backend->load(o);
        const ModelInfo info = m_backend->modelInfo();
        Q_EMIT modelLoaded(QString::fromStdString(info.summary), QString::fromStdString(info.device), static_cast<int>(info.deviceKind));
    } catch (const Error& e) {
        Q_EMIT loadFailed(QString::fromStdString(repairUtf8(e.what())), e.kind() == ErrorKind::Cancelled);
    } catch (const std::exception& e) {
        Q_EMIT loadFailed(QString::fromStdString(e.what()), false);
    }
}

void EngineWorker::generate(const ui::GenerationRequest& req, std::shared_ptr<std::atomic<bool>> cancel) {
    m_busy->store(true);
    const quint64 id = req.requestId;
    QString pending;
    QElapsedTimer sinceFlush;
    sinceFlush.start();
    const DeviceKind kind = m_backend->modelInfo().deviceKind;
    const DeviceMemory before = queryDeviceMemory(kind);
    try {
        if (cancel->load()) {
            Q_EMIT finished(id, {}, QStringLiteral("cancelled"));
            m_busy->store(false);
            return;
        }
        const auto messages = toEngineMessages(req.messages);
        const auto params = toEngineParams(req.settings, req.seed);
        validateGenerationParams(params);  // settings from an old or edited settings file are checked too
        // Waits here (this thread has nothing else to do); tokens arrive on the scheduler's thread.
        const auto result = m_backend->generate(
            RequestSource::Chat, messages, params,
            [&](const TokenEvent& ev) {
                pending += QString::fromStdString(ev.textDelta);
                if (sinceFlush.elapsed() >= 30 && !pending.isEmpty()) {  // coalesce: ~30 ms between chunks
                    Q_EMIT chunk(id, pending);
                    pending.clear();
                    sinceFlush.restart();
                }
            },
            cancel.get());
        if (!pending.isEmpty()) Q_EMIT chunk(id, pending);
        const auto& s = result.stats;
        const ui::MessageStats st = toMessageStats(s);
        Q_EMIT finished(id, st, QString::fromLatin1(finishReasonName(result.finishReason)));
        // CUDA: peak allocated during the request minus what was allocated before it. CPU: growth of
        // the process's peak resident set (the only per-process high-water mark there is).
        const int64_t baseline = kind == DeviceKind::Cuda ? before.allocatedBytes : before.peakAllocatedBytes;
        Q_EMIT requestCompleted(id, QStringLiteral("chat"), st, s.imageTokens, s.preprocessMs, s.visionMs, s.prefillMs,
                                s.peakMemoryBytes - baseline);
    } catch (const Error& e) {
        if (!pending.isEmpty()) Q_EMIT chunk(id, pending);
        Q_EMIT failed(id, QString::fromStdString(repairUtf8(e.what())), e.kind() == ErrorKind::OutOfMemory);
    } catch (const std::exception& e) {
        Q_EMIT failed(id, QString::fromStdString(e.what()), false);
    }
    m_busy->store(false);
}

void EngineWorker::runBenchmark(int width, int height, const QString& prompt, int maxNewTokens, int warmup, int loops, int repeats) {
    if (!m_backend->loaded()) {
        Q_EMIT benchmarkFinished(tr("Load a model first."));
        return;
    }
    m_busy->store(true);
    bench::Options o;
    o.noImage = width <= 0 || height <= 0;
    o.imageWidth = width;
    o.imageHeight = height;
    o.prompt = prompt.toStdString();
    o.maxNewTokens = maxNewTokens;
    o.warmup = warmup;
    o.loops = loops;
    o.repeats = repeats;
    try {
        const auto report = bench::run(*m_backend, o, [this](const bench::Progress& p) {
            Q_EMIT benchmarkProgress(tr("%1 %2 / %3…").arg(QString::fromStdString(p.phase)).arg(p.done + 1).arg(p.total));
        });
        Q_EMIT benchmarkFinished(QString::fromStdString(bench::formatReport(report)) + QStringLiteral("\n") +
                                 QString::fromStdString(report.dump(2)));
    } catch (const std::exception& e) {
        Q_EMIT benchmarkFinished(tr("Benchmark failed: %1").arg(QString::fromStdString(repairUtf8(e.what()))));
    }
    m_busy->store(false);
}

}  // namespace sightline::app
