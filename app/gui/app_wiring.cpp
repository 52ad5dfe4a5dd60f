#include "app_wiring.h"

#include "composer.h"
#include "engine_controller.h"
#include "main_window.h"
#include "settings_dialog.h"

namespace sightline::app {

void wireWindow(ui::MainWindow* w, EngineController* c) {
    QObject::connect(w, &ui::MainWindow::generateRequested, c, &EngineController::generate);
    QObject::connect(w, &ui::MainWindow::stopRequested, c, &EngineController::stop);
    QObject::connect(w, &ui::MainWindow::loadModelRequested, c, &EngineController::load);
    QObject::connect(w, &ui::MainWindow::cancelLoadRequested, c, &EngineController::cancelLoad);
    QObject::connect(w, &ui::MainWindow::settingsChanged, w, [](const ui::GenerationSettings& s) { ui::saveSettings(s); });
    QObject::connect(c, &EngineController::loadStarted, w, &ui::MainWindow::onLoadStarted);
    QObject::connect(c, &EngineController::loadProgress, w, &ui::MainWindow::onLoadProgress);
    QObject::connect(c, &EngineController::modelLoaded, w, &ui::MainWindow::onModelLoaded);
    QObject::connect(c, &EngineController::loadFailed, w, &ui::MainWindow::onLoadFailed);
    QObject::connect(c, &EngineController::chunk, w, &ui::MainWindow::onChunk);
    QObject::connect(c, &EngineController::finished, w, &ui::MainWindow::onFinished);
    QObject::connect(c, &EngineController::failed, w, &ui::MainWindow::onFailed);
    QObject::connect(c, &EngineController::memory, w, &ui::MainWindow::onMemory);
    w->composer()->setInspector([w, c](const QString& path, QString* error) {
        return c->preflight(path, w->settings().maxImagePixels, error);
    });
}

}  // namespace sightline::app
