// ui_monkey: a soak test that uses the real app (window, controller, engine on a model folder,
// moderation) for as long as you like, with random but seeded sequences of what people do, and
// checks after every action that the app is alive, the GUI thread answers, and the chat and
// moderation databases hold their invariants.
//
//   ui_monkey --model DIR --seed N --actions K [--restart-every R] [--data DIR] [--log FILE]
//             [--keep-going] [--mutate-sources] [--only a,b] [--without a,b] [--list-actions]
//
// Exit status: 0 clean, 1 violations (the seed, the replay command and the numbered action log go
// to stderr), 2 usage or start failure; a crash or hang prints the same and dies by its signal.
// Runs on the offscreen platform unless QT_QPA_PLATFORM says otherwise (xvfb works too).
#include <QApplication>
#include <QTextStream>
#include <cstdlib>

#include "monkey.h"

using namespace sightline::monkey;

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication::setAttribute(Qt::AA_DontUseNativeDialogs);  // file dialogs the monkey can answer
    QApplication::setOrganizationName(QStringLiteral("SightlineMonkey"));
    QApplication::setApplicationName(QStringLiteral("Sightline"));
    QApplication app(argc, argv);
    app.setQuitOnLastWindowClosed(false);  // a restart closes the only window

    ActionRegistry actions;
    registerChatActions(actions);
    registerAppActions(actions);
    registerModerationActions(actions);
    registerSabotageActions(actions);
    if (app.arguments().contains(QStringLiteral("--list-actions"))) {
        QTextStream out(stdout);
        for (const auto& a : actions.all()) out << a.name << " (weight " << a.weight << ")\n";
        return 0;
    }
    MonkeyOptions options;
    QString error;
    if (!parseOptions(app.arguments(), &options, &error)) {
        QTextStream(stderr) << "ui_monkey: " << error << "\n";
        return 2;
    }
    if (!options.sabotage.isEmpty() && !sabotageKinds().contains(options.sabotage)) {
        QTextStream(stderr) << "ui_monkey: --sabotage is one of " << sabotageKinds().join(QStringLiteral(", ")) << "\n";
        return 2;
    }
    for (const QString& name : options.only + options.without)
        if (!actions.find(name)) {
            QTextStream(stderr) << "ui_monkey: no action named " << name << " (see --list-actions)\n";
            return 2;
        }
    CheckRegistry checks;
    registerChatChecks(checks);
    registerWindowChecks(checks);
    registerModerationChecks(checks);
    Monkey monkey(options, std::move(actions), std::move(checks));
    return monkey.run();
}
