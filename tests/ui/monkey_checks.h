// What must hold after every action, as named checks in a registry (add one with a few lines,
// like an action). Each appends violations (one line each, saying what and where) to `out`.
//  - chat database (a read-only connection of its own): integrity, no orphan rows (foreign keys),
//    sane roles/states, every image of every message on disk with its recorded hash, no message
//    stored twice; every chat loads through the app's own ChatStore
//  - window: the chat list matches the store, the shown chat exists and matches its stored
//    messages, Send/Stop matches whether an answer streams, no answer streams forever
//  - moderation (through the moderation library): every item has a valid state, the audit chain
//    verifies and only grows, every judgement and decision is in the audit log
// `deep` runs the costly parts (every chat, every item's audit records); the monkey asks for it
// every few actions and after each restart.
// GUI thread only.
#pragma once

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QString>
#include <QStringList>
#include <functional>
#include <vector>

namespace sightline::monkey {

class MonkeyApp;

// What the checks remember between runs (the audit log only grows; hashes of files seen).
struct CheckState {
    qint64 auditRecords = -1;
    quint64 watchedRequest = 0;
    QElapsedTimer requestSince;
    bool moderationWasRunning = false;
    QElapsedTimer moderationSince;
    struct FileSeen {
        QDateTime modified;
        qint64 size = -1;
        QString sha256;
    };
    QHash<QString, FileSeen> files;  // sha256 cache: path → (mtime, size, hash)
    QString sha256Of(const QString& path);
    int answerLimitMs = 120000;      // an answer streaming longer than this is stuck
    int moderationLimitMs = 900000;  // a queue run longer than this is stuck
};

struct Check {
    QString name;
    std::function<void(MonkeyApp& app, CheckState& state, bool deep, QStringList& out)> run;
};

class CheckRegistry {
public:
    void add(Check check) { m_checks.push_back(std::move(check)); }
    const std::vector<Check>& all() const { return m_checks; }
    // Runs every check; a check that throws is a violation too. Lines are "name: what".
    QStringList run(MonkeyApp& app, CheckState& state, bool deep) const;

private:
    std::vector<Check> m_checks;
};

void registerChatChecks(CheckRegistry& registry);
void registerWindowChecks(CheckRegistry& registry);
void registerModerationChecks(CheckRegistry& registry);

}  // namespace sightline::monkey
