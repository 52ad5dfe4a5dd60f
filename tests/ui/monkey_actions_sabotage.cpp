// Sabotage: breaks one invariant on purpose (`--sabotage KIND`, performed once at step 3), so a
// test can see each kind of check fail. Never chosen at random (weight 0).
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

#include "monkey.h"
#include "monkey_app.h"

namespace sightline::monkey {
namespace {

// Runs statements on a writable connection of its own (the app keeps its own open meanwhile).
QString execOn(const QString& path, const QStringList& statements) {
    const QString name = QStringLiteral("monkey-sabotage");
    QString error;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        db.setDatabaseName(path);
        if (!db.open()) error = db.lastError().text();
        for (const QString& sql : statements) {
            QSqlQuery q(db);
            if (error.isEmpty() && !q.exec(sql)) error = q.lastError().text() + QStringLiteral(" in ") + sql;
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return error.isEmpty() ? QStringLiteral("done") : QStringLiteral("failed: ") + error;
}

const QString kMessageColumns = QStringLiteral("chat_id, role, text, images, state, created");

}  // namespace

QStringList sabotageKinds() {
    return {QStringLiteral("orphan"), QStringLiteral("duplicate"), QStringLiteral("image"),
            QStringLiteral("state"),  QStringLiteral("audit"),     QStringLiteral("stall")};
}

void registerSabotageActions(ActionRegistry& r) {
    auto never = [](Monkey&) { return false; };
    r.add({QStringLiteral("sabotage:orphan"), 0, never, [](Monkey& m, Rng&) {
               return execOn(m.app().chatDbPath(),
                             {QStringLiteral("PRAGMA foreign_keys=OFF"),
                              QStringLiteral("INSERT INTO messages(%1) VALUES(987654, 'user', 'lost', '[]', 'done', '2026-01-01')")
                                  .arg(kMessageColumns)});
           }});
    r.add({QStringLiteral("sabotage:duplicate"), 0, never, [](Monkey& m, Rng&) {
               const QString row =
                   QStringLiteral("INSERT INTO messages(%1) SELECT max(id), 'user', 'twice', '[]', 'done', '2026-01-01' FROM chats")
                       .arg(kMessageColumns);
               return execOn(m.app().chatDbPath(),
                             {QStringLiteral("INSERT INTO chats(title, created, updated) VALUES('sabotage', '2026', '2026')"), row, row});
           }});
    r.add({QStringLiteral("sabotage:image"), 0, never, [](Monkey& m, Rng&) {
               return execOn(
                   m.app().chatDbPath(),
                   {QStringLiteral("INSERT INTO chats(title, created, updated) VALUES('sabotage', '2026', '2026')"),
                    QStringLiteral(
                        "INSERT INTO messages(%1) SELECT max(id), 'user', 'where', '[{\"path\":\"%2/nowhere.png\",\"sha256\":\"00\"}]', "
                        "'done', '2026-01-01' FROM chats")
                        .arg(kMessageColumns, m.poolDir())});
           }});
    r.add(
        {QStringLiteral("sabotage:state"), 0, never, [](Monkey& m, Rng&) {
             return execOn(
                 m.app().chatDbPath(),
                 {QStringLiteral("INSERT INTO chats(title, created, updated) VALUES('sabotage', '2026', '2026')"),
                  QStringLiteral("INSERT INTO messages(%1) SELECT max(id), 'assistant', 'half', '[]', 'streaming', '2026-01-01' FROM chats")
                      .arg(kMessageColumns)});
         }});
    r.add({QStringLiteral("sabotage:audit"), 0, never, [](Monkey& m, Rng&) {
               return execOn(
                   m.app().moderationDbPath(),
                   {QStringLiteral("INSERT INTO items(id, status) VALUES('sabotage', 'limbo')"),
                    QStringLiteral("INSERT INTO audit(item_id, record, prev_hash, hash) VALUES('sabotage', '{}', 'forged', 'forged')")});
           }});
    r.add({QStringLiteral("sabotage:stall"), 0, never, [](Monkey& m, Rng&) {
               QThread::msleep(static_cast<unsigned long>(m.options().maxStallMs + 500));  // the GUI thread blocked, not waiting for a CPU
               return QStringLiteral("blocked the GUI thread");
           }});
}

}  // namespace sightline::monkey
