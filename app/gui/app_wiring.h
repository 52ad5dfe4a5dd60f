// Connects a MainWindow to an EngineController (queued across threads by the controller).
#pragma once

namespace sightline::ui {
class MainWindow;
class MonitorWidget;
}

namespace sightline::app {

class EngineController;
class ModerationController;
void wireWindow(ui::MainWindow* window, EngineController* controller);
void wireMonitor(ui::MonitorWidget* monitor, EngineController* controller);
// Loading another model stops a running moderation queue first: its items are never judged by a
// mix of models, and none is marked as an error for the moment without a model.
void wireModeration(ModerationController* moderation, EngineController* controller);

}  // namespace sightline::app
