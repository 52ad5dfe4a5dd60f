// Support for the UI tests (ui_test, window_test): a window wired to a controller over a backend
// (the scripted fake of fake_backend.h, or the real engine), and a GUI-thread stall meter.
#pragma once

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <thread>

#include "app_wiring.h"
#include "chat_store.h"
#include "chat_view.h"
#include "composer.h"
#include "engine_controller.h"
#include "fake_backend.h"
#include "main_window.h"
#include "message_widget.h"

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

// --- shared by ui_test and engine_ui_test ---
inline const QString kFixtures = QStringLiteral(SIGHTLINE_FIXTURES_DIR);

// The tiny fixture model on the CPU, greedy, 24 tokens: answers are the fixture's reference tokens.
inline ui::GenerationSettings tinyGreedySettings() {
    ui::GenerationSettings s;
    s.modelDir = kFixtures + "/model";
    s.device = "cpu";
    s.temperature = 0;
    s.repetitionPenalty = 1.0;
    s.maxNewTokens = 24;
    return s;
}

// A moderation queue CSV of n listings (ids p0.., one small fixture image each); returns its path.
inline QString writeListingQueue(const QString& path, int n) {
    QString rows = QStringLiteral("id,image,title,text\n");
    for (int i = 0; i < n; ++i)
        rows += QStringLiteral("p%1,%2,Item %1,Great product number %1\n").arg(i).arg(kFixtures + "/cases/images/img_57x91.png");
    QFile f(path);
    if (f.open(QIODevice::WriteOnly)) f.write(rows.toUtf8());
    return path;
}

// Images are read off the GUI thread: wait until none is pending.
inline bool waitAttached(ui::Composer* c) {
    return QTest::qWaitFor([c] { return c->pendingCount() == 0; }, 20000);
}

inline QString lastAnswerText(ui::MainWindow* w) {
    auto* m = w->chatView()->messageAt(w->chatView()->count() - 1);
    return m ? m->message().text : QString();
}

}  // namespace ui_harness
