#include "chat_store.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>
#include <stdexcept>

namespace sightline::ui {
namespace {

// Qt binds a null QString as SQL NULL; the schema wants empty text instead.
QString nn(const QString& s) { return s.isNull() ? QStringLiteral("") : s; }

void exec(QSqlQuery& q, const char* what) {
    if (!q.exec()) throw std::runtime_error(std::string(what) + ": " + q.lastError().text().toStdString());
}

QString stateName(MessageState s) {
    switch (s) {
        case MessageState::Done: return QStringLiteral("done");
        case MessageState::Streaming: return QStringLiteral("streaming");
        case MessageState::Stopped: return QStringLiteral("stopped");
        case MessageState::Failed: return QStringLiteral("failed");
    }
    return QStringLiteral("done");
}

MessageState stateFrom(const QString& s) {
    if (s == QLatin1String("stopped")) return MessageState::Stopped;
    if (s == QLatin1String("failed")) return MessageState::Failed;
    if (s == QLatin1String("streaming")) return MessageState::Stopped;  // interrupted by a kill: kept as stopped
    return MessageState::Done;
}

QByteArray pngBytes(const QImage& img) {
    QByteArray out;
    if (img.isNull()) return out;
    QBuffer buf(&out);
    buf.open(QIODevice::WriteOnly);
    img.save(&buf, "PNG");
    return out;
}

QJsonArray imagesJson(const QList<ImageRef>& images) {
    QJsonArray a;
    for (const auto& im : images)
        a.append(QJsonObject{{"path", im.path}, {"sha256", im.sha256}, {"preflight", im.preflight},
                             {"thumbnail_png", QString::fromLatin1(pngBytes(im.thumbnail).toBase64())}});
    return a;
}

QList<ImageRef> imagesFrom(const QByteArray& json) {
    QList<ImageRef> out;
    for (const auto& v : QJsonDocument::fromJson(json).array()) {
        const auto o = v.toObject();
        ImageRef r;
        r.path = o.value("path").toString();
        r.sha256 = o.value("sha256").toString();
        r.preflight = o.value("preflight").toString();
        r.thumbnail.loadFromData(QByteArray::fromBase64(o.value("thumbnail_png").toString().toLatin1()), "PNG");
        out.append(r);
    }
    return out;
}

}  // namespace

QString sha256OfFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return QString::fromLatin1(h.result().toHex());
}

ChatStore::ChatStore(const QString& path) : m_path(path), m_connection(QUuid::createUuid().toString()) {
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    db.setDatabaseName(path);
    if (!db.open()) throw std::runtime_error("cannot open " + path.toStdString() + ": " + db.lastError().text().toStdString());
    QSqlQuery q(db);
    for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON",
                            "CREATE TABLE IF NOT EXISTS chats(id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, system_prompt TEXT NOT NULL "
                            "DEFAULT '', created TEXT NOT NULL, updated TEXT NOT NULL)",
                            "CREATE TABLE IF NOT EXISTS messages(id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL REFERENCES chats(id) "
                            "ON DELETE CASCADE, role TEXT NOT NULL, text TEXT NOT NULL, images TEXT NOT NULL DEFAULT '[]', stats TEXT, "
                            "state TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', settings TEXT NOT NULL DEFAULT '{}', seed INTEGER NOT NULL "
                            "DEFAULT 0, created TEXT NOT NULL)",
                            "CREATE INDEX IF NOT EXISTS messages_chat ON messages(chat_id, id)"}) {
        if (!q.exec(QString::fromLatin1(sql)))
            throw std::runtime_error("database " + path.toStdString() + ": " + q.lastError().text().toStdString());
    }
}

ChatStore::~ChatStore() {
    { QSqlDatabase::database(m_connection).close(); }
    QSqlDatabase::removeDatabase(m_connection);
}

qint64 ChatStore::createChat(const QString& title, const QString& systemPrompt) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("INSERT INTO chats(title, system_prompt, created, updated) VALUES(?, ?, ?, ?)"));
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    q.addBindValue(nn(title));
    q.addBindValue(nn(systemPrompt));
    q.addBindValue(now);
    q.addBindValue(now);
    exec(q, "create chat");
    return q.lastInsertId().toLongLong();
}

void ChatStore::renameChat(qint64 chatId, const QString& title) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("UPDATE chats SET title=? WHERE id=?"));
    q.addBindValue(nn(title));
    q.addBindValue(chatId);
    exec(q, "rename chat");
}

void ChatStore::deleteChat(qint64 chatId) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("DELETE FROM chats WHERE id=?"));
    q.addBindValue(chatId);
    exec(q, "delete chat");
}

QList<ChatSummary> ChatStore::chats() const {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT id, title, updated FROM chats ORDER BY updated DESC, id DESC"));
    exec(q, "list chats");
    QList<ChatSummary> out;
    while (q.next()) out.append({q.value(0).toLongLong(), q.value(1).toString(), QDateTime::fromString(q.value(2).toString(), Qt::ISODateWithMs)});
    return out;
}

QString ChatStore::chatSystemPrompt(qint64 chatId) const {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT system_prompt FROM chats WHERE id=?"));
    q.addBindValue(chatId);
    exec(q, "read chat");
    return q.next() ? q.value(0).toString() : QString();
}

void ChatStore::setChatSystemPrompt(qint64 chatId, const QString& prompt) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("UPDATE chats SET system_prompt=? WHERE id=?"));
    q.addBindValue(nn(prompt));
    q.addBindValue(chatId);
    exec(q, "set system prompt");
}

qint64 ChatStore::addMessage(qint64 chatId, const ChatMessageUi& m) {
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    db.transaction();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO messages(chat_id, role, text, images, stats, state, error, settings, seed, created) "
                             "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    q.addBindValue(chatId);
    q.addBindValue(nn(m.role));
    q.addBindValue(nn(m.text));
    q.addBindValue(QString::fromUtf8(QJsonDocument(imagesJson(m.images)).toJson(QJsonDocument::Compact)));
    q.addBindValue(m.stats ? QString::fromUtf8(QJsonDocument(m.stats->toJson()).toJson(QJsonDocument::Compact)) : QVariant());
    q.addBindValue(stateName(m.state));
    q.addBindValue(nn(m.error));
    q.addBindValue(QString::fromUtf8(QJsonDocument(m.settings).toJson(QJsonDocument::Compact)));
    q.addBindValue(m.seed);
    q.addBindValue(m.created.toString(Qt::ISODateWithMs));
    exec(q, "add message");
    const qint64 id = q.lastInsertId().toLongLong();
    QSqlQuery u(db);
    u.prepare(QStringLiteral("UPDATE chats SET updated=? WHERE id=?"));
    u.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    u.addBindValue(chatId);
    exec(u, "touch chat");
    db.commit();
    return id;
}

void ChatStore::updateMessage(const ChatMessageUi& m) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("UPDATE messages SET text=?, stats=?, state=?, error=?, settings=?, seed=? WHERE id=?"));
    q.addBindValue(nn(m.text));
    q.addBindValue(m.stats ? QString::fromUtf8(QJsonDocument(m.stats->toJson()).toJson(QJsonDocument::Compact)) : QVariant());
    q.addBindValue(stateName(m.state));
    q.addBindValue(nn(m.error));
    q.addBindValue(QString::fromUtf8(QJsonDocument(m.settings).toJson(QJsonDocument::Compact)));
    q.addBindValue(m.seed);
    q.addBindValue(m.id);
    exec(q, "update message");
}

void ChatStore::deleteMessagesFrom(qint64 chatId, qint64 messageId) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("DELETE FROM messages WHERE chat_id=? AND id>=?"));
    q.addBindValue(chatId);
    q.addBindValue(messageId);
    exec(q, "delete messages");
}

QList<ChatMessageUi> ChatStore::messages(qint64 chatId) const {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT id, role, text, images, stats, state, error, settings, seed, created FROM messages "
                             "WHERE chat_id=? ORDER BY id"));
    q.addBindValue(chatId);
    exec(q, "read messages");
    QList<ChatMessageUi> out;
    while (q.next()) {
        ChatMessageUi m;
        m.id = q.value(0).toLongLong();
        m.role = q.value(1).toString();
        m.text = q.value(2).toString();
        m.images = imagesFrom(q.value(3).toString().toUtf8());
        if (!q.value(4).isNull()) m.stats = MessageStats::fromJson(QJsonDocument::fromJson(q.value(4).toString().toUtf8()).object());
        m.state = stateFrom(q.value(5).toString());
        m.error = q.value(6).toString();
        m.settings = QJsonDocument::fromJson(q.value(7).toString().toUtf8()).object();
        m.seed = q.value(8).toLongLong();
        m.created = QDateTime::fromString(q.value(9).toString(), Qt::ISODateWithMs);
        out.append(m);
    }
    return out;
}

QString ChatStore::exportMarkdown(qint64 chatId) const {
    QString title;
    for (const auto& c : chats())
        if (c.id == chatId) title = c.title;
    QString md = QStringLiteral("# %1\n\n").arg(title);
    const QString sys = chatSystemPrompt(chatId);
    if (!sys.isEmpty()) md += QStringLiteral("> **System:** %1\n\n").arg(sys);
    for (const auto& m : messages(chatId)) {
        md += QStringLiteral("## %1\n\n").arg(m.role == QLatin1String("user") ? QStringLiteral("User") : QStringLiteral("Assistant"));
        for (const auto& im : m.images) md += QStringLiteral("![image](%1) <!-- sha256 %2 -->\n\n").arg(im.path, im.sha256);
        const ThinkSplit t = splitThinking(m.text);
        if (!t.reasoning.isEmpty())
            md += QStringLiteral("<details><summary>Reasoning</summary>\n\n%1\n\n</details>\n\n").arg(t.reasoning);
        md += t.answer + QStringLiteral("\n\n");
        if (m.stats) md += QStringLiteral("*%1*\n\n").arg(m.stats->summary());
    }
    return md;
}

QByteArray ChatStore::exportJson(qint64 chatId) const {
    QJsonArray msgs;
    const QString sys = chatSystemPrompt(chatId);
    if (!sys.isEmpty()) msgs.append(QJsonObject{{"role", "system"}, {"content", sys}});
    for (const auto& m : messages(chatId)) {
        QJsonObject o{{"role", m.role}};
        if (m.images.isEmpty()) {
            o["content"] = m.text;
        } else {
            QJsonArray parts;
            for (const auto& im : m.images) parts.append(QJsonObject{{"type", "image"}, {"image", im.path}, {"sha256", im.sha256}});
            parts.append(QJsonObject{{"type", "text"}, {"text", m.text}});
            o["content"] = parts;
        }
        if (m.stats) o["stats"] = m.stats->toJson();
        if (!m.settings.isEmpty()) o["settings"] = m.settings;
        if (m.seed) o["seed"] = m.seed;
        msgs.append(o);
    }
    return QJsonDocument(QJsonObject{{"messages", msgs}}).toJson(QJsonDocument::Indented);
}

}  // namespace sightline::ui
