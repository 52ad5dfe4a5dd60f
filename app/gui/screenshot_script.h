// Scripted runs of the app (README screenshots, demos): --ask/--image once the model is loaded,
// --screenshot PNG at --screenshot-at start|loaded|streaming|done|moderation, then quit, printing
// "screenshot PNG · model: <the status line>" to stdout (scripts and tests read which model ran).
// GUI thread only.
#pragma once

#include <QCommandLineOption>
#include <QString>
#include <functional>

class QCommandLineParser;

namespace sightline::ui {
class MainWindow;
}

namespace sightline::app {

class EngineController;

struct ScreenshotOptions {
    QCommandLineOption ask{QStringLiteral("ask"), QStringLiteral("Ask this once the model is loaded (demo, screenshots)."),
                           QStringLiteral("text")};
    QCommandLineOption image{QStringLiteral("image"), QStringLiteral("Attach this image to --ask."), QStringLiteral("path")};
    QCommandLineOption shot{QStringLiteral("screenshot"), QStringLiteral("Save a screenshot of the window and quit."),
                            QStringLiteral("png")};
    QCommandLineOption at{QStringLiteral("screenshot-at"), QStringLiteral("start | loaded | streaming | done | moderation"),
                          QStringLiteral("when"), QStringLiteral("done")};
    void addTo(QCommandLineParser& parser) const;
};

// Connects the script to the window and the controller. moderationIdle says whether the moderation
// queue has finished (for "moderation"); it is asked from the GUI thread.
void scriptScreenshots(const QCommandLineParser& parser, const ScreenshotOptions& options, ui::MainWindow* window,
                       EngineController* controller, std::function<bool()> moderationIdle);

}  // namespace sightline::app
