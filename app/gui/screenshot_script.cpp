#include "screenshot_script.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstdio>

#include "composer.h"
#include "engine_controller.h"
#include "main_window.h"

namespace sightline::app {

void ScreenshotOptions::addTo(QCommandLineParser& parser) const {
    parser.addOptions({ask, image, shot, at});
}

void scriptScreenshots(const QCommandLineParser& cli, const ScreenshotOptions& opt, ui::MainWindow* window, EngineController* controller,
                       std::function<bool()> moderationIdle) {
    const QString shot = cli.value(opt.shot), when = cli.value(opt.at);
    auto grab = [window, shot] {
        window->grab().save(shot);
        std::printf("screenshot %s · model: %s\n", shot.toUtf8().constData(), window->modelStatusText().toUtf8().constData());
        std::fflush(stdout);
        QTimer::singleShot(50, qApp, &QApplication::quit);
    };
    if (!shot.isEmpty() && when == QLatin1String("start")) QTimer::singleShot(500, window, grab);
    if (!shot.isEmpty() && when == QLatin1String("loaded"))
        QObject::connect(controller, &EngineController::modelLoaded, window, [window, grab] { QTimer::singleShot(300, window, grab); });
    if (!shot.isEmpty() && when == QLatin1String("moderation"))
        QObject::connect(controller, &EngineController::modelLoaded, window, [window, grab, moderationIdle] {
            QTimer::singleShot(100, window, [window, grab, moderationIdle] {
                auto* wait = new QTimer(window);
                QObject::connect(wait, &QTimer::timeout, window, [window, grab, moderationIdle, wait] {
                    if (moderationIdle()) {
                        wait->stop();
                        QTimer::singleShot(300, window, grab);
                    }
                });
                wait->start(200);
            });
        });
    if (!cli.isSet(opt.ask)) return;
    const QString question = cli.value(opt.ask), image = cli.isSet(opt.image) ? cli.value(opt.image) : QString();
    QObject::connect(controller, &EngineController::modelLoaded, window, [window, question, image] {
        if (!image.isEmpty()) window->composer()->addImageFile(image);
        window->composer()->setText(question);
        window->composer()->submit();  // once the image is read
    });
    if (!shot.isEmpty() && when == QLatin1String("streaming")) {
        auto chunks = std::make_shared<int>(0);
        QObject::connect(controller, &EngineController::chunk, window, [grab, chunks](quint64, const QString&) {
            if ((*chunks)++ == 2) grab();  // synchronously: the window as it is mid-stream
        });
    }
    if (!shot.isEmpty() && when == QLatin1String("done"))
        QObject::connect(controller, &EngineController::finished, window, [window, grab] { QTimer::singleShot(300, window, grab); });
}

}  // namespace sightline::app
