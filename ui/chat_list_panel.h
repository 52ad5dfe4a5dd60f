// The chat history beside the conversation: New chat, a search field (titles and message text),
// and the chats newest first, grouped by day (Today / Yesterday / the date) with each one's time.
// Rename (F2), chat settings (the chat's own system prompt) and Delete (Del, asks first) are in
// the context menu. Reads and writes through the ChatStore; GUI thread only.
#pragma once

#include <QDate>
#include <QWidget>

class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QToolButton;

namespace sightline::ui {

class ChatStore;

class ChatListPanel : public QWidget {
    Q_OBJECT
public:
    ChatListPanel(ChatStore* store, QWidget* parent = nullptr);

    // Reloads the list (keeping the search) and marks currentChat; -1 marks none, so that any
    // chat clicked next opens, including the one just left.
    void refresh(qint64 currentChat);
    qint64 currentChat() const { return m_current; }
    QListWidget* list() const { return m_list; }
    QLineEdit* searchField() const { return m_search; }
    QListWidgetItem* itemFor(qint64 chatId) const;

    bool deleteChat(qint64 chatId, bool ask = true);  // true when it was deleted
    bool renameChat(qint64 chatId);                   // asks for the new title
    bool editChatSettings(qint64 chatId);             // the chat's system prompt

    static QString dayLabel(const QDate& day, const QDate& today);

Q_SIGNALS:
    void chatActivated(qint64 chatId);
    void newChatRequested();
    void chatDeleted(qint64 chatId);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void activate(QListWidgetItem* item);
    void showMenu(const QPoint& pos);
    QString titleOf(qint64 chatId) const;
    ChatStore* m_store;
    QLineEdit* m_search = nullptr;
    QListWidget* m_list = nullptr;
    QToolButton* m_settings = nullptr;
    qint64 m_current = -1;
};

}  // namespace sightline::ui
