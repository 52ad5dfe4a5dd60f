#include "demo_model.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include "chat_types.h"
#include "engine_controller.h"
#include "main_window.h"

namespace sightline::app {

namespace {

QString modelFolder(const QString& dir) {
    return !dir.isEmpty() && QFileInfo(dir + QStringLiteral("/config.json")).isFile() ? QFileInfo(dir).canonicalFilePath() : QString();
}

}  // namespace

QString findDemoModel(const QString& appDir) {
    if (qEnvironmentVariableIsSet("SIGHTLINE_DEMO_MODEL")) return modelFolder(qEnvironmentVariable("SIGHTLINE_DEMO_MODEL"));
    QDir dir(appDir);
    for (int up = 0; up <= 3; ++up) {
        if (QString found = modelFolder(dir.filePath(QStringLiteral("share/sightline/demo-model"))); !found.isEmpty()) return found;
        if (!dir.cdUp()) break;
    }
    return {};
}

QString findDemoModel() {
    return findDemoModel(QCoreApplication::applicationDirPath());
}

QString loadStartupModel(ui::MainWindow* window, EngineController* controller, const ui::GenerationSettings& settings,
                         const QString& demoDir) {
    window->setDemoModelDir(demoDir);
    ui::GenerationSettings s = settings;
    if (s.modelDir.isEmpty()) s.modelDir = demoDir;
    if (!s.modelDir.isEmpty()) controller->load(s);
    return s.modelDir;
}

}  // namespace sightline::app
