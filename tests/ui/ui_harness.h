// Support for the UI tests (ui_test, window_test): a window wired to a controller over a backend
// (the scripted fake of fake_backend.h, or the real engine), and a GUI-thread stall meter.
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
#include "fake_backend.h"
#include "main_window.h"

namespace ui_harness {

using namespace sightline;

using sightline::fakes::FakeBackend;

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
    bool waitLoaded() {
        return QTest::qWaitFor([&] { return window->modelReady(); }, 20000);
    }
    bool waitIdle(int ms = 20000) {
        return QTest::qWaitFor([&] { return window->activeRequest() == 0; }, ms);
    }
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
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] { m_maxGapMs = std::max(m_maxGapMs, m_clock.restart()); });
        m_clock.start();
        m_timer.start();
    }
    qint64 maxGapMs() const { return std::max(m_maxGapMs, m_clock.elapsed()); }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_maxGapMs = 0;
};

}  // namespace ui_harness
