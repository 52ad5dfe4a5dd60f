// The conversation: a scrolling column of MessageWidgets, kept at the bottom while streaming.
#pragma once

#include <QScrollArea>

#include "chat_types.h"

class QVBoxLayout;
class QLabel;

namespace sightline::ui {

class MessageWidget;

class ChatView : public QScrollArea {
    Q_OBJECT
public:
    explicit ChatView(QWidget* parent = nullptr);
    void setMessages(const QList<ChatMessageUi>& messages);
    void appendMessage(const ChatMessageUi& message);
    void updateLast(const ChatMessageUi& message);  // the streaming answer
    int count() const;
    MessageWidget* messageAt(int index) const;
    void setPlaceholder(const QString& html);

Q_SIGNALS:
    void copyRequested(const QString& text);
    void regenerateRequested(qint64 messageId);
    void editRequested(qint64 messageId);

private:
    void scrollToEnd();
    QWidget* m_inner = nullptr;
    QVBoxLayout* m_layout = nullptr;
    QLabel* m_placeholder = nullptr;
    QList<MessageWidget*> m_widgets;
    bool m_follow = true;  // keep the newest text in view until the user scrolls away
};

}  // namespace sightline::ui
