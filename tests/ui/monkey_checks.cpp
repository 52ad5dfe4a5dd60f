#include "monkey_checks.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListWidget>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>

#include <QLineEdit>
#include "chat_store.h"
#include "chat_view.h"
#include "composer.h"

#include "chat_list_panel.h"
#include "main_window.h"
#include "message_widget.h"
#include "monkey_app.h"

namespace sightline::monkey {
namespace {

// Runs fn on a read-only connection of the monkey's own to an SQLite file (never the app's).
void withReadOnly(const QString& path, const QString& name, QStringList& out, const std::function<void(QSqlDatabase&)>& fn) {
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"));
        db.setDatabaseName(path);
        if (!db.open())
            out << QStringLiteral("cannot open %1 read-only: %2").arg(path, db.lastError().text());
        else
            fn(db);
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

QSqlQuery select(QSqlDatabase& db, const QString& sql, QStringList& out) {
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(sql)) out << QStringLiteral("query failed (%1): %2").arg(sql.left(80), q.lastError().text());
    return q;
}

void integrity(QSqlDatabase& db, const QString& what, QStringList& out) {
    QSqlQuery q = select(db, QStringLiteral("PRAGMA quick_check"), out);
    while (q.next())
        if (q.value(0).toString() != QLatin1String("ok")) out << what + QStringLiteral(" integrity: ") + q.value(0).toString();
    QSqlQuery fk = select(db, QStringLiteral("PRAGMA foreign_key_check"), out);
    while (fk.next())
        out << QStringLiteral("%1: orphan row %2 in table %3 (no %4)")
                   .arg(what, fk.value(1).toString(), fk.value(0).toString(), fk.value(2).toString());
}

void chatDatabase(MonkeyApp& app, CheckState& state, bool, QStringList& out) {
    withReadOnly(app.chatDbPath(), QStringLiteral("monkey-ro-chats"), out, [&](QSqlDatabase& db) {
        integrity(db, QStringLiteral("chats.sqlite3"), out);
        QSqlQuery orphans = select(db,
                                   QStringLiteral("SELECT m.id, m.chat_id FROM messages m LEFT JOIN chats c ON c.id = m.chat_id "
                                                  "WHERE c.id IS NULL"),
                                   out);
        while (orphans.next())
            out << QStringLiteral("message %1 belongs to chat %2, which does not exist")
                       .arg(orphans.value(0).toString(), orphans.value(1).toString());
        static const QSet<QString> roles{QStringLiteral("user"), QStringLiteral("assistant"), QStringLiteral("system")};
        // "interrupted": an answer a crash or kill cut off, recovered at the next start.
        static const QSet<QString> states{QStringLiteral("done"), QStringLiteral("stopped"), QStringLiteral("failed"),
                                          QStringLiteral("interrupted")};
        // The answer being streamed is saved as it goes ("streaming"): only while one is running, and one at most.
        int streaming = 0;
        const bool answering = app.window()->activeRequest() != 0;
        QSqlQuery q = select(db, QStringLiteral("SELECT id, chat_id, role, state, images, stats FROM messages ORDER BY id"), out);
        while (q.next()) {
            const QString id = q.value(0).toString();
            if (!roles.contains(q.value(2).toString())) out << QStringLiteral("message %1 has role '%2'").arg(id, q.value(2).toString());
            if (q.value(3).toString() == QLatin1String("streaming")) {
                if (!answering || ++streaming > 1)
                    out << QStringLiteral("message %1 is stored as 'streaming' with %2")
                               .arg(id, answering ? QStringLiteral("another one streaming") : QStringLiteral("no answer running"));
            } else if (!states.contains(q.value(3).toString())) {
                out << QStringLiteral("message %1 is stored as '%2'").arg(id, q.value(3).toString());
            }
            QJsonParseError err;
            const QJsonDocument images = QJsonDocument::fromJson(q.value(4).toString().toUtf8(), &err);
            if (err.error != QJsonParseError::NoError || !images.isArray()) {
                out << QStringLiteral("message %1: images column is not a JSON array").arg(id);
                continue;
            }
            for (const auto& v : images.array()) {
                // The chat's own copy: a name in the store's image folder (older rows: an absolute path).
                QString path = v.toObject().value(QStringLiteral("path")).toString();
                if (!path.isEmpty() && QFileInfo(path).isRelative()) path = app.store()->imageFolder() + QLatin1Char('/') + path;
                const QString sha = v.toObject().value(QStringLiteral("sha256")).toString();
                if (path.isEmpty() || !QFileInfo::exists(path)) {
                    out << QStringLiteral("message %1 (chat %2): image missing on disk: %3").arg(id, q.value(1).toString(), path);
                    continue;
                }
                if (!sha.isEmpty() && state.sha256Of(path) != sha)
                    out << QStringLiteral("message %1 (chat %2): image %3 no longer has its recorded sha256")
                               .arg(id, q.value(1).toString(), path);
            }
            if (!q.value(5).isNull() && !QJsonDocument::fromJson(q.value(5).toString().toUtf8()).isObject())
                out << QStringLiteral("message %1: stats are not a JSON object").arg(id);
        }
        // The same message written twice: identical rows but for the id.
        QSqlQuery dup = select(db,
                               QStringLiteral("SELECT chat_id, role, substr(text, 1, 60), COUNT(*) FROM messages "
                                              "GROUP BY chat_id, role, text, images, created HAVING COUNT(*) > 1"),
                               out);
        while (dup.next())
            out << QStringLiteral("chat %1: %2 message stored %3 times: %4")
                       .arg(dup.value(0).toString(), dup.value(1).toString(), dup.value(3).toString(), dup.value(2).toString());
        // Every question the monkey asks carries a tag of its own ("[q<step>-s<seed>]"): one row each.
        QSqlQuery tags = select(db,
                                QStringLiteral("SELECT substr(text, 1, 60), COUNT(*) FROM messages WHERE role = 'user' AND text LIKE '[q%' "
                                               "GROUP BY text HAVING COUNT(*) > 1"),
                                out);
        while (tags.next()) out << QStringLiteral("question stored %1 times: %2").arg(tags.value(1).toString(), tags.value(0).toString());
    });
}

void chatsLoad(MonkeyApp& app, CheckState&, bool deep, QStringList& out) {
    const auto chats = app.store()->chats();
    for (const auto& c : chats) {
        if (!deep && c.id != app.window()->currentChat()) continue;
        try {
            const auto messages = app.store()->messages(c.id);
            QSet<qint64> ids;
            for (const auto& m : messages)
                if (ids.contains(m.id))
                    out << QStringLiteral("chat %1 lists message %2 twice").arg(c.id).arg(m.id);
                else
                    ids.insert(m.id);
        } catch (const std::exception& e) {
            out << QStringLiteral("chat %1 does not load: %2").arg(c.id).arg(QString::fromUtf8(e.what()));
        }
    }
}

void windowMatchesStore(MonkeyApp& app, CheckState& state, bool, QStringList& out) {
    ui::MainWindow* w = app.window();
    if (!w->isVisible()) out << QStringLiteral("the window is not visible");
    const auto chats = app.store()->chats();
    QListWidget* list = nullptr;
    for (auto* l : w->findChildren<QListWidget*>())
        if (l->accessibleName() == ui::MainWindow::tr("Chat history")) list = l;
    // Day headers (id -1) are not chats; a search filters the list, so only an empty search compares.
    int shown = 0;
    if (list)
        for (int i = 0; i < list->count(); ++i) shown += list->item(i)->data(Qt::UserRole).toLongLong() >= 0;
    const bool searching = w->chatList() && !w->chatList()->searchField()->text().isEmpty();
    if (list && !searching && shown != chats.size())
        out << QStringLiteral("the chat list shows %1 chats, the store has %2").arg(shown).arg(chats.size());
    const qint64 current = w->currentChat();
    if (current >= 0 && std::none_of(chats.begin(), chats.end(), [current](const auto& c) { return c.id == current; }))
        out << QStringLiteral("the window shows chat %1, which is not in the store").arg(current);
    const bool streaming = w->activeRequest() != 0;
    if (w->composer()->busy() != streaming)
        out << QStringLiteral("Send/Stop shows %1 while %2")
                   .arg(w->composer()->busy() ? "Stop" : "Send", streaming ? "an answer streams" : "nothing streams");
    if (!streaming && current >= 0) {
        const int stored = int(app.store()->messages(current).size());
        // A failed answer without text is shown with its error but not stored (MainWindow::finishActive):
        // such bubbles stay until the chat is opened again.
        int shown = 0;
        for (int i = 0; i < w->chatView()->count(); ++i) {
            const ui::ChatMessageUi& msg = w->chatView()->messageAt(i)->message();
            if (!(msg.id < 0 && msg.state == ui::MessageState::Failed)) ++shown;
        }
        if (shown != stored) out << QStringLiteral("chat %1 shows %2 saved messages, the store has %3").arg(current).arg(shown).arg(stored);
    }
    if (!streaming) {
        state.watchedRequest = 0;
    } else if (state.watchedRequest != w->activeRequest()) {
        state.watchedRequest = w->activeRequest();
        state.requestSince.start();
    } else if (state.requestSince.elapsed() > state.answerLimitMs) {
        out << QStringLiteral("answer %1 has streamed for %2 s").arg(state.watchedRequest).arg(state.requestSince.elapsed() / 1000);
    }
}

}  // namespace

QString CheckState::sha256Of(const QString& path) {
    const QFileInfo info(path);
    FileSeen& f = files[info.absoluteFilePath()];
    if (f.size != info.size() || f.modified != info.lastModified() || f.sha256.isEmpty()) {
        f.size = info.size();
        f.modified = info.lastModified();
        f.sha256 = ui::sha256OfFile(path);
    }
    return f.sha256;
}

QStringList CheckRegistry::run(MonkeyApp& app, CheckState& state, bool deep) const {
    QStringList all;
    for (const Check& c : m_checks) {
        QStringList out;
        try {
            c.run(app, state, deep, out);
        } catch (const std::exception& e) {
            out << QStringLiteral("threw: ") + QString::fromUtf8(e.what());
        }
        for (const QString& line : out) all << c.name + QStringLiteral(": ") + line;
    }
    return all;
}

void registerChatChecks(CheckRegistry& r) {
    r.add({QStringLiteral("chat-db"), chatDatabase});
    r.add({QStringLiteral("chats-load"), chatsLoad});
}

void registerWindowChecks(CheckRegistry& r) {
    r.add({QStringLiteral("window"), windowMatchesStore});
}

}  // namespace sightline::monkey
