// One message bubble: role, images, collapsible reasoning, Markdown answer, stats line, actions.
#pragma once

#include <QFrame>

#include "chat_types.h"

class QLabel;
class QTextBrowser;
class QToolButton;
class QHBoxLayout;

namespace sightline::ui {

class MessageWidget : public QFrame {
    Q_OBJECT
public:
    explicit MessageWidget(const ChatMessageUi& message, QWidget* parent = nullptr);
    void setMessage(const ChatMessageUi& message);  // re-renders (cheap enough per ~30 ms chunk)
    const ChatMessageUi& message() const { return m_message; }
    QString answerMarkdown() const;

Q_SIGNALS:
    void copyRequested(const QString& text);
    void regenerateRequested(qint64 messageId);
    void editRequested(qint64 messageId);

private:
    void render();
    ChatMessageUi m_message;
    QLabel* m_role = nullptr;
    QHBoxLayout* m_images = nullptr;
    QToolButton* m_thinkToggle = nullptr;
    QTextBrowser* m_reasoning = nullptr;
    QTextBrowser* m_answer = nullptr;
    QLabel* m_stats = nullptr;
    QToolButton* m_copy = nullptr;
    QToolButton* m_copyCode = nullptr;
    QToolButton* m_regenerate = nullptr;
    QToolButton* m_edit = nullptr;
};

}  // namespace sightline::ui
