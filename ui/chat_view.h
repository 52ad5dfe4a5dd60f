// The conversation: a scrolling column of MessageWidgets, kept at the bottom while streaming.
// Widgets are found by message id (never by position), so a chunk for a message that is not
// shown (another chat, a rebuilt view) touches nothing. Rebuilding hides the old widgets and
// deletes them later, and the widgets' requests are forwarded queued: a click handler may
// rebuild the view without deleting the widget whose button is still being clicked.
#pragma once

#include <QPointer>
#include <QScrollArea>

#include "chat_types.h"

class QVBoxLayout;
class QLabel;
class QPushButton;

namespace sightline::ui {

class MessageWidget;

class ChatView : public QScrollArea {
    Q_OBJECT
public:
    explicit ChatView(QWidget* parent = nullptr);
    void setMessages(const QList<ChatMessageUi>& messages);
    void appendMessage(const ChatMessageUi& message);
    // Re-renders the widget showing message.id; false when it is not shown.
    bool updateMessage(const ChatMessageUi& message);
    int count() const;
    MessageWidget* messageAt(int index) const;
    MessageWidget* widgetFor(qint64 messageId) const;
    void setPlaceholder(const QString& html);
    // While an answer is generated, Regenerate / Edit / version switching are disabled.
    void setBusy(bool busy);
    // A line under the conversation while an earlier message is being edited ("" hides it).
    void setEditNotice(const QString& text);

Q_SIGNALS:
    void copyRequested(const QString& text);
    void regenerateRequested(qint64 messageId);
    void editRequested(qint64 messageId);
    void versionRequested(qint64 messageId, int delta);
    void cancelEditRequested();
    void imageRequested(const QStringList& paths, int index);

private:
    void scrollToEnd();
    QWidget* m_inner = nullptr;
    QVBoxLayout* m_layout = nullptr;
    QLabel* m_placeholder = nullptr;
    QWidget* m_editBar = nullptr;
    QLabel* m_editText = nullptr;
    QList<QPointer<MessageWidget>> m_widgets;
    bool m_follow = true;  // keep the newest text in view until the user scrolls away
    bool m_busy = false;
};

}  // namespace sightline::ui
