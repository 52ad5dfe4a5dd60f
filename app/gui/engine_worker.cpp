#include "engine_worker.h"

#include <QElapsedTimer>
#include <QTimer>
#include <chrono>
#include <future>
#include <mutex>

#include "attach_inspect.h"
#include "bench_runner.h"
#include "sightline/request_rules.h"
#include "video_probe.h"

namespace sightline::app {

namespace {

// A video attachment: the probe the composer made for it (video_probe.h), with its decoded frames
// (Model::promptIds caches them in the source): a follow-up question about the same video does not
// scan or decode it again.
ContentPart videoPart(const ui::ImageRef& im) {
    ContentPart p;
    p.type = ContentPart::Type::Video;
    p.video = probedVideoFile(im.path, im.sha256);
    p.imageSource = im.path.toStdString();
    return p;
}

}  // namespace

std::vector<ChatMessage> toEngineMessages(const QList<ui::ChatMessageUi>& messages) {
    std::vector<ChatMessage> out;
    for (const auto& m : messages) {
        const Role role = m.role == QLatin1String("system")      ? Role::System
                          : m.role == QLatin1String("assistant") ? Role::Assistant
                                                                 : Role::User;
        std::vector<ContentPart> images;
        for (const auto& im : m.images)
            images.push_back(ui::isVideoFileName(im.path) ? videoPart(im) : imageFilePart(im.path.toStdString()));
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
    p.maxVideoPixels = s.maxVideoPixels;
    p.imageResize = s.imageResize == QLatin1String("pil") ? ImageResize::Pil : ImageResize::Torchvision;
    return p;
}

LoadOptions toLoadOptions(const ui::GenerationSettings& s) {
    LoadOptions o;
    o.modelDir = s.modelDir.toStdString();
    const bool cuda = s.device == QLatin1String("cuda") || (s.device == QLatin1String("auto") && cudaAvailable());
    o.device = cuda ? DeviceKind::Cuda : DeviceKind::Cpu;
    o.dtype = resolveDType(s.dtype.toStdString(), o.device).value_or(autoDType(o.device));  // an unknown name (old settings file): auto
    o.imageResize = s.imageResize == QLatin1String("pil") ? ImageResize::Pil : ImageResize::Torchvision;
    return o;
}

// The text of one request between two ticks: appended on the scheduler's thread, taken on the
// worker's. Shared with the token callback, so it outlives the worker if it must.
struct PendingText {
    std::mutex mutex;
    QString text;  // guarded by mutex
    QString take() {
        std::lock_guard lock(mutex);
        QString out;
        out.swap(text);
        return out;
    }
};

struct EngineWorker::Active {
    quint64 id = 0;
    std::shared_ptr<std::atomic<bool>> cancel;  // polled by the scheduler until the future is ready
    std::shared_ptr<PendingText> pending;
    std::future<GenerateResult> future;
    DeviceKind kind = DeviceKind::Cpu;
    DeviceMemory before;  // at submit: the baseline of the request's memory delta
};

EngineWorker::EngineWorker(std::shared_ptr<InferenceBackend> backend, std::atomic<bool>* loadCancel, std::atomic<bool>* busy)
    : m_backend(std::move(backend)), m_loadCancel(loadCancel), m_busy(busy) {}

EngineWorker::~EngineWorker() {
    for (auto& a : m_active) a->cancel->store(true);
    for (auto& a : m_active)
        if (a->future.valid()) a->future.wait();  // the scheduler reads the flag until then
}

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
    const quint64 id = req.requestId;
    if (cancel->load()) {
        Q_EMIT finished(id, {}, QStringLiteral("cancelled"));
        return;
    }
    auto a = std::make_unique<Active>();
    a->id = id;
    a->cancel = std::move(cancel);
    a->pending = std::make_shared<PendingText>();
    try {
        auto messages = toEngineMessages(req.messages);
        const auto params = toEngineParams(req.settings, req.seed);
        validateGenerationParams(params);  // settings from an old or edited settings file are checked too
        a->kind = m_backend->modelInfo().deviceKind;
        a->before = queryDeviceMemory(a->kind);
        // A conversation longer than the model's context: its oldest turns are left out (after any
        // system prompt), a turn at a time, until the prompt fits; the user is told. The question
        // itself is never cut: alone too long, it fails with the numbers.
        int dropped = 0;
        for (;;) {
            try {
                // Tokens arrive on the scheduler's thread: only the buffer is touched there.
                a->future = m_backend->submit(
                    RequestSource::Chat, messages, params,
                    [pending = a->pending](const TokenEvent& ev) {
                        std::lock_guard lock(pending->mutex);
                        pending->text += QString::fromStdString(ev.textDelta);
                    },
                    a->cancel.get());
                // A prompt the engine refused while preparing it comes back as a future that is already
                // ready: its exception is thrown here (a value, the scheduler stopping, is passed on as it is).
                if (a->future.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
                    std::promise<GenerateResult> ready;
                    ready.set_value(a->future.get());
                    a->future = ready.get_future();
                }
                break;
            } catch (const ContextOverflowError& e) {
                const size_t first = !messages.empty() && messages.front().role == Role::System ? 1 : 0;
                if (messages.size() <= first + 1)
                    throw Error(ErrorKind::BadInput,
                                tr("This question alone has %1 tokens, more than the model's context of %2: shorten it or "
                                   "attach fewer or smaller images (Settings → Max image pixels)")
                                    .arg(e.promptTokens())
                                    .arg(e.context())
                                    .toStdString());
                do {  // one turn: the oldest message and whatever follows it up to the next user message
                    messages.erase(messages.begin() + static_cast<std::ptrdiff_t>(first));
                    ++dropped;
                } while (messages.size() > first + 1 && messages[first].role != Role::User);
            }
        }
        if (dropped > 0)
            Q_EMIT notice(id, tr("The conversation is longer than the model's context: its %1 oldest messages were left out of this "
                                 "question (they stay in the chat).")
                                  .arg(dropped));
    } catch (const Error& e) {
        Q_EMIT failed(id, QString::fromStdString(repairUtf8(e.what())), e.kind() == ErrorKind::OutOfMemory);
        return;
    } catch (const std::exception& e) {
        Q_EMIT failed(id, QString::fromStdString(repairUtf8(e.what())), false);
        return;
    }
    m_active.push_back(std::move(a));
    m_busy->store(true);
    if (!m_tick) {
        m_tick = new QTimer(this);
        m_tick->setInterval(30);  // coalesce: ~30 ms between chunks
        connect(m_tick, &QTimer::timeout, this, &EngineWorker::poll);
    }
    if (!m_tick->isActive()) m_tick->start();
}

void EngineWorker::poll() {
    for (size_t i = 0; i < m_active.size();) {
        Active& a = *m_active[i];
        const bool done = a.future.wait_for(std::chrono::seconds(0)) != std::future_status::timeout;
        if (done) a.future.wait();  // a deferred future runs here, so its text is in before the flush
        const QString text = a.pending->take();
        if (!text.isEmpty()) Q_EMIT chunk(a.id, text);
        if (!done) {
            ++i;
            continue;
        }
        finish(a);
        m_active.erase(m_active.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (m_active.empty()) {
        m_tick->stop();
        m_busy->store(false);
    }
}

// The future is ready and every token's text has been sent.
void EngineWorker::finish(Active& a) {
    try {
        const GenerateResult result = a.future.get();
        const auto& s = result.stats;
        const ui::MessageStats st = toMessageStats(s);
        Q_EMIT finished(a.id, st, QString::fromLatin1(finishReasonName(result.finishReason)));
        // CUDA: peak allocated during the request minus what was allocated before it. CPU: growth of
        // the process's peak resident set (the only per-process high-water mark there is).
        const int64_t baseline = a.kind == DeviceKind::Cuda ? a.before.allocatedBytes : a.before.peakAllocatedBytes;
        Q_EMIT requestCompleted(a.id, QStringLiteral("chat"), st, s.imageTokens, s.preprocessMs, s.visionMs, s.prefillMs,
                                s.peakMemoryBytes - baseline);
    } catch (const Error& e) {
        Q_EMIT failed(a.id, QString::fromStdString(repairUtf8(e.what())), e.kind() == ErrorKind::OutOfMemory);
    } catch (const std::exception& e) {
        Q_EMIT failed(a.id, QString::fromStdString(repairUtf8(e.what())), false);
    }
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
    m_busy->store(!m_active.empty());  // chat requests may still stream
}

}  // namespace sightline::app
