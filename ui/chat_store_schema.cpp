// ChatStore: schema creation and migrations, crash recovery, the image copies, exports.
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <stdexcept>

#include "chat_store.h"
#include "chat_store_sql.h"

namespace sightline::ui {

using namespace store;

namespace {

// Schema 2, as a fresh file gets it.
const char* const kCreate[] = {
    "CREATE TABLE chats(id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, system_prompt TEXT NOT NULL DEFAULT '', "
    "created TEXT NOT NULL, updated TEXT NOT NULL)",
    "CREATE TABLE messages(id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE, "
    "role TEXT NOT NULL, text TEXT NOT NULL, images TEXT NOT NULL DEFAULT '[]', stats TEXT, state TEXT NOT NULL, error TEXT NOT NULL "
    "DEFAULT '', settings TEXT NOT NULL DEFAULT '{}', seed INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL, "
    "parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE, selected INTEGER NOT NULL DEFAULT 1, error_phase TEXT NOT NULL DEFAULT "
    "'')",
    "CREATE INDEX messages_chat ON messages(chat_id, id)",
};
// What schema 2 adds to schema 1 (also run after kCreate).
const char* const kTree[] = {
    "CREATE INDEX messages_parent ON messages(parent_id)",
    "CREATE TABLE message_images(message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE, sha256 TEXT NOT NULL)",
    "CREATE INDEX message_images_message ON message_images(message_id)",
    "CREATE INDEX message_images_sha ON message_images(sha256)",
};

// Schema 0 → 1: the same tables with AUTOINCREMENT ids (a deleted chat's id is never reused).
const char* const kAutoincrement[] = {
    "CREATE TABLE chats_v1(id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, system_prompt TEXT NOT NULL DEFAULT '', "
    "created TEXT NOT NULL, updated TEXT NOT NULL)",
    "INSERT INTO chats_v1(id, title, system_prompt, created, updated) SELECT id, title, system_prompt, created, updated FROM chats",
    "CREATE TABLE messages_v1(id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE, "
    "role TEXT NOT NULL, text TEXT NOT NULL, images TEXT NOT NULL DEFAULT '[]', stats TEXT, state TEXT NOT NULL, error TEXT NOT NULL "
    "DEFAULT '', settings TEXT NOT NULL DEFAULT '{}', seed INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL)",
    "INSERT INTO messages_v1 SELECT id, chat_id, role, text, images, stats, state, error, settings, seed, created FROM messages "
    "WHERE chat_id IN (SELECT id FROM chats)",
    "DROP TABLE messages",
    "DROP TABLE chats",
    "ALTER TABLE chats_v1 RENAME TO chats",
    "ALTER TABLE messages_v1 RENAME TO messages",
    "CREATE INDEX messages_chat ON messages(chat_id, id)",
};

// Schema 1 → 2: every chat was one line of turns, so each message's parent is the one before it.
const char* const kToTree[] = {
    "ALTER TABLE messages ADD COLUMN parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE",
    "ALTER TABLE messages ADD COLUMN selected INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE messages ADD COLUMN error_phase TEXT NOT NULL DEFAULT ''",
    "UPDATE messages SET parent_id=(SELECT MAX(p.id) FROM messages p WHERE p.chat_id=messages.chat_id AND p.id<messages.id)",
};

bool isImageCopyName(const QString& name) {
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]{64}(\\.[a-z0-9]{1,5})?$"));
    return re.match(name).hasMatch();
}

}  // namespace

void ChatStore::migrate() {
    QSqlDatabase d = db();
    QSqlQuery q(d);
    exec(q, QStringLiteral("PRAGMA user_version"), "read schema version");
    int version = q.next() ? q.value(0).toInt() : 0;
    exec(q, QStringLiteral("SELECT sql FROM sqlite_master WHERE type='table' AND name='chats'"), "read schema");
    const bool fresh = !q.next();
    if (!fresh && version == 0 && q.value(0).toString().contains(QLatin1String("AUTOINCREMENT"), Qt::CaseInsensitive)) version = 1;
    q.finish();
    if (version > kSchemaVersion)
        throw std::runtime_error("the chat database " + m_path.toStdString() + " was made by a newer Sightline (schema " +
                                 std::to_string(version) + ")");
    m_versionAtOpen = fresh ? kSchemaVersion : version;
    if (!fresh && version == kSchemaVersion) return;
    // Table rebuilds must not cascade (DROP TABLE chats deletes its rows first): keys off meanwhile.
    exec(q, QStringLiteral("PRAGMA foreign_keys=OFF"), "migrate");
    try {
        exec(q, QStringLiteral("BEGIN IMMEDIATE"), "migrate");
        auto run = [&q](const auto& statements) {
            for (const char* sql : statements) exec(q, QString::fromLatin1(sql), "migrate");
        };
        if (fresh) {
            run(kCreate);
            run(kTree);
        } else {
            if (version == 0) run(kAutoincrement);
            run(kToTree);
            run(kTree);
            // Old chats point at the user's files: copy those still there into the store.
            QDir().mkpath(m_imageFolder);
            QSqlQuery rows(d);
            exec(rows, QStringLiteral("SELECT id, images FROM messages WHERE images<>'[]'"), "read images");
            QList<std::pair<qint64, QList<ImageRef>>> withImages;
            while (rows.next())
                withImages.append({rows.value(0).toLongLong(), imagesFrom(rows.value(1).toString().toUtf8(), m_imageFolder)});
            rows.finish();
            for (auto& [id, images] : withImages) {
                for (auto& im : images) {
                    if (!QFileInfo::exists(im.path)) continue;
                    QString error;
                    const ImageRef copy = importImage(m_imageFolder, im, &error);
                    if (copy.path.isEmpty()) continue;
                    im = ImageRef{copy.path, copy.source, copy.sha256, im.thumbnail, im.preflight};
                    QSqlQuery i(d);
                    i.prepare(QStringLiteral("INSERT INTO message_images(message_id, sha256) VALUES(?, ?)"));
                    i.addBindValue(id);
                    i.addBindValue(copy.sha256);
                    exec(i, "add image");
                }
                QSqlQuery u(d);
                u.prepare(QStringLiteral("UPDATE messages SET images=? WHERE id=?"));
                u.addBindValue(QString::fromUtf8(QJsonDocument(imagesJson(images, m_imageFolder)).toJson(QJsonDocument::Compact)));
                u.addBindValue(id);
                exec(u, "update images");
            }
        }
        exec(q, QStringLiteral("PRAGMA user_version=%1").arg(kSchemaVersion), "migrate");
        exec(q, QStringLiteral("PRAGMA foreign_key_check"), "migrate");
        if (q.next()) throw std::runtime_error("a message refers to a chat or message that does not exist");
        q.finish();
        exec(q, QStringLiteral("COMMIT"), "migrate");
    } catch (const std::exception& e) {
        QSqlQuery r(d);
        r.exec(QStringLiteral("ROLLBACK"));
        r.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
        throw std::runtime_error("cannot update the chat database " + m_path.toStdString() + " from schema " + std::to_string(version) +
                                 ": " + e.what());
    }
    exec(q, QStringLiteral("PRAGMA foreign_keys=ON"), "migrate");
}

void ChatStore::recoverInterrupted() {
    write("recover", [this](QSqlDatabase& d) {
        QSqlQuery q(d);
        exec(q, QStringLiteral("UPDATE messages SET state='interrupted' WHERE state='streaming'"), "mark interrupted answers");
        m_interruptedAtOpen = q.numRowsAffected();
    });
}

namespace {
QSet<QString> referencedImages(const QSqlDatabase& d) {
    QSqlQuery q(d);
    exec(q, QStringLiteral("SELECT DISTINCT sha256 FROM message_images"), "read image references");
    QSet<QString> out;
    while (q.next()) out.insert(q.value(0).toString());
    return out;
}
}  // namespace

QStringList ChatStore::orphanImageFiles() const {
    const QSet<QString> used = referencedImages(db());
    QStringList out;
    for (const QFileInfo& f : QDir(m_imageFolder).entryInfoList(QDir::Files | QDir::Hidden))
        if (!isImageCopyName(f.fileName()) || !used.contains(f.fileName().section(QLatin1Char('.'), 0, 0))) out.append(f.fileName());
    return out;
}

int ChatStore::removeOrphanImages(const QStringList& candidates) {
    int removed = 0;
    try {
        const QSet<QString> used = referencedImages(db());
        for (const QFileInfo& f : QDir(m_imageFolder).entryInfoList(QDir::Files | QDir::Hidden)) {
            const QString sha = f.fileName().section(QLatin1Char('.'), 0, 0);
            const bool copy = isImageCopyName(f.fileName());
            if (!candidates.isEmpty() && (!copy || !candidates.contains(sha))) continue;
            if (copy && used.contains(sha)) continue;
            if (QFile::remove(f.filePath())) ++removed;  // at open: also a copy a crash left half-written
        }
    } catch (const std::exception& e) {
        Q_EMIT writeFailed(tr("Could not clean up image copies: %1").arg(QString::fromUtf8(e.what())));
    }
    return removed;
}

ImageRef ChatStore::importImage(const QString& folder, const ImageRef& image, QString* error) {
    ImageRef out = image;
    out.path.clear();
    if (out.source.isEmpty()) out.source = image.path;
    QFile in(image.path);
    if (!in.open(QIODevice::ReadOnly)) {
        *error = QObject::tr("Cannot read %1: %2").arg(image.path, in.errorString());
        return out;
    }
    const QByteArray bytes = in.readAll();
    if (in.error() != QFile::NoError) {
        *error = QObject::tr("Cannot read %1: %2").arg(image.path, in.errorString());
        return out;
    }
    out.sha256 = QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
    QString ext = QFileInfo(image.path).suffix().toLower();
    static const QRegularExpression extRe(QStringLiteral("^[a-z0-9]{1,5}$"));
    if (!extRe.match(ext).hasMatch()) ext.clear();
    QDir().mkpath(folder);
    const QString target = QDir(folder).filePath(out.sha256 + (ext.isEmpty() ? QString() : QStringLiteral(".") + ext));
    if (QFileInfo(target).size() != bytes.size() || !QFileInfo::exists(target)) {
        QSaveFile f(target);  // written beside, synced, then renamed: never a half copy under the final name
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
            *error = QObject::tr("Cannot copy %1 into %2: %3").arg(image.path, folder, f.errorString());
            return out;
        }
    }
    out.path = target;
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
        if (!t.reasoning.isEmpty()) md += QStringLiteral("<details><summary>Reasoning</summary>\n\n%1\n\n</details>\n\n").arg(t.reasoning);
        md += t.answer + QStringLiteral("\n\n");
        if (m.state == MessageState::Failed) md += QStringLiteral("*Error: %1*\n\n").arg(m.error);
        if (m.stats) md += QStringLiteral("*%1*\n\n").arg(m.stats->summary());
    }
    return md;
}

QByteArray ChatStore::exportJson(qint64 chatId) const {
    QJsonArray msgs;
    const QString sys = chatSystemPrompt(chatId);
    if (!sys.isEmpty()) msgs.append(QJsonObject{{"role", "system"}, {"content", sys}});
    for (const auto& m : messages(chatId)) {
        if (m.state == MessageState::Failed && m.text.isEmpty()) continue;  // no turn to read back
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
        if (m.state != MessageState::Done) o["state"] = stateName(m.state);
        if (!m.error.isEmpty()) o["error"] = m.error;
        msgs.append(o);
    }
    return QJsonDocument(QJsonObject{{"messages", msgs}}).toJson(QJsonDocument::Indented);
}

}  // namespace sightline::ui
