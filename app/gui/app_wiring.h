// Connects a MainWindow to an EngineController (queued across threads by the controller).
#pragma once

namespace sightline::ui {
class MainWindow;
class MonitorWidget;
struct BackendSettings;
}  // namespace sightline::ui

#include <QString>
#include <memory>

namespace sightline::app {

class EngineController;
class InferenceBackend;
// The backend every front end shares: the local engine, or (Settings → Backend) a remote
// OpenAI-compatible server, 4 connections, key from the settings or $SIGHTLINE_REMOTE_API_KEY. It is
// connected by the first load (EngineController::load). A remote URL that cannot be used gives the
// local engine, with the reason in *problem.
std::shared_ptr<InferenceBackend> makeBackend(const ui::BackendSettings& settings, QString* problem);
class ModerationController;
void wireWindow(ui::MainWindow* window, EngineController* controller);
void wireMonitor(ui::MonitorWidget* monitor, EngineController* controller);
// Loading another model stops a running moderation queue first: its items are never judged by a
// mix of models, and none is marked as an error for the moment without a model.
void wireModeration(ModerationController* moderation, EngineController* controller);
// Help → About's "Name: value" lines: app, Qt (run time and build), libtorch, CUDA runtime and
// driver, NVIDIA driver, GPU ("none" where absent). May start CUDA: call it when About opens.
QString versionReport();

}  // namespace sightline::app
