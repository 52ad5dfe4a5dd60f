#include "monkey_app.h"

#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QStatusBar>

#include "api_host.h"
#include "app_wiring.h"
#include "chat_store.h"
#include "composer.h"
#include "engine_controller.h"
#include "local_backend.h"
#include "main_window.h"
#include "moderation_controller.h"
#include "monitor_widget.h"
#include "review_widget.h"

namespace sightline::monkey {

MonkeyApp::MonkeyApp(const QString& dataDir, const ui::GenerationSettings& settings) : m_dataDir(dataDir) {
    QDir().mkpath(dataDir);
    m_store = std::make_unique<ui::ChatStore>(chatDbPath());
    m_window = std::make_unique<ui::MainWindow>(m_store.get(), settings);
    ui::MainWindow* window = m_window.get();
    window->composer()->setPasteFolder(pasteFolder());
    m_controller = std::make_unique<app::EngineController>(std::make_shared<app::LocalBackend>());
    app::wireWindow(window, m_controller.get());
    m_monitor = new ui::MonitorWidget(window);
    m_monitorDock = window->addMonitorDock(m_monitor);

    m_review = new ui::ReviewWidget(window);
    m_reviewDock = window->addMonitorDock(m_review);
    m_reviewDock->setWindowTitle(QObject::tr("Moderation"));
    m_reviewDock->setObjectName(QStringLiteral("moderationDock"));
    window->tabifyDockWidget(m_monitorDock, m_reviewDock);
    try {
        m_moderation =
            std::make_unique<app::ModerationController>(m_review, m_controller->backend(), moderationDbPath(), QStringLiteral("monkey"));
        app::ModerationController* moderation = m_moderation.get();
        QObject::connect(moderation, &app::ModerationController::problem, window, &ui::MainWindow::showProblem);
        app::wireModeration(moderation, m_controller.get());
        QObject::connect(m_review, &ui::ReviewWidget::importRequested, window, [window, moderation] {
            const QString p =
                QFileDialog::getOpenFileName(window, QObject::tr("Import queue"), QString(), QObject::tr("Queues (*.csv *.jsonl)"));
            if (!p.isEmpty()) moderation->importQueue(p);
        });
        QObject::connect(m_review, &ui::ReviewWidget::exportRequested, window, [window, moderation] {
            const QString p =
                QFileDialog::getSaveFileName(window, QObject::tr("Export results"), QString(), QObject::tr("CSV (*.csv);;JSONL (*.jsonl)"));
            if (!p.isEmpty()) moderation->exportTo(p);
        });
    } catch (const std::exception& e) {
        window->showProblem(QObject::tr("Moderation is unavailable: %1").arg(QString::fromUtf8(e.what())));
    }
    app::wireMonitor(m_monitor, m_controller.get());

    m_api = std::make_unique<app::ApiHost>(m_controller->backend());
    auto* apiStatus = new QLabel(window);
    window->statusBar()->addPermanentWidget(apiStatus);
    QObject::connect(m_api.get(), &app::ApiHost::problem, window, &ui::MainWindow::showProblem);
    auto applyApi = [api = m_api.get(), apiStatus](const ui::GenerationSettings& s) {
        api->apply(s.apiPort, QFileInfo(s.modelDir).fileName());
        apiStatus->setText(api->status());
    };
    applyApi(settings);
    QObject::connect(window, &ui::MainWindow::settingsChanged, m_api.get(), applyApi);
    window->show();
    if (!settings.modelDir.isEmpty()) m_controller->load(settings);
}

MonkeyApp::~MonkeyApp() {
    // main()'s locals go in reverse order of declaration.
    m_api.reset();
    m_moderation.reset();
    m_controller.reset();
    m_window.reset();
    m_store.reset();
}

QString MonkeyApp::chatDbPath() const {
    return m_dataDir + QStringLiteral("/chats.sqlite3");
}
QString MonkeyApp::moderationDbPath() const {
    return m_dataDir + QStringLiteral("/moderation.sqlite3");
}
QString MonkeyApp::pasteFolder() const {
    return m_dataDir + QStringLiteral("/images");
}

}  // namespace sightline::monkey
