// One message bubble: role, version switcher (‹ 2/3 ›), images, collapsible reasoning, Markdown
// answer, stats line or error, actions. Its signals carry the message id only; the view forwards
// them queued, so a handler that rebuilds the view never deletes a widget inside its own click.
#pragma once

#include <QFrame>

#include "chat_types.h"

class QLabel;
class QTextBrowser;
class QToolButton;
class QHBoxLayout;

namespace sightline::ui {

class BoxesPanel;

class MessageWidget : public QFrame {
    Q_OBJECT
public:
    explicit MessageWidget(const ChatMessageUi& message, QWidget* parent = nullptr);
    void setMessage(const ChatMessageUi& message);  // re-renders (cheap enough per ~30 ms chunk)
    const ChatMessageUi& message() const { return m_message; }
    QString answerMarkdown() const;
    // Regenerate / Edit / version switching are offered only while no answer is being generated.
    void setActionsEnabled(bool enabled);
    // The images of the conversation before this message, in order: an answer's grounding boxes are
    // drawn on them (ui/boxes_view.h).
    void setContextImages(const QList<ImageRef>& images);
    BoxesPanel* boxesPanel() const { return m_boxesPanel; }

Q_SIGNALS:
    void copyRequested(const QString& text);
    void regenerateRequested(qint64 messageId);
    void editRequested(qint64 messageId);
    void versionRequested(qint64 messageId, int delta);        // -1: previous version, +1: next
    void imageRequested(const QStringList& paths, int index);  // a thumbnail was clicked

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
    QToolButton* m_prevVersion = nullptr;
    QToolButton* m_nextVersion = nullptr;
    QLabel* m_version = nullptr;
    QLabel* m_error = nullptr;  // a failed answer: what happened and what to do
    bool m_actionsEnabled = true;
    BoxesPanel* m_boxesPanel = nullptr;
    QList<ImageRef> m_context;
    int m_hoverBox = 0;  // the box under the mouse (its ▣N marker in the text is shown bold), 0: none
};

}  // namespace sightline::ui
