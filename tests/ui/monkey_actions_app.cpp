// The app as a whole: quit and start again, the monitor dock, the settings dialog, loading the
// model again (or a folder that is not a model), cancelling a load.
#include <QAbstractButton>
#include <QAction>
#include <QCheckBox>
#include <QDockWidget>
#include <QSpinBox>
#include <QStatusBar>
#include <QTest>

#include "main_window.h"
#include "monkey.h"
#include "monkey_app.h"
#include "monkey_dialogs.h"

namespace sightline::monkey {
namespace {

ui::MainWindow* win(Monkey& m) {
    return m.app().window();
}

QAction* menuAction(Monkey& m, const QString& text) {
    for (auto* a : win(m)->findChildren<QAction*>())
        if (a->isEnabled() && a->text().remove(QLatin1Char('&')).startsWith(text)) return a;
    return nullptr;
}

// Settings: cancel, accept unchanged, or change what keeps answers greedy (thinking, length).
DialogAnswerer::Answer settingsAnswer(Rng& rng, QString* what) {
    const int kind = rng.below(4);
    if (kind == 0) {
        *what = QStringLiteral("cancel");
        return DialogAnswerer::cancel();
    }
    if (kind == 1) {
        *what = QStringLiteral("OK unchanged");
        return DialogAnswerer::acceptAsIs();
    }
    const int tokens = rng.between(4, 40);
    *what = kind == 2 ? QStringLiteral("toggle thinking, OK") : QStringLiteral("max new tokens %1, OK").arg(tokens);
    return [kind, tokens](QWidget* w) {
        if (kind == 2) {
            if (auto* box = w->findChild<QCheckBox*>()) box->toggle();
        } else {
            // The "Max new tokens" spin box is the one whose range reaches 131072.
            for (auto* s : w->findChildren<QSpinBox*>())
                if (s->maximum() == 131072) s->setValue(tokens);
        }
        return DialogAnswerer::acceptAsIs()(w);
    };
}

QString openSettings(Monkey& m, Rng& rng) {
    QString what;
    m.dialogs().plan(settingsAnswer(rng, &what));
    menuAction(m, QStringLiteral("Settings"))->trigger();
    return what;
}

QString reloadModel(Monkey& m, Rng& rng) {
    const bool bad = rng.chance(0.15);
    const QString folder = bad ? m.poolDir() : m.options().modelDir;
    const bool cancel = rng.chance(0.1);
    m.dialogs().plan(cancel ? DialogAnswerer::cancel() : DialogAnswerer::chooseFile(folder));
    menuAction(m, QStringLiteral("Open model folder"))->trigger();
    QString detail = cancel ? QStringLiteral("cancelled")
                     : bad  ? QStringLiteral("a folder that is not a model")
                            : QStringLiteral("the model");
    if (rng.chance(0.5)) detail += m.waitLoaded(60000) ? QStringLiteral(", waited: loaded") : QStringLiteral(", waited: not loaded");
    return detail;
}

QAbstractButton* cancelLoadButton(Monkey& m) {
    return m.findButton(QStringLiteral("Cancel"), win(m)->statusBar());
}

}  // namespace

void registerAppActions(ActionRegistry& r) {
    r.add({QStringLiteral("restart"), 1, [](Monkey&) { return true; },
           [](Monkey& m, Rng&) {
               const bool streaming = m.app().window()->activeRequest() != 0;
               const QString took = m.restart();
               return (streaming ? QStringLiteral("while an answer streamed, ") : QString()) + took;
           }});
    r.add({QStringLiteral("toggleMonitor"), 2, [](Monkey&) { return true; },
           [](Monkey& m, Rng&) {
               m.app().monitorDock()->toggleViewAction()->trigger();
               return m.app().monitorDock()->isVisible() ? QStringLiteral("shown") : QStringLiteral("hidden");
           }});
    r.add({QStringLiteral("settings"), 2, [](Monkey& m) { return menuAction(m, QStringLiteral("Settings")) != nullptr; }, openSettings});
    r.add({QStringLiteral("reloadModel"), 2, [](Monkey& m) { return menuAction(m, QStringLiteral("Open model folder")) != nullptr; },
           reloadModel});
    r.add({QStringLiteral("cancelLoad"), 1, [](Monkey& m) { return cancelLoadButton(m) != nullptr; },
           [](Monkey& m, Rng&) {
               m.click(cancelLoadButton(m));
               return QString();
           }});
}

}  // namespace sightline::monkey
