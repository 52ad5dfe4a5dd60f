#include "chat_view.h"

#include <QLabel>
#include <QScrollBar>
#include <QTimer>
#include <QVBoxLayout>

#include "message_widget.h"

namespace sightline::ui {

ChatView::ChatView(QWidget* parent) : QScrollArea(parent) {
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    setAccessibleName(tr("Conversation"));
    m_inner = new QWidget(this);
    m_layout = new QVBoxLayout(m_inner);
    m_layout->setSpacing(10);
    m_placeholder = new QLabel(m_inner);
    m_placeholder->setWordWrap(true);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setTextFormat(Qt::RichText);
    m_placeholder->setOpenExternalLinks(true);
    m_layout->addWidget(m_placeholder);
    m_layout->addStretch();
    setWidget(m_inner);
    // Only user actions (wheel, drag, keys) change whether the view follows the stream.
    connect(verticalScrollBar(), &QScrollBar::actionTriggered, this, [this] {
        QTimer::singleShot(0, this, [this] { m_follow = verticalScrollBar()->value() >= verticalScrollBar()->maximum() - 40; });
    });
}

void ChatView::setPlaceholder(const QString& html) {
    m_placeholder->setText(html);
    m_placeholder->setVisible(m_widgets.isEmpty());
}

void ChatView::setMessages(const QList<ChatMessageUi>& messages) {
    // Later, not now: setMessages may run inside a click on one of these widgets (Regenerate, Edit).
    for (MessageWidget* w : m_widgets) {
        m_layout->removeWidget(w);
        w->hide();
        w->deleteLater();
    }
    m_widgets.clear();
    for (const auto& m : messages) appendMessage(m);
    m_placeholder->setVisible(m_widgets.isEmpty());
}

void ChatView::appendMessage(const ChatMessageUi& message) {
    auto* w = new MessageWidget(message, m_inner);
    connect(w, &MessageWidget::copyRequested, this, &ChatView::copyRequested);
    connect(w, &MessageWidget::regenerateRequested, this, &ChatView::regenerateRequested);
    connect(w, &MessageWidget::editRequested, this, &ChatView::editRequested);
    m_layout->insertWidget(m_layout->count() - 1, w);
    m_widgets.append(w);
    m_placeholder->setVisible(false);
    m_follow = true;
    scrollToEnd();
}

void ChatView::updateLast(const ChatMessageUi& message) {
    if (m_widgets.isEmpty()) return;
    m_widgets.last()->setMessage(message);
    if (m_follow) scrollToEnd();  // follow the stream unless the user scrolled up to read
}

int ChatView::count() const { return static_cast<int>(m_widgets.size()); }
MessageWidget* ChatView::messageAt(int i) const { return i >= 0 && i < m_widgets.size() ? m_widgets[i] : nullptr; }

void ChatView::scrollToEnd() {
    QTimer::singleShot(0, this, [this] { verticalScrollBar()->setValue(verticalScrollBar()->maximum()); });
}

}  // namespace sightline::ui
