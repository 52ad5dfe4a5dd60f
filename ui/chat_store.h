// Conversations in SQLite (Qt SQL, WAL journal). Each message is written when it completes, in its
// own transaction, so killing the app loses at most the answer being generated.
// GUI thread only (one QSqlDatabase connection per store).
#pragma once

#include <QList>
#include <QString>

#include "chat_types.h"

namespace sightline::ui {

class ChatStore {
public:
    // Opens (creating if needed) the database file; throws std::runtime_error with the SQL error.
    explicit ChatStore(const QString& path);
    ~ChatStore();
    ChatStore(const ChatStore&) = delete;
    ChatStore& operator=(const ChatStore&) = delete;

    qint64 createChat(const QString& title, const QString& systemPrompt = {});
    void renameChat(qint64 chatId, const QString& title);
    void deleteChat(qint64 chatId);
    QList<ChatSummary> chats() const;  // newest first
    QString chatSystemPrompt(qint64 chatId) const;
    void setChatSystemPrompt(qint64 chatId, const QString& prompt);

    qint64 addMessage(qint64 chatId, const ChatMessageUi& message);  // returns the row id
    void updateMessage(const ChatMessageUi& message);
    void deleteMessagesFrom(qint64 chatId, qint64 messageId);  // this message and everything after it
    QList<ChatMessageUi> messages(qint64 chatId) const;

    QString exportMarkdown(qint64 chatId) const;
    QByteArray exportJson(qint64 chatId) const;

    const QString& path() const { return m_path; }

private:
    QString m_path;
    QString m_connection;
};

QString sha256OfFile(const QString& path);

}  // namespace sightline::ui
