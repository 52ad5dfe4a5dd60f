// sightline: the desktop app. Thin: settings, translations, the store, the window, the backend and
// its front ends (chat controller, moderation, local API); scripted runs are in screenshot_script.cpp.
#include <QAction>
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QImageReader>
#include <QLabel>
#include <QLibraryInfo>
#include <QLocale>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>
#include <QTranslator>
#include <algorithm>

#include "api_host.h"
#include "app_wiring.h"
#include "chat_store.h"
#include "chat_view.h"
#include "composer.h"
#include "demo_model.h"
#include "engine_controller.h"
#include "local_backend.h"
#include "main_window.h"
#include "moderation_controller.h"
#include "monitor_widget.h"
#include "review_widget.h"
#include "screenshot_script.h"
#include "settings_dialog.h"
#include "theme.h"

using namespace sightline;

int main(int argc, char** argv) {
    QApplication::setOrganizationName(QStringLiteral("Sightline"));
    QApplication::setApplicationName(QStringLiteral("Sightline"));
    QApplication::setApplicationVersion(QStringLiteral(SIGHTLINE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.sightline.Sightline"));
    QApplication app(argc, argv);
    app.setWindowIcon(QIcon(QStringLiteral(":/icons/sightline.svg")));
    // Qt refuses to decode images over 256 MB; the composer and the viewer read scaled (thumbnails,
    // at most 16384 px a side), so a gigabyte only admits the largest photos a user may view at 1:1.
    QImageReader::setAllocationLimit(1024);

    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Local visual question answering with GLM-4.6V-Flash"));
    cli.addHelpOption();
    cli.addVersionOption();
    QCommandLineOption modelOpt(QStringLiteral("model"), QStringLiteral("Model folder (overrides the saved setting)."),
                                QStringLiteral("dir"));
    QCommandLineOption dataOpt(QStringLiteral("data-dir"), QStringLiteral("Where chats are stored."), QStringLiteral("dir"));
    QCommandLineOption monitorOpt(QStringLiteral("monitor"), QStringLiteral("Show the performance monitor at start."));
    QCommandLineOption queueOpt(QStringLiteral("moderation-queue"),
                                QStringLiteral("Import this queue (CSV/JSONL) and judge it once the model is loaded."),
                                QStringLiteral("file"));
    QCommandLineOption langOpt(QStringLiteral("lang"), QStringLiteral("UI language (en, zh_CN)."), QStringLiteral("code"));
    QCommandLineOption themeOpt(QStringLiteral("theme"), QStringLiteral("system, light or dark (overrides the setting for this run)."),
                                QStringLiteral("theme"));
    QCommandLineOption apiOpt(QStringLiteral("api-port"),
                              QStringLiteral("Serve the OpenAI-compatible API on 127.0.0.1:PORT (overrides the setting; 0: off)."),
                              QStringLiteral("port"));
    cli.addOptions({modelOpt, dataOpt, langOpt, monitorOpt, queueOpt, apiOpt, themeOpt});
    const app::ScreenshotOptions scriptOpts;
    scriptOpts.addTo(cli);
    cli.process(app);

    ui::applyTheme(cli.isSet(themeOpt) ? ui::themeFromKey(cli.value(themeOpt)) : ui::loadTheme());
    ui::GenerationSettings settings = ui::loadSettings();
    if (cli.isSet(modelOpt)) settings.modelDir = cli.value(modelOpt);
    if (cli.isSet(apiOpt)) settings.apiPort = std::clamp(cli.value(apiOpt).toInt(), 0, 65535);

    QTranslator translator, qtTranslator;
    const QString lang = cli.isSet(langOpt) ? cli.value(langOpt) : settings.language;
    const QLocale locale = lang.isEmpty() ? QLocale::system() : QLocale(lang);
    if (translator.load(locale, QStringLiteral("sightline"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        app.installTranslator(&translator);
    if (qtTranslator.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"), QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        app.installTranslator(&qtTranslator);

    const QString dataDir = cli.isSet(dataOpt) ? cli.value(dataOpt) : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dataDir);
    std::unique_ptr<ui::ChatStore> store;
    try {
        store = std::make_unique<ui::ChatStore>(dataDir + QStringLiteral("/chats.sqlite3"));
    } catch (const std::exception& e) {
        QMessageBox::critical(nullptr, QObject::tr("Sightline"),
                              QObject::tr("Cannot open the chat database: %1").arg(QString::fromUtf8(e.what())));
        return 1;
    }
    ui::MainWindow window(store.get(), settings);
    window.composer()->setPasteFolder(dataDir + QStringLiteral("/images"));
    window.setAboutProvider(&app::versionReport);
    // One backend for every front end: the chat (controller), the moderation queue and the local API.
    // Settings → Backend: the local engine, or a remote OpenAI-compatible server (read at start).
    const ui::BackendSettings backendChoice = ui::loadBackendSettings();
    QString backendProblem;
    auto backend = app::makeBackend(backendChoice, &backendProblem);
    const bool remote = !std::dynamic_pointer_cast<app::LocalBackend>(backend);
    app::EngineController controller(backend);
    if (!backendProblem.isEmpty()) window.showProblem(backendProblem);
    app::wireWindow(&window, &controller);
    auto* monitor = new ui::MonitorWidget(&window);
    QDockWidget* monitorDock = window.addMonitorDock(monitor);
    monitorDock->toggleViewAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
    if (cli.isSet(monitorOpt)) monitorDock->show();

    // Moderation review station (a dock of its own; its queue lives in moderation.sqlite3).
    auto* review = new ui::ReviewWidget(&window);
    QDockWidget* reviewDock = window.addMonitorDock(review);
    reviewDock->setWindowTitle(QObject::tr("Moderation"));
    reviewDock->setObjectName(QStringLiteral("moderationDock"));
    reviewDock->toggleViewAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    window.tabifyDockWidget(monitorDock, reviewDock);
    QString reviewer = QSettings().value(QStringLiteral("reviewer")).toString();
    if (reviewer.isEmpty()) reviewer = qEnvironmentVariable("USER", QStringLiteral("reviewer"));
    std::unique_ptr<app::ModerationController> moderationCtl;
    try {
        moderationCtl = std::make_unique<app::ModerationController>(review, controller.backend(),
                                                                    dataDir + QStringLiteral("/moderation.sqlite3"), reviewer);
        QObject::connect(moderationCtl.get(), &app::ModerationController::problem, &window, &ui::MainWindow::showProblem);
        app::wireModeration(moderationCtl.get(), &controller);
        QObject::connect(review, &ui::ReviewWidget::importRequested, &window, [&] {
            const QString p =
                QFileDialog::getOpenFileName(&window, QObject::tr("Import queue"), QString(), QObject::tr("Queues (*.csv *.jsonl)"));
            if (!p.isEmpty()) moderationCtl->importQueue(p);
        });
        QObject::connect(review, &ui::ReviewWidget::exportRequested, &window, [&] {
            const QString p = QFileDialog::getSaveFileName(&window, QObject::tr("Export results"), QString(),
                                                           QObject::tr("CSV (*.csv);;JSONL (*.jsonl)"));
            if (!p.isEmpty()) moderationCtl->exportTo(p);
        });
        QObject::connect(moderationCtl.get(), &app::ModerationController::exported, &window,
                         [&window](const QString& path, const QString& error) {
                             if (error.isEmpty())
                                 window.showInfo(QObject::tr("Exported to %1").arg(path));  // errors arrive through problem()
                         });
    } catch (const std::exception& e) {
        window.showProblem(QObject::tr("Moderation is unavailable: %1").arg(QString::fromUtf8(e.what())));
    }
    if (moderationCtl && cli.isSet(queueOpt)) {
        moderationCtl->importQueue(cli.value(queueOpt));
        reviewDock->show();
        reviewDock->raise();
        QObject::connect(&controller, &app::EngineController::modelLoaded, &window, [&] { moderationCtl->run(); });
    }
    app::wireMonitor(monitor, &controller);

    // The local API shares the backend (one scheduler queue with the chat and the moderation queue).
    app::ApiHost api(controller.backend(), nullptr, {}, dataDir + QStringLiteral("/api-requests.jsonl"));
    ui::setApiKeyAccess({[&api](bool create) { return api.apiKey(create); }, [&api] { return api.regenerateKey(); }});
    auto* apiStatus = new QLabel(&window);
    window.statusBar()->addPermanentWidget(apiStatus);
    QObject::connect(&api, &app::ApiHost::problem, &window, &ui::MainWindow::showProblem);
    const QString demoModel = app::findDemoModel();  // what runs while no model is configured
    auto applyApi = [&api, apiStatus, demoModel](const ui::GenerationSettings& s) {
        api.apply(s.apiPort, QFileInfo(s.modelDir.isEmpty() ? demoModel : s.modelDir).fileName(), s.apiRequestLog);
        apiStatus->setText(api.status());
    };
    applyApi(settings);
    QObject::connect(&window, &ui::MainWindow::settingsChanged, &api, applyApi);
    window.show();

    app::scriptScreenshots(cli, scriptOpts, &window, &controller, [&moderationCtl] { return moderationCtl && !moderationCtl->running(); });
    if (remote) {  // "loading" = connecting: the server names its model
        ui::GenerationSettings connect = settings;
        connect.modelDir = backendChoice.url;
        controller.load(connect);
    } else if (app::loadStartupModel(&window, &controller, settings, demoModel).isEmpty() && !cli.isSet(scriptOpts.shot) &&
               QGuiApplication::platformName() != QLatin1String("offscreen"))
        QTimer::singleShot(300, &window, [&window] { window.showFirstRunHelp(true); });
    return app.exec();
}
