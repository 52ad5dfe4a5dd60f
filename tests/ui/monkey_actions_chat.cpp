// What people do in the chat: attach images (drop, paste, file dialog), ask, stop, regenerate,
// edit and resend, switch answer versions, start / switch / delete chats, copy, export.
#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QTest>

#include "chat_list_panel.h"
#include "chat_view.h"
#include "composer.h"
#include "main_window.h"
#include "message_widget.h"
#include "monkey.h"
#include "monkey_app.h"
#include "monkey_dialogs.h"

namespace sightline::monkey {
namespace {

ui::MainWindow* win(Monkey& m) {
    return m.app().window();
}
bool idle(Monkey& m) {
    return win(m)->activeRequest() == 0;
}
QPlainTextEdit* promptEdit(Monkey& m) {
    return win(m)->composer()->findChild<QPlainTextEdit*>();
}
// The composer's Send button, which reads Stop while an answer streams.
QAbstractButton* sendButton(Monkey& m) {
    QAbstractButton* b = m.findButton(QStringLiteral("Send"), win(m)->composer());
    return b ? b : m.findButton(QStringLiteral("Stop"), win(m)->composer());
}

const QStringList kQuestions{
    QStringLiteral("What is in this image?"),
    QStringLiteral("Describe the colours, please."),
    QStringLiteral("How many shapes do you see"),
    QStringLiteral("这张图片里有什么？"),
    QStringLiteral("Réponds en français : qu'est-ce que c'est ?"),
    QStringLiteral("Compare the two pictures 🖼️ ✨"),
    QStringLiteral("<think>not really</think> answer in one word"),
    QStringLiteral("```\ncode block\n```\nExplain this."),
    QStringLiteral("   "),
};

QString question(Monkey& m, Rng& rng) {
    QString q = rng.pick(kQuestions);
    if (rng.chance(0.05)) q += QStringLiteral(" ") + QString(rng.between(500, 3000), QChar(u'x'));  // a very long question
    return m.questionTag() + QLatin1Char(' ') + q;
}

// Message widgets of the shown chat with this role that have a button with this name.
QList<ui::MessageWidget*> messagesWithButton(Monkey& m, const QString& role, const QString& button) {
    QList<ui::MessageWidget*> out;
    ui::ChatView* v = win(m)->chatView();
    for (int i = 0; i < v->count(); ++i)
        if (auto* w = v->messageAt(i); w && w->message().role == role && w->message().id >= 0 && m.findButton(button, w)) out << w;
    return out;
}

// Lets a streaming answer go on for a seeded while, or to its end.
QString maybeWait(Monkey& m, Rng& rng) {
    if (rng.chance(0.5)) {
        if (!m.waitIdle(90000)) return QStringLiteral(", waited 90 s: still streaming");
        return QStringLiteral(", waited for the answer");
    }
    const int ms = rng.below(150);
    QTest::qWait(ms);
    return QStringLiteral(", went on after %1 ms").arg(ms);
}

QString send(Monkey& m, Rng& rng) {
    QPlainTextEdit* edit = promptEdit(m);
    const QString q = question(m, rng);
    edit->setFocus();
    if (q.size() < 80) {
        edit->clear();
        Monkey::type(edit, q);
    } else {
        win(m)->composer()->setText(q);  // pasted, not typed
    }
    const int images = int(win(m)->composer()->images().size());
    const bool byKey = rng.chance(0.5);
    QAbstractButton* button = byKey ? nullptr : sendButton(m);
    const QString how = byKey    ? QStringLiteral("Ctrl+Enter")
                        : button ? button->text().remove(QLatin1Char('&'))
                                 : QStringLiteral("no button");
    const quint64 before = win(m)->activeRequest();
    if (byKey)
        QTest::keyClick(edit, Qt::Key_Return, Qt::ControlModifier);
    else
        m.click(button);
    const bool started = win(m)->activeRequest() != 0 && win(m)->activeRequest() != before;
    QString detail =
        QStringLiteral("\"%1\" + %2 image(s) by %3, %4").arg(q.left(40)).arg(images).arg(how, started ? "streaming" : "not sent");
    if (started) detail += maybeWait(m, rng);
    return detail;
}

QString stop(Monkey& m, Rng& rng) {
    const quint64 id = win(m)->activeRequest();
    const bool byButton = rng.chance(0.7);
    if (byButton)
        m.click(m.findButton(QStringLiteral("Stop"), win(m)->composer()));
    else
        QTest::keyClick(win(m), Qt::Key_Escape);
    if (byButton && win(m)->activeRequest() == id && id != 0) m.violation(QStringLiteral("Stop left answer %1 streaming").arg(id));
    return QStringLiteral("answer %1 by %2").arg(id).arg(byButton ? "Stop" : "Escape");
}

QString regenerate(Monkey& m, Rng& rng) {
    const auto answers = messagesWithButton(m, QStringLiteral("assistant"), QStringLiteral("Regenerate this answer"));
    ui::MessageWidget* w = rng.chance(0.7) ? answers.last() : rng.pick(answers);
    const qint64 id = w->message().id;
    m.click(m.findButton(QStringLiteral("Regenerate this answer"), w));
    return QStringLiteral("message %1%2").arg(id).arg(idle(m) ? QString() : maybeWait(m, rng));
}

QString editAndResend(Monkey& m, Rng& rng) {
    const auto questions = messagesWithButton(m, QStringLiteral("user"), QStringLiteral("Edit and resend"));
    ui::MessageWidget* w = rng.pick(questions);
    const qint64 id = w->message().id;
    m.click(m.findButton(QStringLiteral("Edit and resend"), w));
    QPlainTextEdit* edit = promptEdit(m);
    edit->setFocus();
    edit->moveCursor(QTextCursor::End);
    Monkey::type(edit, QStringLiteral(" ·e%1").arg(m.step()));
    if (rng.chance(0.2)) return QStringLiteral("message %1, edited, not sent").arg(id);
    m.click(sendButton(m));
    return QStringLiteral("message %1, resent%2").arg(id).arg(idle(m) ? QString() : maybeWait(m, rng));
}

// Answer versions (‹2/3›): buttons named "Previous version" / "Next version" on a message.
const QStringList kVersionButtons{QStringLiteral("Previous version"), QStringLiteral("Next version")};

bool versionsReady(Monkey& m) {
    for (const QString& b : kVersionButtons)
        if (m.findButton(b, win(m)->chatView())) return true;
    return false;
}

QString switchVersion(Monkey& m, Rng& rng) {
    QList<QAbstractButton*> buttons;
    for (const QString& b : kVersionButtons)
        for (auto* x : win(m)->chatView()->findChildren<QAbstractButton*>())
            if (x->isVisible() && x->isEnabled() && x->accessibleName() == b) buttons << x;
    QAbstractButton* b = rng.pick(buttons);
    m.click(b);
    return b->accessibleName();
}

QListWidget* chatList(Monkey& m) {
    for (auto* l : win(m)->findChildren<QListWidget*>())
        if (l->accessibleName() == ui::MainWindow::tr("Chat history")) return l;
    return nullptr;
}

QString switchChat(Monkey& m, Rng& rng) {
    QListWidget* list = chatList(m);
    const int row = rng.below(list->count());
    list->scrollToItem(list->item(row));
    QTest::mouseClick(list->viewport(), Qt::LeftButton, Qt::NoModifier, list->visualItemRect(list->item(row)).center());
    return QStringLiteral("row %1 → chat %2").arg(row).arg(win(m)->currentChat());
}

// Chat actions named by objectName or text in the window (menus, context menus): "Delete chat".
QAction* windowAction(Monkey& m, const QString& objectName, const QString& text) {
    for (auto* a : win(m)->findChildren<QAction*>())
        if (a->isEnabled() &&
            ((!objectName.isEmpty() && a->objectName() == objectName) || a->text().remove(QLatin1Char('&')).startsWith(text)))
            return a;
    return nullptr;
}

// Chats in the list (day headers carry id -1).
QListWidget* chatPanelList(Monkey& m) {
    return win(m)->chatList() ? win(m)->chatList()->list() : nullptr;
}

QList<QListWidgetItem*> chatItems(Monkey& m) {
    QList<QListWidgetItem*> items;
    if (QListWidget* list = chatPanelList(m))
        for (int i = 0; i < list->count(); ++i)
            if (list->item(i)->data(Qt::UserRole).toLongLong() >= 0) items << list->item(i);
    return items;
}

// Del on a chat in the list asks first (answered yes or cancel), as a person deletes one.
QString deleteChat(Monkey& m, Rng& rng) {
    // Focus first: leaving the composer may rebuild the list (its items die), so pick afterwards.
    QListWidget* list = chatPanelList(m);
    list->setFocus();
    QCoreApplication::processEvents();
    const QList<QListWidgetItem*> items = chatItems(m);
    if (items.isEmpty()) return QStringLiteral("no chat left");
    QListWidgetItem* item = rng.pick(items);
    const qint64 id = item->data(Qt::UserRole).toLongLong();
    list->setCurrentItem(item);
    const bool yes = rng.chance(0.85);
    m.dialogs().plan(yes ? DialogAnswerer::confirm() : DialogAnswerer::cancel());
    QTest::keyClick(list, Qt::Key_Delete);
    return QStringLiteral("chat %1, %2").arg(id).arg(yes ? "confirmed" : "cancelled");
}

QString exportChat(Monkey& m, Rng& rng) {
    const bool json = rng.chance(0.5);
    const QString path = m.dataDir() + QStringLiteral("/exports/chat-%1.%2").arg(m.step()).arg(json ? "json" : "md");
    QDir().mkpath(m.dataDir() + QStringLiteral("/exports"));
    m.dialogs().plan(DialogAnswerer::chooseFile(path));
    windowAction(m, QString(), json ? QStringLiteral("Export chat as JSON") : QStringLiteral("Export chat as Markdown"))->trigger();
    if (win(m)->currentChat() < 0) return QStringLiteral("no chat shown");
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        m.violation(QStringLiteral("export of chat %1 wrote nothing to %2").arg(win(m)->currentChat()).arg(path));
    else if (json && QJsonDocument::fromJson(f.readAll()).isNull())
        m.violation(QStringLiteral("export %1 is not JSON").arg(path));
    return QStringLiteral("%1 of chat %2").arg(json ? "JSON" : "Markdown").arg(win(m)->currentChat());
}

}  // namespace

void registerChatActions(ActionRegistry& r) {
    r.add({QStringLiteral("send"), 14, [](Monkey&) { return true; }, send});
    r.add({QStringLiteral("stop"), 6, [](Monkey& m) { return !idle(m); }, stop});
    r.add(
        {QStringLiteral("regenerate"), 5,
         [](Monkey& m) { return !messagesWithButton(m, QStringLiteral("assistant"), QStringLiteral("Regenerate this answer")).isEmpty(); },
         regenerate});
    r.add({QStringLiteral("editAndResend"), 4,
           [](Monkey& m) { return !messagesWithButton(m, QStringLiteral("user"), QStringLiteral("Edit and resend")).isEmpty(); },
           editAndResend});
    r.add({QStringLiteral("switchVersion"), 3, versionsReady, switchVersion});
    r.add({QStringLiteral("newChat"), 4, [](Monkey&) { return true; },
           [](Monkey& m, Rng&) {
               m.click(m.findButton(QStringLiteral("New chat")));
               return QString();
           }});
    r.add({QStringLiteral("switchChat"), 5, [](Monkey& m) { return chatList(m) && chatList(m)->count() >= 2; }, switchChat});
    r.add({QStringLiteral("deleteChat"), 2, [](Monkey& m) { return !chatItems(m).isEmpty(); }, deleteChat});
    r.add({QStringLiteral("copyMessage"), 1,
           [](Monkey& m) { return !messagesWithButton(m, QStringLiteral("assistant"), QStringLiteral("Copy message")).isEmpty(); },
           [](Monkey& m, Rng& rng) {
               auto* w = rng.pick(messagesWithButton(m, QStringLiteral("assistant"), QStringLiteral("Copy message")));
               m.click(m.findButton(QStringLiteral("Copy message"), w));
               return QStringLiteral("%1 characters").arg(QApplication::clipboard()->text().size());
           }});
    r.add({QStringLiteral("exportChat"), 1, [](Monkey& m) { return win(m)->currentChat() >= 0; }, exportChat});
    r.add({QStringLiteral("wait"), 4, [](Monkey&) { return true; },
           [](Monkey&, Rng& rng) {
               const int ms = rng.between(20, 1500);
               QTest::qWait(ms);
               return QStringLiteral("%1 ms").arg(ms);
           }});
    registerAttachActions(r);
}

}  // namespace sightline::monkey
