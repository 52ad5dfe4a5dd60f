// Support for window_test: a scripted fake backend (tokens with a pause, cancellation between
// tokens, a fixed pre-flight of 7 image tokens) and a window wired to a controller over it.
#pragma once

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <thread>

#include "app_wiring.h"
#include "chat_store.h"
#include "composer.h"
#include "engine_controller.h"
#include "main_window.h"

namespace window_test {

using namespace sightline;

class FakeBackend : public app::InferenceBackend {
public:
    FakeBackend(QStringList tokens, int delayMs) : m_tokens(std::move(tokens)), m_delayMs(delayMs) {}
    void load(const LoadOptions&) override { m_loaded = true; }
    bool loaded() const override { return m_loaded.load(); }
    GenerateResult generate(RequestSource, const std::vector<ChatMessage>&, const GenerationParams& params, const TokenCallback& onToken,
                            const std::atomic<bool>* cancel) const override {
        lastSeed = static_cast<qint64>(params.sampling.seed);
        GenerateResult r;
        r.finishReason = FinishReason::Stop;
        for (const auto& t : m_tokens) {
            if (cancel && cancel->load()) {
                r.finishReason = FinishReason::Cancelled;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(m_delayMs));
            TokenEvent ev;
            ev.textDelta = t.toStdString();
            r.text += ev.textDelta;
            onToken(ev);
            r.outputIds.push_back(1);
        }
        r.stats.ttftMs = 12;
        r.stats.decodeTokensPerS = 99;
        r.stats.generatedTokens = static_cast<int64_t>(r.outputIds.size());
        r.stats.device = "fake";
        return r;
    }
    std::string summary() const override { return "fake model"; }
    std::string device() const override { return "fake"; }
    DeviceKind deviceKind() const override { return DeviceKind::Cpu; }
    PreprocessedImage preflight(const RgbImage& image, int64_t) const override {
        PreprocessedImage p;
        p.originalWidth = image.width;
        p.originalHeight = image.height;
        p.resizedWidth = image.width;
        p.resizedHeight = image.height;
        p.numTokens = 7;
        return p;
    }
    mutable std::atomic<qint64> lastSeed{-1};

private:
    QStringList m_tokens;
    int m_delayMs;
    std::atomic<bool> m_loaded{false};
};

struct Harness {
    explicit Harness(std::unique_ptr<app::InferenceBackend> backend, ui::GenerationSettings settings = {}, QSize size = {}) {
        store = std::make_unique<ui::ChatStore>(dir.filePath(QStringLiteral("chats.sqlite3")));
        if (settings.modelDir.isEmpty()) settings.modelDir = QStringLiteral("/fake/model");
        window = std::make_unique<ui::MainWindow>(store.get(), settings);
        window->composer()->setPasteFolder(dir.filePath(QStringLiteral("images")));
        if (size.isValid()) window->resize(size);
        controller = std::make_unique<app::EngineController>(std::move(backend));
        app::wireWindow(window.get(), controller.get());
        window->show();
        controller->load(settings);
    }
    ~Harness() {
        controller.reset();  // stop → quit → wait, before the window goes
        window.reset();
    }
    bool waitLoaded() { return QTest::qWaitFor([&] { return window->modelReady(); }, 20000); }
    bool waitIdle(int ms = 20000) { return QTest::qWaitFor([&] { return window->activeRequest() == 0; }, ms); }
    QTemporaryDir dir;
    std::unique_ptr<ui::ChatStore> store;
    std::unique_ptr<ui::MainWindow> window;
    std::unique_ptr<app::EngineController> controller;
};

// Records the longest gap between ticks of a 5 ms timer on the GUI thread: how long the GUI
// thread was blocked (a frozen window) while something ran.
class StallMeter : public QObject {
public:
    StallMeter() {
        m_timer.setInterval(5);
        m_timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            m_maxGapMs = std::max(m_maxGapMs, m_clock.restart());
        });
        m_clock.start();
        m_timer.start();
    }
    qint64 maxGapMs() const { return std::max(m_maxGapMs, m_clock.elapsed()); }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_maxGapMs = 0;
};

}  // namespace window_test
