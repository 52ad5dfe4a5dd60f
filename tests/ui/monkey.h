// The monkey: picks an action at random (seeded), performs it on the real app, checks every
// invariant and the GUI thread's answer time, logs a numbered line, and goes on.
//
// Adding an action is a few lines in one of the register*Actions functions:
//     r.add({"switchVersion", 3,
//            [](Monkey& m) { return m.findButton(QStringLiteral("Next version")) != nullptr; },   // may it run now?
//            [](Monkey& m, Rng& rng) { m.click(m.findButton(QStringLiteral("Next version"))); return QString(); }});
// `ready` must be cheap and have no effects; `perform` returns a line for the log (what it chose).
// Step n draws from its own Rng (seed, n) and picks among all enabled actions, ready or not (an
// action that is not ready is logged as skipped): the numbered list of actions is the same in every
// run of a seed. What an action meets can still depend on timing (an answer may end before Stop),
// so `ready` asks what a person could do (is the button there?), not what the app will accept.
// GUI thread only.
#pragma once

#include <QPointer>
#include <QString>
#include <functional>
#include <memory>
#include <vector>

#include "chat_types.h"
#include "monkey_checks.h"
#include "monkey_core.h"

class QAbstractButton;
class QTemporaryDir;
class QWidget;

namespace sightline::monkey {

class DialogAnswerer;
class Heartbeat;
class MonkeyApp;
class Monkey;

struct Action {
    Action(QString name, int weight, std::function<bool(Monkey&)> ready, std::function<QString(Monkey&, Rng&)> perform,
           std::function<bool(const MonkeyOptions&)> enabled = {})
        : name(std::move(name)), weight(weight), ready(std::move(ready)), perform(std::move(perform)), enabled(std::move(enabled)) {}
    QString name;
    int weight = 1;
    std::function<bool(Monkey&)> ready;
    std::function<QString(Monkey&, Rng&)> perform;
    std::function<bool(const MonkeyOptions&)> enabled;  // null: always; else only in runs it allows
};

class ActionRegistry {
public:
    void add(Action action) { m_actions.push_back(std::move(action)); }
    const std::vector<Action>& all() const { return m_actions; }
    const Action* find(const QString& name) const;

private:
    std::vector<Action> m_actions;
};

void registerChatActions(ActionRegistry& registry);        // monkey_actions_chat.cpp
void registerAttachActions(ActionRegistry& registry);      // monkey_actions_attach.cpp
void registerAppActions(ActionRegistry& registry);         // monkey_actions_app.cpp
void registerModerationActions(ActionRegistry& registry);  // monkey_actions_moderation.cpp
void registerSabotageActions(ActionRegistry& registry);    // monkey_actions_sabotage.cpp ("sabotage:<kind>")
QStringList sabotageKinds();

class Monkey {
public:
    Monkey(MonkeyOptions options, ActionRegistry actions, CheckRegistry checks);
    ~Monkey();
    int run();  // 0 clean, 1 violations, 2 could not start

    // For actions.
    MonkeyApp& app() { return *m_app; }
    const MonkeyOptions& options() const { return m_options; }
    DialogAnswerer& dialogs() { return *m_dialogs; }
    int step() const { return m_step; }
    QString questionTag() const;  // "[q<step>-s<seed>]", unique per question
    const QString& dataDir() const { return m_dataDir; }
    QString poolImage(Rng& rng) const;                  // a readable image
    QString badFile(Rng& rng) const;                    // not an image Sightline can read (or not there)
    const QStringList& pool() const { return m_pool; }  // readable images (and the clip, where videos decode)
    const QStringList& bad() const { return m_bad; }
    QString poolDir() const;
    QString restart();  // close the window and build the app again on the same data folder; what took how long
    bool waitLoaded(int ms);
    bool waitIdle(int ms);  // no answer streaming
    void note(const QString& line);
    void violation(const QString& what);  // something the action saw go wrong (reported after it)
    int restarts() const { return m_restarts; }

    // Finding and using widgets like a person: by accessible name or text, visible ones only.
    QAbstractButton* findButton(const QString& nameOrText, QWidget* under = nullptr) const;
    void click(QAbstractButton* button);
    // Types text as key events (QTest::keyClicks knows ASCII only; other characters come as text
    // of key events, the way an input method delivers them).
    static void type(QWidget* widget, const QString& text);
    const ui::GenerationSettings& settings() const { return m_settings; }

private:
    bool start();
    void makePool();
    QString chooseAndPerform(int step);
    bool checkAfter(int step, const QString& what);
    MonkeyOptions m_options;
    ActionRegistry m_actions;
    CheckRegistry m_checks;
    CheckState m_checkState;
    std::unique_ptr<QTemporaryDir> m_tempDir;
    QString m_dataDir;
    ui::GenerationSettings m_settings;
    std::unique_ptr<MonkeyApp> m_app;
    std::unique_ptr<DialogAnswerer> m_dialogs;
    std::unique_ptr<Heartbeat> m_heartbeat;
    MonkeyLog m_log;
    QByteArray m_replay;  // kept alive for the crash handler
    int m_step = 0;
    int m_restarts = 0;
    int m_violations = 0;
    int m_skipped = 0;
    double m_maxStallMs = 0, m_maxRawGapMs = 0;
    QString m_maxStallAt;
    QStringList m_pool, m_bad;
    QStringList m_actionViolations;
    QString m_lastNotice;
    std::map<QString, int> m_performed;
};

}  // namespace sightline::monkey
