#include "chat_view.h"

#include "attach_inspect.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
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
    m_editBar = new QWidget(m_inner);
    m_editBar->setObjectName(QStringLiteral("editNotice"));
    auto* eb = new QHBoxLayout(m_editBar);
    eb->setContentsMargins(8, 4, 8, 4);
    m_editText = new QLabel(m_editBar);
    m_editText->setWordWrap(true);
    auto* cancel = new QPushButton(tr("Cancel edit"), m_editBar);
    eb->addWidget(m_editText, 1);
    eb->addWidget(cancel);
    m_editBar->setStyleSheet(
        QStringLiteral("QWidget#editNotice { background: palette(alternate-base); border: 1px solid palette(mid); "
                       "border-radius: 6px; }"));
    m_editBar->setAttribute(Qt::WA_StyledBackground);
    m_editBar->setVisible(false);
    m_layout->addWidget(m_editBar);
    m_layout->addStretch();
    setWidget(m_inner);
    connect(cancel, &QPushButton::clicked, this, &ChatView::cancelEditRequested);
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
    for (const auto& w : std::as_const(m_widgets)) {
        if (!w) continue;
        m_layout->removeWidget(w);
        w->hide();
        w->disconnect(this);
        w->deleteLater();  // it may be the sender of the click that led here
    }
    m_widgets.clear();
    for (const auto& m : messages) appendMessage(m);
    m_placeholder->setVisible(m_widgets.isEmpty());
}

void ChatView::appendMessage(const ChatMessageUi& message) {
    auto* w = new MessageWidget(message, m_inner);
    w->setActionsEnabled(!m_busy);
    if (message.role != QLatin1String("user")) {  // the images an answer's boxes are drawn on
        QList<ImageRef> before;
        for (const auto& prev : std::as_const(m_widgets))
            if (prev)
                for (const ImageRef& img : prev->message().images)
                    if (!isVideoFileName(img.path)) before += img;  // a box is not drawn on a video's poster
        w->setContextImages(before);
    }
    // Queued: the handlers rebuild the view; the emitting widget must outlive its click.
    connect(w, &MessageWidget::copyRequested, this, &ChatView::copyRequested, Qt::QueuedConnection);
    connect(w, &MessageWidget::regenerateRequested, this, &ChatView::regenerateRequested, Qt::QueuedConnection);
    connect(w, &MessageWidget::editRequested, this, &ChatView::editRequested, Qt::QueuedConnection);
    connect(w, &MessageWidget::versionRequested, this, &ChatView::versionRequested, Qt::QueuedConnection);
    connect(w, &MessageWidget::imageRequested, this, &ChatView::imageRequested, Qt::QueuedConnection);
    m_layout->insertWidget(m_layout->indexOf(m_editBar), w);
    m_widgets.append(w);
    m_placeholder->setVisible(false);
    m_follow = true;
    scrollToEnd();
}

bool ChatView::updateMessage(const ChatMessageUi& message) {
    MessageWidget* w = widgetFor(message.id);
    if (!w) return false;
    ChatMessageUi shown = message;
    shown.versionIndex = w->message().versionIndex;  // the switcher is the view's knowledge, not the stream's
    shown.versionCount = w->message().versionCount;
    w->setMessage(shown);
    if (m_follow) scrollToEnd();  // follow the stream unless the user scrolled up to read
    return true;
}

int ChatView::count() const {
    return static_cast<int>(m_widgets.size());
}
MessageWidget* ChatView::messageAt(int i) const {
    return i >= 0 && i < m_widgets.size() ? m_widgets[i].data() : nullptr;
}

MessageWidget* ChatView::widgetFor(qint64 messageId) const {
    if (messageId < 0) return nullptr;
    for (const auto& w : m_widgets)
        if (w && w->message().id == messageId) return w;
    return nullptr;
}

void ChatView::setBusy(bool busy) {
    m_busy = busy;
    for (const auto& w : std::as_const(m_widgets))
        if (w) w->setActionsEnabled(!busy);
}

void ChatView::setEditNotice(const QString& text) {
    m_editText->setText(text);
    m_editBar->setVisible(!text.isEmpty());
    if (!text.isEmpty()) scrollToEnd();
}

void ChatView::scrollToEnd() {
    QTimer::singleShot(0, this, [this] { verticalScrollBar()->setValue(verticalScrollBar()->maximum()); });
}

}  // namespace sightline::ui
