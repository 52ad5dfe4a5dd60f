// Conversations in SQLite (Qt SQL, WAL journal, synchronous=FULL: a committed write survives a
// crash or power loss).
//
// Messages form a tree per chat (parent_id; the root level has none). The versions of a message
// (Regenerate, Edit) are siblings; one of them is `selected`, and the conversation shown and sent
// is the path of selected versions from the root. Nothing is deleted except by deleteChat.
//
// Attached images are copies in imageFolder(), named by their SHA-256 (one file however often
// used; importImage makes them, on any thread). A copy no message refers to any more is deleted
// with the chat that used it last, and at open (a crash between copy and message write).
//
// Writes run in one transaction each; a failure rolls back, emits writeFailed (the window shows
// it) and returns false / -1. Reads throw std::runtime_error with the SQL error.
//
// Schema versions (PRAGMA user_version): 0 = ids without AUTOINCREMENT, 1 = AUTOINCREMENT (both
// left user_version at 0; told apart by the table SQL), 2 = message tree + image copies. Opening
// migrates an older file in one transaction, then marks answers left "streaming" by a crash as
// interrupted.
//
// GUI thread only (one QSqlDatabase connection per store), except importImage.
#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <functional>
#include <optional>

#include "chat_types.h"

class QSqlDatabase;

namespace sightline::ui {

class ChatStore : public QObject {
    Q_OBJECT
public:
    static constexpr int kSchemaVersion = 2;

    // Opens (creating if needed) the database file, migrates it, recovers interrupted answers and
    // removes unreferenced image copies; throws std::runtime_error (the file is left as it was
    // when a migration fails).
    explicit ChatStore(const QString& path, QObject* parent = nullptr);
    ~ChatStore() override;

    qint64 createChat(const QString& title, const QString& systemPrompt = {});
    bool renameChat(qint64 chatId, const QString& title);
    bool deleteChat(qint64 chatId);  // with its messages and the image copies only it used
    // Newest first; a non-empty filter keeps chats whose title or any message text contains it.
    QList<ChatSummary> chats(const QString& filter = {}) const;
    QString chatSystemPrompt(qint64 chatId) const;
    bool setChatSystemPrompt(qint64 chatId, const QString& prompt);

    // Adds a message under message.parentId (-1: a first turn) as the selected version among its
    // siblings; returns its id. Images must be copies made by importImage (else they are kept as
    // they are, not referenced for clean-up).
    qint64 addMessage(qint64 chatId, const ChatMessageUi& message);
    bool updateMessage(const ChatMessageUi& message);  // text, stats, state, error, settings, seed
    bool selectVersion(qint64 messageId);              // makes it the shown one among its siblings
    // The sibling `delta` places before/after (versions in creation order), or -1.
    qint64 siblingVersion(qint64 messageId, int delta) const;
    // The visible conversation: the selected path, each with versionIndex / versionCount.
    QList<ChatMessageUi> messages(qint64 chatId) const;
    QList<ChatMessageUi> allMessages(qint64 chatId) const;  // every version, by id
    std::optional<ChatMessageUi> message(qint64 messageId) const;

    QString exportMarkdown(qint64 chatId) const;
    QByteArray exportJson(qint64 chatId) const;

    const QString& path() const { return m_path; }
    QString imageFolder() const { return m_imageFolder; }
    int schemaVersionAtOpen() const { return m_versionAtOpen; }
    int interruptedAtOpen() const { return m_interruptedAtOpen; }
    // Image copies in the folder that no message refers to (0 after open; used by checks).
    QStringList orphanImageFiles() const;

    // Hashes `image.path` and copies it to folder/<sha256>.<ext> (atomically, synced) unless that
    // copy exists. Any thread; touches files only. Returns the ref with path = the copy and source
    // = the original, or sets *error.
    static ImageRef importImage(const QString& folder, const ImageRef& image, QString* error);

Q_SIGNALS:
    void writeFailed(const QString& message);

private:
    QSqlDatabase db() const;
    // Runs body inside BEGIN IMMEDIATE … COMMIT; any failure (a throw from body, BEGIN or COMMIT)
    // rolls back and is reported through writeFailed.
    bool write(const char* what, const std::function<void(QSqlDatabase&)>& body);
    // One text column of one chat (sql: UPDATE chats SET col=? WHERE id=?), as one write.
    bool setChatText(const char* what, const QString& sql, qint64 chatId, const QString& value);
    void migrate();
    void recoverInterrupted();
    int removeOrphanImages(const QStringList& candidates);  // all files when candidates is empty
    QString resolveImagePath(const QString& stored) const;

    QString m_path;
    QString m_imageFolder;
    QString m_connection;
    int m_versionAtOpen = 0;
    int m_interruptedAtOpen = 0;
};

QString sha256OfFile(const QString& path);

}  // namespace sightline::ui
