// Connects a MainWindow to an EngineController (queued across threads by the controller).
#pragma once

namespace sightline::ui {
class MainWindow;
class MonitorWidget;
}

namespace sightline::app {

class EngineController;
void wireWindow(ui::MainWindow* window, EngineController* controller);
void wireMonitor(ui::MonitorWidget* monitor, EngineController* controller);

}  // namespace sightline::app
