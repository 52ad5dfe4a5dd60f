#include "notice_banner.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

#include "theme.h"

namespace sightline::ui {

NoticeBanner::NoticeBanner(QWidget* parent) : QFrame(parent) {
    setObjectName(QStringLiteral("notice"));
    setAccessibleName(tr("Notice"));
    auto* h = new QHBoxLayout(this);
    h->setContentsMargins(10, 6, 6, 6);
    h->setSpacing(8);
    m_icon = new QLabel(this);
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("noticeText"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_action = new QPushButton(this);
    m_action->setVisible(false);
    m_close = new QToolButton(this);
    m_close->setAutoRaise(true);
    m_close->setText(QStringLiteral("✕"));
    m_close->setToolTip(tr("Dismiss"));
    m_close->setAccessibleName(tr("Dismiss notice"));
    h->addWidget(m_icon, 0, Qt::AlignTop);
    h->addWidget(m_text, 1);
    h->addWidget(m_action, 0, Qt::AlignVCenter);
    h->addWidget(m_close, 0, Qt::AlignTop);
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &NoticeBanner::dismiss);
    connect(m_close, &QToolButton::clicked, this, &NoticeBanner::dismiss);
    connect(m_action, &QPushButton::clicked, this, [this] {
        const auto act = m_onAction;
        if (m_actionDismisses) dismiss();
        if (act) act();
    });
    setVisible(false);
}

QString NoticeBanner::text() const {
    return m_text->text();
}

QString NoticeBanner::actionText() const {
    return m_action->isVisibleTo(this) ? m_action->text() : QString();
}

void NoticeBanner::showNote(const QString& message, const QString& actionText, std::function<void()> action) {
    showStanding(Kind::Info, false, message, actionText, std::move(action));
}

void NoticeBanner::showError(const QString& message, const QString& actionText, std::function<void()> action) {
    showStanding(Kind::Error, true, message, actionText, std::move(action));
}

void NoticeBanner::showStanding(Kind kind, bool actionDismisses, const QString& message, const QString& actionText,
                                std::function<void()> action) {
    m_timer->stop();  // stays until the user dismisses it
    m_kind = kind;
    m_actionDismisses = actionDismisses;
    m_text->setText(message);
    m_onAction = std::move(action);
    m_action->setText(actionText);
    m_action->setVisible(!actionText.isEmpty() && m_onAction);
    restyle();
    setVisible(true);
}

void NoticeBanner::showInfo(const QString& message, int ms) {
    if (isVisible() && m_kind == Kind::Error) return;  // an info never hides an unread error
    m_kind = Kind::Info;
    m_actionDismisses = true;
    m_text->setText(message);
    m_onAction = {};
    m_action->setVisible(false);
    restyle();
    setVisible(true);
    m_timer->start(ms);
}

void NoticeBanner::dismiss() {
    m_timer->stop();
    m_onAction = {};
    setVisible(false);
}

void NoticeBanner::changeEvent(QEvent* event) {
    QFrame::changeEvent(event);
    if (!m_styling && (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)) restyle();
}

void NoticeBanner::restyle() {
    m_styling = true;
    const bool error = m_kind == Kind::Error;
    const NoticeColors c = noticeColors(palette(), error);
    setStyleSheet(QStringLiteral("QFrame#notice { background: %1; border: 1px solid %2; border-radius: 6px; }"
                                 "QLabel#noticeText { color: %3; }")
                      .arg(c.background.name(), c.border.name(), c.text.name()));
    const int side = fontMetrics().height();
    m_icon->setPixmap(style()->standardIcon(error ? QStyle::SP_MessageBoxWarning : QStyle::SP_MessageBoxInformation).pixmap(side, side));
    setAccessibleDescription(error ? tr("Error") : tr("Information"));
    m_styling = false;
}

}  // namespace sightline::ui
