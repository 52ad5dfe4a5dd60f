// The bundled demo model (resources/demo-model, issue #13): where it is, and the choice of the
// model the app loads at start. GUI thread (findDemoModel reads the application's folder).
#pragma once

#include <QString>

namespace sightline::ui {
class MainWindow;
struct GenerationSettings;
}  // namespace sightline::ui

namespace sightline::app {

class EngineController;

// $SIGHTLINE_DEMO_MODEL when set (empty or a folder without config.json: no demo); else the first
// share/sightline/demo-model with a config.json in appDir or up to three folders above it: the
// installed layout (PREFIX/bin/sightline → PREFIX/share/sightline/demo-model) and the build tree
// (CMake links BUILD/share/sightline/demo-model to the source's resources/demo-model). Returns the
// canonical path, or "" when there is none.
QString findDemoModel(const QString& appDir);
QString findDemoModel();  // from QCoreApplication::applicationDirPath()

// At start: the configured model (--model or the saved setting, already in `settings`) when there
// is one, else the demo model (labelled as such by the window; never saved as the setting). Tells
// the window the demo's folder. Returns the folder it loads, "" when there is nothing to load.
QString loadStartupModel(ui::MainWindow* window, EngineController* controller, const ui::GenerationSettings& settings,
                         const QString& demoDir);

}  // namespace sightline::app
