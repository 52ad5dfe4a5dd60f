// One life of the app as app/gui/main.cpp builds it: the chat store on <data>/chats.sqlite3, the
// window, the engine controller on the real engine, the monitor and moderation docks, the
// moderation controller on <data>/moderation.sqlite3, the local API host (off), wired the same way.
// Destroyed in main()'s order (API, moderation, controller, window, store), as when the app quits.
// A restart is: close the window, destroy a MonkeyApp, build another on the same data folder.
//
// main.cpp keeps its wiring inline; this mirrors it (keep the two in step when main.cpp changes).
// GUI thread only.
#pragma once

#include <QString>
#include <memory>

#include "chat_types.h"

class QDockWidget;
class QLabel;

namespace sightline::ui {
class ChatStore;
class MainWindow;
class MonitorWidget;
class ReviewWidget;
}  // namespace sightline::ui

namespace sightline::app {
class ApiHost;
class EngineController;
class ModerationController;
}  // namespace sightline::app

namespace sightline::monkey {

class MonkeyApp {
public:
    // Throws std::runtime_error when the chat database cannot be opened (main.cpp exits then).
    MonkeyApp(const QString& dataDir, const ui::GenerationSettings& settings);
    ~MonkeyApp();
    MonkeyApp(const MonkeyApp&) = delete;
    MonkeyApp& operator=(const MonkeyApp&) = delete;

    ui::ChatStore* store() const { return m_store.get(); }
    ui::MainWindow* window() const { return m_window.get(); }
    app::EngineController* controller() const { return m_controller.get(); }
    app::ModerationController* moderation() const { return m_moderation.get(); }  // null when unavailable
    ui::MonitorWidget* monitor() const { return m_monitor; }
    ui::ReviewWidget* review() const { return m_review; }
    QDockWidget* monitorDock() const { return m_monitorDock; }
    QDockWidget* reviewDock() const { return m_reviewDock; }
    const QString& dataDir() const { return m_dataDir; }
    QString chatDbPath() const;
    QString moderationDbPath() const;
    QString pasteFolder() const;

private:
    QString m_dataDir;
    std::unique_ptr<ui::ChatStore> m_store;
    std::unique_ptr<ui::MainWindow> m_window;
    std::unique_ptr<app::EngineController> m_controller;
    std::unique_ptr<app::ModerationController> m_moderation;
    std::unique_ptr<app::ApiHost> m_api;
    ui::MonitorWidget* m_monitor = nullptr;  // owned by the window
    ui::ReviewWidget* m_review = nullptr;    // owned by the window
    QDockWidget* m_monitorDock = nullptr;
    QDockWidget* m_reviewDock = nullptr;
};

}  // namespace sightline::monkey
