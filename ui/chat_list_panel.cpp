#include "chat_list_panel.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

#include "chat_store.h"

namespace sightline::ui {
namespace {
constexpr int kIdRole = Qt::UserRole;  // chat id; -1 on day headers
}

ChatListPanel::ChatListPanel(ChatStore* store, QWidget* parent) : QWidget(parent), m_store(store) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(6, 6, 0, 6);
    auto* top = new QHBoxLayout;
    auto* newBtn = new QPushButton(tr("New chat"), this);
    newBtn->setAccessibleName(tr("New chat"));
    newBtn->setToolTip(tr("New chat (Ctrl+N); the draft of this chat is kept"));
    m_settings = new QToolButton(this);
    m_settings->setText(tr("Chat settings…"));
    m_settings->setToolTip(tr("This chat's system prompt"));
    m_settings->setAccessibleName(tr("Chat settings"));
    top->addWidget(newBtn, 1);
    top->addWidget(m_settings);
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search chats"));
    m_search->setAccessibleName(tr("Search chats"));
    m_search->setClearButtonEnabled(true);
    m_list = new QListWidget(this);
    m_list->setAccessibleName(tr("Chat history"));
    m_list->setTextElideMode(Qt::ElideRight);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    m_list->setSpacing(1);
    m_list->installEventFilter(this);
    v->addLayout(top);
    v->addWidget(m_search);
    v->addWidget(m_list, 1);

    connect(newBtn, &QPushButton::clicked, this, &ChatListPanel::newChatRequested);
    connect(m_settings, &QToolButton::clicked, this, [this] {
        if (m_current >= 0) editChatSettings(m_current);
    });
    connect(m_search, &QLineEdit::textChanged, this, [this] { refresh(m_current); });
    // A click opens a chat even when it is the list's current item (after New chat there is none
    // current, but clicking must never depend on that); keys move the current item.
    connect(m_list, &QListWidget::itemClicked, this, &ChatListPanel::activate);
    connect(m_list, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) { activate(item); });
    connect(m_list, &QListWidget::customContextMenuRequested, this, &ChatListPanel::showMenu);
    m_settings->setEnabled(false);
}

QString ChatListPanel::dayLabel(const QDate& day, const QDate& today) {
    if (day == today) return tr("Today");
    if (day == today.addDays(-1)) return tr("Yesterday");
    return QLocale().toString(day, day.year() == today.year() ? QStringLiteral("ddd d MMM") : QStringLiteral("d MMM yyyy"));
}

void ChatListPanel::refresh(qint64 currentChat) {
    m_current = currentChat;
    m_settings->setEnabled(currentChat >= 0);
    const QSignalBlocker block(m_list);
    m_list->clear();
    QList<ChatSummary> chats;
    try {
        chats = m_store->chats(m_search->text().trimmed());
    } catch (const std::exception& e) {
        Q_EMIT m_store->writeFailed(tr("Could not read the chat list: %1").arg(QString::fromUtf8(e.what())));
    }
    const QDate today = QDate::currentDate();
    QDate lastDay;
    for (const auto& c : chats) {
        const QDateTime local = c.updated.toLocalTime();
        if (local.date() != lastDay) {
            lastDay = local.date();
            auto* header = new QListWidgetItem(dayLabel(lastDay, today), m_list);
            header->setFlags(Qt::NoItemFlags);
            header->setData(kIdRole, qint64(-1));
            QFont f = header->font();
            f.setBold(true);
            f.setPointSizeF(f.pointSizeF() * 0.9);
            header->setFont(f);
        }
        auto* item = new QListWidgetItem(c.title + QStringLiteral("\n") + local.time().toString(QStringLiteral("HH:mm")), m_list);
        item->setData(kIdRole, c.id);
        item->setToolTip(c.title + QStringLiteral("\n") + QLocale().toString(local, QLocale::LongFormat));
        if (c.id == currentChat) m_list->setCurrentItem(item);
    }
    if (currentChat < 0) m_list->setCurrentItem(nullptr);
    if (chats.isEmpty() && !m_search->text().trimmed().isEmpty()) {
        auto* none = new QListWidgetItem(tr("No chat matches “%1”.").arg(m_search->text().trimmed()), m_list);
        none->setFlags(Qt::NoItemFlags);
        none->setData(kIdRole, qint64(-1));
    }
}

QListWidgetItem* ChatListPanel::itemFor(qint64 chatId) const {
    for (int i = 0; i < m_list->count(); ++i)
        if (m_list->item(i)->data(kIdRole).toLongLong() == chatId) return m_list->item(i);
    return nullptr;
}

void ChatListPanel::activate(QListWidgetItem* item) {
    if (!item) return;
    const qint64 id = item->data(kIdRole).toLongLong();
    if (id >= 0 && id != m_current) Q_EMIT chatActivated(id);
}

void ChatListPanel::showMenu(const QPoint& pos) {
    QListWidgetItem* item = m_list->itemAt(pos);
    const qint64 id = item ? item->data(kIdRole).toLongLong() : -1;
    if (id < 0) return;
    QMenu menu(this);
    menu.addAction(tr("Rename…"), this, [this, id] { renameChat(id); });
    menu.addAction(tr("Chat settings…"), this, [this, id] { editChatSettings(id); });
    menu.addSeparator();
    menu.addAction(tr("Delete…"), this, [this, id] { deleteChat(id); });
    menu.exec(m_list->viewport()->mapToGlobal(pos));
}

bool ChatListPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_list && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        QListWidgetItem* item = m_list->currentItem();
        const qint64 id = item ? item->data(kIdRole).toLongLong() : -1;
        if (id >= 0 && key == Qt::Key_Delete) return deleteChat(id), true;
        if (id >= 0 && key == Qt::Key_F2) return renameChat(id), true;
    }
    return QWidget::eventFilter(watched, event);
}

QString ChatListPanel::titleOf(qint64 chatId) const {
    try {
        for (const auto& c : m_store->chats())
            if (c.id == chatId) return c.title;
    } catch (const std::exception&) {
        // shown as untitled; the write that follows reports a broken database
    }
    return {};
}

bool ChatListPanel::deleteChat(qint64 chatId, bool ask) {
    const QString title = titleOf(chatId);
    if (ask && QMessageBox::question(this, tr("Delete chat"),
                                     tr("Delete “%1” with all its messages, versions and images? This cannot be undone.").arg(title),
                                     QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) != QMessageBox::Yes)
        return false;
    if (!m_store->deleteChat(chatId)) return false;
    Q_EMIT chatDeleted(chatId);
    refresh(chatId == m_current ? -1 : m_current);
    return true;
}

bool ChatListPanel::renameChat(qint64 chatId) {
    const QString title = titleOf(chatId);
    bool ok = false;
    const QString t = QInputDialog::getText(this, tr("Rename chat"), tr("Title:"), QLineEdit::Normal, title, &ok).trimmed();
    if (!ok || t.isEmpty() || !m_store->renameChat(chatId, t)) return false;
    refresh(m_current);
    return true;
}

bool ChatListPanel::editChatSettings(qint64 chatId) {
    QDialog dlg(this);
    dlg.setWindowTitle(tr("Chat settings"));
    auto* v = new QVBoxLayout(&dlg);
    auto* label = new QLabel(tr("System prompt for this chat (sent before every turn; empty: none):"), &dlg);
    label->setWordWrap(true);
    QString prompt;
    try {
        prompt = m_store->chatSystemPrompt(chatId);
    } catch (const std::exception& e) {
        Q_EMIT m_store->writeFailed(tr("Could not read the chat: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    auto* edit = new QPlainTextEdit(prompt, &dlg);
    edit->setObjectName(QStringLiteral("chatSystemPrompt"));
    label->setBuddy(edit);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dlg);
    v->addWidget(label);
    v->addWidget(edit);
    v->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dlg, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
    dlg.resize(460, 260);
    if (dlg.exec() != QDialog::Accepted) return false;
    return m_store->setChatSystemPrompt(chatId, edit->toPlainText().trimmed());
}

}  // namespace sightline::ui
