// Connects a MainWindow to an EngineController (queued across threads by the controller).
#pragma once

namespace sightline::ui {
class MainWindow;
}

namespace sightline::app {

class EngineController;
void wireWindow(ui::MainWindow* window, EngineController* controller);

}  // namespace sightline::app
