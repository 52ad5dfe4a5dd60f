// Connects a MainWindow to an EngineController (queued across threads by the controller).
#pragma once

namespace sightline::ui {
class MainWindow;
class MonitorWidget;
}  // namespace sightline::ui

#include <QString>

namespace sightline::app {

class EngineController;
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
