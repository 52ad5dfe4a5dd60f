#include "chat_store.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QUuid>
#include <QVariant>
#include <stdexcept>

#include "chat_store_sql.h"

namespace sightline::ui {
namespace store {

void exec(QSqlQuery& q, const char* what) {
    if (!q.exec()) throw std::runtime_error(std::string(what) + ": " + q.lastError().text().toStdString());
}

void exec(QSqlQuery& q, const QString& sql, const char* what) {
    if (!q.exec(sql)) throw std::runtime_error(std::string(what) + ": " + q.lastError().text().toStdString());
}

QString stateName(MessageState s) {
    switch (s) {
        case MessageState::Done:
            return QStringLiteral("done");
        case MessageState::Streaming:
            return QStringLiteral("streaming");
        case MessageState::Stopped:
            return QStringLiteral("stopped");
        case MessageState::Failed:
            return QStringLiteral("failed");
        case MessageState::Interrupted:
            return QStringLiteral("interrupted");
    }
    return QStringLiteral("done");
}

MessageState stateFrom(const QString& s) {
    if (s == QLatin1String("stopped")) return MessageState::Stopped;
    if (s == QLatin1String("failed")) return MessageState::Failed;
    if (s == QLatin1String("streaming")) return MessageState::Streaming;
    if (s == QLatin1String("interrupted")) return MessageState::Interrupted;
    return MessageState::Done;
}

namespace {
QByteArray pngBytes(const QImage& img) {
    QByteArray out;
    if (img.isNull()) return out;
    QBuffer buf(&out);
    buf.open(QIODevice::WriteOnly);
    img.save(&buf, "PNG");
    return out;
}
}  // namespace

QJsonArray imagesJson(const QList<ImageRef>& images, const QString& imageFolder) {
    QJsonArray a;
    for (const auto& im : images) {
        const QFileInfo fi(im.path);
        const QString path = fi.isAbsolute() && fi.absolutePath() == QDir(imageFolder).absolutePath() ? fi.fileName() : im.path;
        a.append(QJsonObject{{"path", path},
                             {"source", im.source},
                             {"sha256", im.sha256},
                             {"preflight", im.preflight},
                             {"thumbnail_png", QString::fromLatin1(pngBytes(im.thumbnail).toBase64())}});
    }
    return a;
}

QList<ImageRef> imagesFrom(const QByteArray& json, const QString& imageFolder) {
    QList<ImageRef> out;
    for (const auto& v : QJsonDocument::fromJson(json).array()) {
        const auto o = v.toObject();
        ImageRef r;
        r.path = o.value("path").toString();
        if (!r.path.isEmpty() && QFileInfo(r.path).isRelative()) r.path = QDir(imageFolder).filePath(r.path);
        r.source = o.value("source").toString();
        r.sha256 = o.value("sha256").toString();
        r.preflight = o.value("preflight").toString();
        r.thumbnail.loadFromData(QByteArray::fromBase64(o.value("thumbnail_png").toString().toLatin1()), "PNG");
        out.append(r);
    }
    return out;
}

QString nowUtc() {
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

}  // namespace store

using namespace store;

namespace {

constexpr const char* kMessageColumns =
    "id, parent_id, selected, role, text, images, stats, state, error, error_phase, settings, seed, created";

struct Row {
    ChatMessageUi message;
    bool selected = true;
};

Row readRow(const QSqlQuery& q, const QString& imageFolder) {
    Row r;
    ChatMessageUi& m = r.message;
    m.id = q.value(0).toLongLong();
    m.parentId = q.value(1).isNull() ? -1 : q.value(1).toLongLong();
    r.selected = q.value(2).toInt() != 0;
    m.role = q.value(3).toString();
    m.text = q.value(4).toString();
    m.images = imagesFrom(q.value(5).toString().toUtf8(), imageFolder);
    if (!q.value(6).isNull()) m.stats = MessageStats::fromJson(QJsonDocument::fromJson(q.value(6).toString().toUtf8()).object());
    m.state = stateFrom(q.value(7).toString());
    m.error = q.value(8).toString();
    m.errorPhase = q.value(9).toString();
    m.settings = QJsonDocument::fromJson(q.value(10).toString().toUtf8()).object();
    m.seed = q.value(11).toLongLong();
    m.created = QDateTime::fromString(q.value(12).toString(), Qt::ISODateWithMs);
    return r;
}

QVariant parentValue(qint64 parentId) {
    return parentId < 0 ? QVariant(QMetaType::fromType<qint64>()) : QVariant(parentId);
}

QString statsText(const ChatMessageUi& m) {
    return m.stats ? QString::fromUtf8(QJsonDocument(m.stats->toJson()).toJson(QJsonDocument::Compact)) : QString();
}

}  // namespace

QString sha256OfFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return QString::fromLatin1(h.result().toHex());
}

ChatStore::ChatStore(const QString& path, QObject* parent) : QObject(parent), m_path(path), m_connection(QUuid::createUuid().toString()) {
    m_imageFolder = QFileInfo(path).absoluteDir().filePath(QStringLiteral("images-store"));
    QSqlDatabase d = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    d.setDatabaseName(path);
    if (!d.open()) throw std::runtime_error("cannot open " + path.toStdString() + ": " + d.lastError().text().toStdString());
    QSqlQuery q(d);
    // FULL: WAL commits are synced, so a message the app saw committed survives a power cut too.
    for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=2000"})
        if (!q.exec(QString::fromLatin1(sql)))
            throw std::runtime_error("database " + path.toStdString() + ": " + q.lastError().text().toStdString());
    migrate();
    recoverInterrupted();
    QDir().mkpath(m_imageFolder);
    removeOrphanImages({});
}

ChatStore::~ChatStore() {
    { QSqlDatabase::database(m_connection).close(); }
    QSqlDatabase::removeDatabase(m_connection);
}

QSqlDatabase ChatStore::db() const {
    return QSqlDatabase::database(m_connection);
}

bool ChatStore::write(const char* what, const std::function<void(QSqlDatabase&)>& body) {
    QSqlDatabase d = db();
    QString error;
    {
        QSqlQuery begin(d);
        if (!begin.exec(QStringLiteral("BEGIN IMMEDIATE"))) error = begin.lastError().text();
    }
    if (error.isEmpty()) {
        try {
            body(d);
            QSqlQuery commit(d);
            if (!commit.exec(QStringLiteral("COMMIT"))) throw std::runtime_error("commit: " + commit.lastError().text().toStdString());
            return true;
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        QSqlQuery rollback(d);
        rollback.exec(QStringLiteral("ROLLBACK"));
    }
    Q_EMIT writeFailed(tr("Could not save the chat (%1): %2. Nothing of this change was saved.").arg(QString::fromLatin1(what), error));
    return false;
}

qint64 ChatStore::createChat(const QString& title, const QString& systemPrompt) {
    qint64 id = -1;
    const bool ok = write("create chat", [&](QSqlDatabase& d) {
        QSqlQuery q(d);
        q.prepare(QStringLiteral("INSERT INTO chats(title, system_prompt, created, updated) VALUES(?, ?, ?, ?)"));
        const QString now = nowUtc();
        q.addBindValue(nn(title));
        q.addBindValue(nn(systemPrompt));
        q.addBindValue(now);
        q.addBindValue(now);
        exec(q, "create chat");
        id = q.lastInsertId().toLongLong();
    });
    return ok ? id : -1;
}

bool ChatStore::setChatText(const char* what, const QString& sql, qint64 chatId, const QString& value) {
    return write(what, [&](QSqlDatabase& d) {
        QSqlQuery q(d);
        q.prepare(sql);
        q.addBindValue(nn(value));
        q.addBindValue(chatId);
        exec(q, what);
    });
}

bool ChatStore::renameChat(qint64 chatId, const QString& title) {
    return setChatText("rename chat", QStringLiteral("UPDATE chats SET title=? WHERE id=?"), chatId, title);
}

bool ChatStore::deleteChat(qint64 chatId) {
    QStringList shas;
    const bool ok = write("delete chat", [&](QSqlDatabase& d) {
        QSqlQuery q(d);
        q.prepare(
            QStringLiteral("SELECT DISTINCT i.sha256 FROM message_images i JOIN messages m ON m.id = i.message_id WHERE m.chat_id=?"));
        q.addBindValue(chatId);
        exec(q, "images of the chat");
        while (q.next()) shas.append(q.value(0).toString());
        QSqlQuery del(d);
        del.prepare(QStringLiteral("DELETE FROM chats WHERE id=?"));  // messages and their image rows cascade
        del.addBindValue(chatId);
        exec(del, "delete chat");
    });
    if (ok && !shas.isEmpty()) removeOrphanImages(shas);  // after the commit: a crash here leaves files for the next open
    return ok;
}

QList<ChatSummary> ChatStore::chats(const QString& filter) const {
    QSqlQuery q(db());
    QString like = filter;
    like.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('%'), QLatin1String("\\%"))
        .replace(QLatin1Char('_'), QLatin1String("\\_"));
    like = QLatin1Char('%') + like + QLatin1Char('%');
    q.prepare(
        QStringLiteral("SELECT id, title, updated FROM chats WHERE ?='' OR title LIKE ? ESCAPE '\\' OR EXISTS(SELECT 1 FROM messages m "
                       "WHERE m.chat_id=chats.id AND m.text LIKE ? ESCAPE '\\') ORDER BY updated DESC, id DESC"));
    q.addBindValue(nn(filter));
    q.addBindValue(like);
    q.addBindValue(like);
    exec(q, "list chats");
    QList<ChatSummary> out;
    while (q.next())
        out.append({q.value(0).toLongLong(), q.value(1).toString(), QDateTime::fromString(q.value(2).toString(), Qt::ISODateWithMs)});
    return out;
}

QString ChatStore::chatSystemPrompt(qint64 chatId) const {
    QSqlQuery q(db());
    q.prepare(QStringLiteral("SELECT system_prompt FROM chats WHERE id=?"));
    q.addBindValue(chatId);
    exec(q, "read chat");
    return q.next() ? q.value(0).toString() : QString();
}

bool ChatStore::setChatSystemPrompt(qint64 chatId, const QString& prompt) {
    return setChatText("set system prompt", QStringLiteral("UPDATE chats SET system_prompt=? WHERE id=?"), chatId, prompt);
}

qint64 ChatStore::addMessage(qint64 chatId, const ChatMessageUi& m) {
    qint64 id = -1;
    const bool ok = write("add message", [&](QSqlDatabase& d) {
        if (m.parentId >= 0) {
            QSqlQuery p(d);
            p.prepare(QStringLiteral("SELECT chat_id FROM messages WHERE id=?"));
            p.addBindValue(m.parentId);
            exec(p, "read parent");
            if (!p.next() || p.value(0).toLongLong() != chatId) throw std::runtime_error("the parent message is not in this chat");
        }
        QSqlQuery q(d);
        q.prepare(
            QStringLiteral("INSERT INTO messages(chat_id, parent_id, selected, role, text, images, stats, state, error, error_phase, "
                           "settings, seed, created) VALUES(?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        q.addBindValue(chatId);
        q.addBindValue(parentValue(m.parentId));
        q.addBindValue(nn(m.role));
        q.addBindValue(nn(m.text));
        q.addBindValue(QString::fromUtf8(QJsonDocument(imagesJson(m.images, m_imageFolder)).toJson(QJsonDocument::Compact)));
        q.addBindValue(m.stats ? QVariant(statsText(m)) : QVariant(QMetaType::fromType<QString>()));
        q.addBindValue(stateName(m.state));
        q.addBindValue(nn(m.error));
        q.addBindValue(nn(m.errorPhase));
        q.addBindValue(QString::fromUtf8(QJsonDocument(m.settings).toJson(QJsonDocument::Compact)));
        q.addBindValue(m.seed);
        q.addBindValue(m.created.toString(Qt::ISODateWithMs));
        exec(q, "add message");
        id = q.lastInsertId().toLongLong();
        QSqlQuery s(d);
        s.prepare(QStringLiteral("UPDATE messages SET selected=0 WHERE chat_id=? AND parent_id IS ? AND id<>?"));
        s.addBindValue(chatId);
        s.addBindValue(parentValue(m.parentId));
        s.addBindValue(id);
        exec(s, "select version");
        for (const auto& im : m.images) {
            if (im.sha256.isEmpty() || QFileInfo(im.path).absolutePath() != QDir(m_imageFolder).absolutePath()) continue;
            QSqlQuery i(d);
            i.prepare(QStringLiteral("INSERT INTO message_images(message_id, sha256) VALUES(?, ?)"));
            i.addBindValue(id);
            i.addBindValue(im.sha256);
            exec(i, "add image");
        }
        QSqlQuery u(d);
        u.prepare(QStringLiteral("UPDATE chats SET updated=? WHERE id=?"));
        u.addBindValue(nowUtc());
        u.addBindValue(chatId);
        exec(u, "touch chat");
        if (u.numRowsAffected() != 1) throw std::runtime_error("the chat does not exist");
    });
    return ok ? id : -1;
}

bool ChatStore::updateMessage(const ChatMessageUi& m) {
    return write("update message", [&](QSqlDatabase& d) {
        QSqlQuery q(d);
        q.prepare(QStringLiteral("UPDATE messages SET text=?, stats=?, state=?, error=?, error_phase=?, settings=?, seed=? WHERE id=?"));
        q.addBindValue(nn(m.text));
        q.addBindValue(m.stats ? QVariant(statsText(m)) : QVariant(QMetaType::fromType<QString>()));
        q.addBindValue(stateName(m.state));
        q.addBindValue(nn(m.error));
        q.addBindValue(nn(m.errorPhase));
        q.addBindValue(QString::fromUtf8(QJsonDocument(m.settings).toJson(QJsonDocument::Compact)));
        q.addBindValue(m.seed);
        q.addBindValue(m.id);
        exec(q, "update message");
        if (q.numRowsAffected() != 1) throw std::runtime_error("the message does not exist");
    });
}

bool ChatStore::selectVersion(qint64 messageId) {
    return write("select version", [&](QSqlDatabase& d) {
        QSqlQuery q(d);
        q.prepare(
            QStringLiteral("UPDATE messages SET selected=(id=?) WHERE chat_id=(SELECT chat_id FROM messages WHERE id=?) "
                           "AND parent_id IS (SELECT parent_id FROM messages WHERE id=?)"));
        for (int i = 0; i < 3; ++i) q.addBindValue(messageId);
        exec(q, "select version");
        if (q.numRowsAffected() < 1) throw std::runtime_error("the message does not exist");
    });
}

qint64 ChatStore::siblingVersion(qint64 messageId, int delta) const {
    QSqlQuery q(db());
    q.prepare(
        QStringLiteral("SELECT s.id FROM messages s JOIN messages m ON m.id=? WHERE s.chat_id=m.chat_id AND s.parent_id IS m.parent_id "
                       "ORDER BY s.id"));
    q.addBindValue(messageId);
    exec(q, "read versions");
    QList<qint64> ids;
    while (q.next()) ids.append(q.value(0).toLongLong());
    const qsizetype at = ids.indexOf(messageId);
    if (at < 0 || at + delta < 0 || at + delta >= ids.size()) return -1;
    return ids[at + delta];
}

QList<ChatMessageUi> ChatStore::allMessages(qint64 chatId) const {
    QSqlQuery q(db());
    q.prepare(QStringLiteral("SELECT %1 FROM messages WHERE chat_id=? ORDER BY id").arg(QLatin1String(kMessageColumns)));
    q.addBindValue(chatId);
    exec(q, "read messages");
    QList<ChatMessageUi> out;
    while (q.next()) out.append(readRow(q, m_imageFolder).message);
    return out;
}

std::optional<ChatMessageUi> ChatStore::message(qint64 messageId) const {
    QSqlQuery q(db());
    q.prepare(QStringLiteral("SELECT %1 FROM messages WHERE id=?").arg(QLatin1String(kMessageColumns)));
    q.addBindValue(messageId);
    exec(q, "read message");
    if (!q.next()) return std::nullopt;
    return readRow(q, m_imageFolder).message;
}

QList<ChatMessageUi> ChatStore::messages(qint64 chatId) const {
    QSqlQuery q(db());
    q.prepare(QStringLiteral("SELECT %1 FROM messages WHERE chat_id=? ORDER BY id").arg(QLatin1String(kMessageColumns)));
    q.addBindValue(chatId);
    exec(q, "read messages");
    QHash<qint64, QList<Row>> children;  // parent id (-1: root) → versions, oldest first
    while (q.next()) {
        Row r = readRow(q, m_imageFolder);
        children[r.message.parentId].append(std::move(r));
    }
    QList<ChatMessageUi> path;
    qint64 at = -1;
    while (path.size() <= children.size()) {  // bounded: a corrupt cycle cannot loop forever
        const auto it = children.constFind(at);
        if (it == children.constEnd() || it->isEmpty()) break;
        qsizetype pick = it->size() - 1;  // the newest version when none is marked
        for (qsizetype i = 0; i < it->size(); ++i)
            if ((*it)[i].selected) pick = i;
        ChatMessageUi m = (*it)[pick].message;
        m.versionIndex = static_cast<int>(pick);
        m.versionCount = static_cast<int>(it->size());
        at = m.id;
        path.append(std::move(m));
    }
    return path;
}

}  // namespace sightline::ui
