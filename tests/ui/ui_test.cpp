// Offscreen Qt Tests of the window, the composer, the controller/worker threading and the store.
// Timing-sensitive cases drive a scripted fake backend; one test drives the real engine on the
// tiny fixture model end to end.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <QApplication>
#include <QClipboard>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>
#include <QToolButton>

#include <thread>

#include "api_host.h"
#include "app_wiring.h"
#include "chat_list_panel.h"
#include "chat_store.h"
#include "chat_view.h"
#include "composer.h"
#include "engine_controller.h"
#include "fake_backend.h"
#include "local_backend.h"
#include "main_window.h"
#include "message_widget.h"
#include "moderation_controller.h"
#include "monitor_widget.h"
#include "notice_banner.h"
#include "review_widget.h"
#include "ui_harness.h"

using namespace sightline;
using sightline::fakes::FakeBackend;
using ui_harness::Harness;
using namespace ui_harness;

class UiTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void dropFilesAndImageData();
    void pasteImage();
    void corruptImageIsAClearMessage();
    void streamsIntoTheViewAndPersists();
    void staleChunksAreDropped();
    void stopMidAnswerKeepsText();
    void shutdownDuringGeneration();
    void persistenceRoundTripAndExport();
    void regenerateAndEditResend();
    void stopThenRegenerateFromTheButton();
    void failedAnswerIsSavedWithRetry();
    void stoppedWhileThinkingIsNotAnAnswer();
    void tokenLimitIsShown();
    void streamedAnswerSurvivesAKill();
    void imagesAreTheChatsOwnCopies();
    void chatListOpensTheChatJustLeft();
    void draftsStayWithTheirChat();
    void chatListGroupsSearchesAndDeletes();
    void chatSystemPromptIsSent();
    void failedWriteIsShown();
    void regenerateWithoutAModelKeepsTheAnswer();
    void deletingTheOpenChatMidAnswer();
};

namespace {

// The tool button with this text on a message widget.
QToolButton* button(ui::MessageWidget* w, const QString& text) {
    for (auto* b : w->findChildren<QToolButton*>())
        if (b->text() == text && b->isVisible()) return b;
    return nullptr;
}

QStringList pathTexts(const Harness& h) {
    QStringList out;
    for (const auto& m : h.store->messages(h.window->currentChat())) out << m.text;
    return out;
}

void ask(Harness& h, const QString& text) {
    h.window->composer()->setText(text);
    h.window->send();
    QVERIFY(h.waitIdle());
}

void clickChat(ui::MainWindow* w, qint64 chatId) {
    QListWidget* list = w->chatList()->list();
    QListWidgetItem* item = w->chatList()->itemFor(chatId);
    QVERIFY(item);
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(item).center());
}

}  // namespace

void UiTest::dropFilesAndImageData() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    ui::Composer* c = h.window->composer();
    QMimeData files;
    files.setUrls(
        {QUrl::fromLocalFile(kFixtures + "/cases/images/img_300x200.png"), QUrl::fromLocalFile(kFixtures + "/cases/images/img_1x1.png")});
    QSignalSpy problems(c, &ui::Composer::problem);
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(c, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(c, &drop);
    QVERIFY(waitAttached(c));
    QVERIFY2(problems.isEmpty(), problems.isEmpty() ? "" : qPrintable(problems.first().first().toString()));
    QCOMPARE(c->images().size(), 2);
    QVERIFY(c->images()[0].preflight.contains("7 image tokens"));
    QVERIFY(!c->images()[0].sha256.isEmpty());
    QVERIFY(!c->images()[0].thumbnail.isNull());
    QMimeData data;
    QImage img(40, 30, QImage::Format_RGB32);
    img.fill(Qt::red);
    data.setImageData(img);
    QDragEnterEvent enter2(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(c, &enter2);
    QDropEvent drop2(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(c, &drop2);
    QVERIFY(waitAttached(c));
    QCOMPARE(c->images().size(), 3);
    QVERIFY(c->images()[2].path.startsWith(h.dir.filePath("images")));
    QVERIFY(QFile::exists(c->images()[2].path));
}

void UiTest::pasteImage() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    auto* edit = h.window->composer()->findChild<QPlainTextEdit*>();
    QVERIFY(edit);
    auto* mime = new QMimeData;
    QImage img(20, 20, QImage::Format_RGB32);
    img.fill(Qt::blue);
    mime->setImageData(img);
    QApplication::clipboard()->setMimeData(mime);
    edit->setFocus();
    edit->paste();
    QVERIFY(waitAttached(h.window->composer()));
    QCOMPARE(h.window->composer()->images().size(), 1);
    QApplication::clipboard()->setText(QStringLiteral("plain words"));
    edit->paste();
    QCOMPARE(edit->toPlainText(), QStringLiteral("plain words"));
    QCOMPARE(h.window->composer()->images().size(), 1);
}

void UiTest::corruptImageIsAClearMessage() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    const QString bad = h.dir.filePath("broken.png");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("\x89PNG\r\n\x1a\n garbage");
    f.close();
    QSignalSpy problems(h.window->composer(), &ui::Composer::problem);
    h.window->composer()->addImageFile(bad);  // queued; the problem comes when it has been read
    QVERIFY(waitAttached(h.window->composer()));
    QCOMPARE(problems.count(), 1);
    QVERIFY(problems.first().first().toString().contains("broken.png"));
    QCOMPARE(h.window->composer()->images().size(), 0);
}

void UiTest::streamsIntoTheViewAndPersists() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"<think>", "hmm", "</think>", "A **red**", " square."}, 40));
    QVERIFY(h.waitLoaded());
    QSignalSpy chunks(h.controller.get(), &app::EngineController::chunk);
    h.window->composer()->setText(QStringLiteral("What is this?"));
    h.window->send();
    QVERIFY(h.window->activeRequest() != 0);
    QVERIFY(h.window->composer()->busy());
    QVERIFY(h.waitIdle());
    QVERIFY(chunks.count() >= 2);  // streamed, not delivered at once
    QCOMPARE(lastAnswerText(h.window.get()), QStringLiteral("<think>hmm</think>A **red** square."));
    const auto split = ui::splitThinking(lastAnswerText(h.window.get()));
    QCOMPARE(split.reasoning, QStringLiteral("hmm"));
    QCOMPARE(split.answer, QStringLiteral("A **red** square."));
    auto* answer = h.window->chatView()->messageAt(1)->findChild<QTextBrowser*>("answer");
    QVERIFY(answer->toPlainText().contains("red square."));  // Markdown rendered: no asterisks
    const auto saved = h.store->messages(h.window->currentChat());
    QCOMPARE(saved.size(), 2);
    QVERIFY(saved[1].stats.has_value());
    QCOMPARE(saved[1].stats->ttftMs, 12.0);
    QVERIFY(h.window->chatView()->messageAt(1)->findChild<QLabel*>("stats")->text().contains("TTFT 12 ms"));
}

void UiTest::staleChunksAreDropped() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"x", "y", "z"}, 30));
    QVERIFY(h.waitLoaded());
    h.window->composer()->setText("q");
    h.window->send();
    const quint64 first = h.window->activeRequest();
    QVERIFY(h.waitIdle());
    const QString before = lastAnswerText(h.window.get());
    h.window->onChunk(first, QStringLiteral("LATE"));         // a finished request
    h.window->onChunk(first + 100, QStringLiteral("ALIEN"));  // an unknown one
    QCOMPARE(lastAnswerText(h.window.get()), before);
}

void UiTest::stopMidAnswerKeepsText() {
    QStringList many;
    for (int i = 0; i < 200; ++i) many << QStringLiteral("w%1 ").arg(i);
    Harness h(std::make_unique<FakeBackend>(many, 15));
    QVERIFY(h.waitLoaded());
    h.window->composer()->setText("long answer please");
    h.window->send();
    QVERIFY(QTest::qWaitFor([&] { return lastAnswerText(h.window.get()).contains("w3 "); }, 10000));
    QTest::keyClick(h.window.get(), Qt::Key_Escape);
    QCOMPARE(h.window->activeRequest(), quint64(0));  // stopped at once from the GUI thread
    const QString kept = lastAnswerText(h.window.get());
    QVERIFY(kept.startsWith("w0 w1 w2 w3"));
    QVERIFY(!h.controller->busy() || QTest::qWaitFor([&] { return !h.controller->busy(); }, 2000));  // worker saw the flag
    QTest::qWait(100);
    QCOMPARE(lastAnswerText(h.window.get()), kept);  // nothing more arrives for the stopped request
    const auto saved = h.store->messages(h.window->currentChat());
    QCOMPARE(saved.last().state, ui::MessageState::Stopped);
    QCOMPARE(saved.last().text, kept);
}

void UiTest::shutdownDuringGeneration() {
    QStringList many;
    for (int i = 0; i < 1000; ++i) many << QStringLiteral("t ");
    auto h = std::make_unique<Harness>(std::make_unique<FakeBackend>(many, 10));
    QVERIFY(h->waitLoaded());
    h->window->composer()->setText("q");
    h->window->send();
    QTest::qWait(100);
    QElapsedTimer t;
    t.start();
    h.reset();  // controller destructor: stop → quit → wait
    QVERIFY2(t.elapsed() < 2000, "shutdown waited for the whole answer");
}

void UiTest::persistenceRoundTripAndExport() {
    QTemporaryDir dir;
    const QString path = dir.filePath("c.sqlite3");
    qint64 chat = 0;
    {
        ui::ChatStore s(path);
        chat = s.createChat("Cats", "Be brief.");
        ui::ChatMessageUi u;
        u.role = "user";
        u.text = "What is it?";
        ui::ImageRef im;
        im.path = kFixtures + "/cases/images/img_1x1.png";
        im.sha256 = ui::sha256OfFile(im.path);
        im.thumbnail = QImage(4, 4, QImage::Format_RGB32);
        im.thumbnail.fill(Qt::green);
        u.images = {im};
        const qint64 uid = s.addMessage(chat, u);
        ui::ChatMessageUi a;
        a.parentId = uid;
        a.role = "assistant";
        a.text = "<think>look</think>A cat.";
        a.stats = ui::MessageStats{10, 100, 50, 500, 30, 5, 1 << 20, "cpu", "stop"};
        a.seed = 42;
        a.settings = ui::GenerationSettings{}.toJson();
        s.addMessage(chat, a);
    }
    ui::ChatStore s(path);  // reopened: what was saved is there
    const auto msgs = s.messages(chat);
    QCOMPARE(msgs.size(), 2);
    QCOMPARE(msgs[0].images.size(), 1);
    QCOMPARE(msgs[0].images[0].sha256.size(), 64);
    QVERIFY(!msgs[0].images[0].thumbnail.isNull());
    QCOMPARE(msgs[1].seed, 42);
    QCOMPARE(msgs[1].stats->generatedTokens, 5);
    QCOMPARE(s.chatSystemPrompt(chat), QStringLiteral("Be brief."));
    const QString md = s.exportMarkdown(chat);
    QVERIFY(md.contains("# Cats"));
    QVERIFY(md.contains("<details><summary>Reasoning</summary>"));
    QVERIFY(md.contains("A cat."));
    QVERIFY(md.contains(msgs[0].images[0].sha256));
    const auto json = QJsonDocument::fromJson(s.exportJson(chat)).object();
    const auto arr = json["messages"].toArray();
    QCOMPARE(arr.size(), 3);
    QCOMPARE(arr[0].toObject()["role"].toString(), QStringLiteral("system"));
    QCOMPARE(arr[1].toObject()["content"].toArray()[0].toObject()["type"].toString(), QStringLiteral("image"));
    // The JSON export is the chat format sightline-cli reads back.
    const auto back = parseChatJson(s.exportJson(chat).toStdString(), "");
    QCOMPARE(int(back.size()), 3);
    QVERIFY(back[1].content[0].image);
}

void UiTest::regenerateAndEditResend() {
    // Nothing written or received is deleted: Regenerate adds a version, Edit starts a branch.
    Harness h(std::make_unique<FakeBackend>(QStringList{"answer {n}"}, 2));
    QVERIFY(h.waitLoaded());
    ask(h, "first question");
    ask(h, "second question");
    QCOMPARE(pathTexts(h), (QStringList{"first question", "answer 1", "second question", "answer 2"}));
    const auto before = h.store->messages(h.window->currentChat());
    // Regenerate the earlier answer: a second version of it; the later turns stay with version 1.
    QSignalSpy requests(h.window.get(), &ui::MainWindow::generateRequested);
    h.window->regenerate(before[1].id);
    QVERIFY(h.waitIdle());
    QCOMPARE(requests.first().first().value<ui::GenerationRequest>().messages.size(), 1);  // the history up to the question
    QCOMPARE(pathTexts(h), (QStringList{"first question", "answer 3"}));
    QCOMPARE(h.store->allMessages(h.window->currentChat()).size(), 5);
    ui::MessageWidget* regenerated = h.window->chatView()->messageAt(1);
    QCOMPARE(regenerated->findChild<QLabel*>("version")->text(), QStringLiteral("2/2"));
    QVERIFY(regenerated->findChild<QLabel*>("version")->isVisible());
    QTest::mouseClick(button(regenerated, QStringLiteral("‹")), Qt::LeftButton);  // back to version 1 and its later turns
    QVERIFY(QTest::qWaitFor([&] { return h.window->chatView()->count() == 4; }, 2000));
    QCOMPARE(pathTexts(h), (QStringList{"first question", "answer 1", "second question", "answer 2"}));
    QCOMPARE(h.window->chatView()->messageAt(1)->findChild<QLabel*>("version")->text(), QStringLiteral("1/2"));
    // Edit the first question: nothing changes until Send, then a new branch starts there.
    h.window->editAndResend(before[0].id);
    QCOMPARE(h.window->composer()->text(), QStringLiteral("first question"));
    QCOMPARE(h.store->allMessages(h.window->currentChat()).size(), 5);
    QCOMPARE(h.window->chatView()->count(), 4);
    ask(h, "better question");
    QCOMPARE(pathTexts(h), (QStringList{"better question", "answer 4"}));
    QCOMPARE(h.window->chatView()->messageAt(0)->message().versionCount, 2);
    h.window->switchVersion(h.window->chatView()->messageAt(0)->message().id, -1);
    QCOMPARE(pathTexts(h), (QStringList{"first question", "answer 1", "second question", "answer 2"}));
    QCOMPARE(h.store->allMessages(h.window->currentChat()).size(), 7);
}

void UiTest::stopThenRegenerateFromTheButton() {
    // Stop, then Regenerate on the stopped answer, several times while chunks are in flight: the
    // clicked widget outlives its click, stale chunks are dropped, every version is kept.
    QStringList many;
    for (int i = 0; i < 400; ++i) many << QStringLiteral("r{n}w%1 ").arg(i);
    Harness h(std::make_unique<FakeBackend>(many, 3));
    QVERIFY(h.waitLoaded());
    h.window->composer()->setText("long answer please");
    h.window->send();
    for (int round = 1; round <= 4; ++round) {
        QVERIFY(QTest::qWaitFor([&] { return lastAnswerText(h.window.get()).contains(QStringLiteral("w5 ")); }, 10000));
        const quint64 stale = h.window->activeRequest();
        QTest::keyClick(h.window.get(), Qt::Key_Escape);
        QCOMPARE(h.window->activeRequest(), quint64(0));
        ui::MessageWidget* stopped = h.window->chatView()->messageAt(1);
        QCOMPARE(stopped->message().state, ui::MessageState::Stopped);
        const QString kept = stopped->message().text;
        QToolButton* regen = button(stopped, QStringLiteral("Regenerate"));
        QVERIFY(regen);
        QPointer<ui::MessageWidget> clicked(stopped);
        QTest::mouseClick(regen, Qt::LeftButton);
        QVERIFY(clicked);  // not deleted inside its own click
        QVERIFY(QTest::qWaitFor([&] { return h.window->activeRequest() != 0; }, 2000));
        h.window->onChunk(stale, QStringLiteral("STALE"));
        QVERIFY(QTest::qWaitFor([&] { return !clicked; }, 2000));  // deleted later, by the event loop
        QCOMPARE(h.window->chatView()->messageAt(1)->message().versionCount, round + 1);
        QVERIFY(!lastAnswerText(h.window.get()).contains("STALE"));
        const auto all = h.store->allMessages(h.window->currentChat());
        QCOMPARE(all.size(), round + 2);
        QCOMPARE(all[all.size() - 2].text, kept);  // the stopped version as it was
    }
    QVERIFY(h.waitIdle());
    QVERIFY(lastAnswerText(h.window.get()).startsWith("r5w0 r5w1"));
    QVERIFY(!lastAnswerText(h.window.get()).contains("STALE"));
    QCOMPARE(h.store->messages(h.window->currentChat()).last().state, ui::MessageState::Done);
}

void UiTest::failedAnswerIsSavedWithRetry() {
    auto fake = std::make_unique<FakeBackend>(QStringList{"fine ", "now"}, 2);
    FakeBackend* raw = fake.get();
    raw->failNext = 1;
    Harness h(std::move(fake));
    QVERIFY(h.waitLoaded());
    ask(h, "q");
    auto saved = h.store->messages(h.window->currentChat());
    QCOMPARE(saved.size(), 2);  // after a restart: the question, then the failure, never two questions in a row
    QCOMPARE(saved[1].role, QStringLiteral("assistant"));
    QCOMPARE(saved[1].state, ui::MessageState::Failed);
    QVERIFY(saved[1].error.contains("scripted failure"));
    QCOMPARE(saved[1].errorPhase, QStringLiteral("start"));
    ui::ChatStore reopened(h.store->path());
    QCOMPARE(reopened.messages(h.window->currentChat())[1].state, ui::MessageState::Failed);
    ui::MessageWidget* w = h.window->chatView()->messageAt(1);
    auto* error = w->findChild<QLabel*>("error");
    QVERIFY(error->isVisible());
    QVERIFY(error->text().contains("scripted failure"));
    QVERIFY(error->text().contains("Retry"));
    QToolButton* retry = button(w, QStringLiteral("Retry"));
    QVERIFY(retry);
    QTest::mouseClick(retry, Qt::LeftButton);
    QVERIFY(QTest::qWaitFor([&] { return h.window->activeRequest() != 0; }, 2000));
    QVERIFY(h.waitIdle());
    saved = h.store->messages(h.window->currentChat());
    QCOMPARE(saved[1].text, QStringLiteral("fine now"));
    QCOMPARE(saved[1].versionCount, 2);  // the failure stays as version 1
    QVERIFY(!h.window->chatView()->messageAt(1)->findChild<QLabel*>("error")->isVisible());
    // A later question does not send the failed answer as a turn.
    h.window->switchVersion(saved[1].id, -1);
    ask(h, "again");
    QCOMPARE(int(raw->lastMessages.size()), 2);
    QCOMPARE(raw->lastMessages[1].role, Role::User);
}

void UiTest::stoppedWhileThinkingIsNotAnAnswer() {
    QStringList tokens{"<think>"};
    for (int i = 0; i < 300; ++i) tokens << QStringLiteral("hmm%1 ").arg(i);
    Harness h(std::make_unique<FakeBackend>(tokens, 5));
    QVERIFY(h.waitLoaded());
    h.window->composer()->setText("think hard");
    h.window->send();
    QVERIFY(QTest::qWaitFor([&] { return lastAnswerText(h.window.get()).contains("hmm3 "); }, 10000));
    ui::MessageWidget* w = h.window->chatView()->messageAt(1);
    auto toggle = [&] {
        for (auto* b : w->findChildren<QToolButton*>())
            if (b->isCheckable()) return b;
        return static_cast<QToolButton*>(nullptr);
    };
    QCOMPARE(toggle()->text(), QStringLiteral("Thinking…"));
    h.window->stop();
    QVERIFY(toggle()->text() != QStringLiteral("Thinking…"));
    QVERIFY(!w->findChild<QTextBrowser*>("answer")->isVisible());  // the reasoning is not shown as the answer
    QVERIFY(!w->findChild<QTextBrowser*>("answer")->toPlainText().contains("hmm"));
    QVERIFY(w->findChild<QLabel*>("stats")->text().contains("Stopped while thinking"));
}

void UiTest::tokenLimitIsShown() {
    auto fake = std::make_unique<FakeBackend>(QStringList{"cut ", "off"}, 2);
    fake->endReason = FinishReason::Length;
    Harness h(std::move(fake));
    QVERIFY(h.waitLoaded());
    ask(h, "q");
    QVERIFY(h.window->chatView()->messageAt(1)->findChild<QLabel*>("stats")->text().contains("token limit"));
    QCOMPARE(h.store->messages(h.window->currentChat())[1].stats->finishReason, QStringLiteral("length"));
}

void UiTest::streamedAnswerSurvivesAKill() {
    // The answer is saved while it streams; a window that dies without Stop (a crash) leaves a
    // "streaming" row that the next start shows as interrupted, with the text that had arrived.
    QStringList many;
    for (int i = 0; i < 2000; ++i) many << QStringLiteral("word%1 ").arg(i);
    auto h = std::make_unique<Harness>(std::make_unique<FakeBackend>(many, 2));
    QVERIFY(h->waitLoaded());
    h->window->composer()->setText("q");
    h->window->send();
    const qint64 chat = h->window->currentChat();
    ui::ChatStore other(h->store->path());  // another connection sees only what was committed
    QVERIFY(QTest::qWaitFor([&] { return other.messages(chat).size() == 2 && other.messages(chat)[1].text.size() > 400; }, 10000));
    const auto mid = other.messages(chat)[1];
    QCOMPARE(mid.state, ui::MessageState::Streaming);
    QVERIFY(lastAnswerText(h->window.get()).startsWith(mid.text));
    const QString path = h->store->path();
    h->controller.reset();  // the engine goes; the window never stops or closes
    QTest::qWait(50);
    const QString committed = other.messages(chat)[1].text;
    h->window.reset();  // destroyed without Stop or close, like a killed process
    ui::ChatStore next(path);
    QCOMPARE(next.interruptedAtOpen(), 1);
    const auto after = next.messages(chat);
    QCOMPARE(after[1].state, ui::MessageState::Interrupted);
    QCOMPARE(after[1].text, committed);
    QVERIFY(committed.size() >= mid.text.size());
}

void UiTest::imagesAreTheChatsOwnCopies() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a {n}"}, 2));
    QVERIFY(h.waitLoaded());
    const QString mine = h.dir.filePath("holiday.png");
    QVERIFY(QFile::copy(kFixtures + "/cases/images/img_57x91.png", mine));
    QVERIFY(h.window->composer()->addImageFile(mine));
    QVERIFY(waitAttached(h.window->composer()));
    h.window->composer()->setText("what is it?");
    h.window->send();
    QVERIFY(h.window->activeRequest() != 0);  // busy while the copy is made
    QVERIFY(h.waitIdle());
    auto saved = h.store->messages(h.window->currentChat());
    QCOMPARE(saved.size(), 2);
    QCOMPARE(saved[0].images[0].source, mine);
    QVERIFY(saved[0].images[0].path.startsWith(h.store->imageFolder()));
    QCOMPARE(saved[0].images[0].sha256, ui::sha256OfFile(mine));
    QVERIFY(QFile::remove(mine));  // the user moves the picture away
    h.window->regenerate(saved[1].id);
    QVERIFY(h.waitIdle());
    saved = h.store->messages(h.window->currentChat());
    QCOMPARE(saved[1].state, ui::MessageState::Done);  // the engine read the chat's copy
    QCOMPARE(saved[1].text, QStringLiteral("a 2"));
    // The same picture again, in another chat: still one copy; it goes with the last chat using it.
    QVERIFY(QFile::copy(kFixtures + "/cases/images/img_57x91.png", mine));
    const qint64 first = h.window->currentChat();
    h.window->newChat();
    QVERIFY(h.window->composer()->addImageFile(mine));
    QVERIFY(waitAttached(h.window->composer()));
    ask(h, "and this?");
    QCOMPARE(QDir(h.store->imageFolder()).entryList(QDir::Files).size(), 1);
    QVERIFY(h.window->chatList()->deleteChat(first, false));
    QCOMPARE(QDir(h.store->imageFolder()).entryList(QDir::Files).size(), 1);
    QVERIFY(h.window->chatList()->deleteChat(h.window->currentChat(), false));
    QCOMPARE(QDir(h.store->imageFolder()).entryList(QDir::Files).size(), 0);
    QCOMPARE(h.window->currentChat(), -1);
}

void UiTest::chatListOpensTheChatJustLeft() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    ask(h, "in chat A");
    const qint64 a = h.window->currentChat();
    QTest::keyClick(h.window.get(), Qt::Key_N, Qt::ControlModifier);
    QCOMPARE(h.window->currentChat(), -1);
    QCOMPARE(h.window->chatView()->count(), 0);
    clickChat(h.window.get(), a);
    QCOMPARE(h.window->currentChat(), a);
    QCOMPARE(h.window->chatView()->count(), 2);
    // And between two chats, back and forth.
    QTest::keyClick(h.window.get(), Qt::Key_N, Qt::ControlModifier);
    ask(h, "in chat B");
    const qint64 b = h.window->currentChat();
    clickChat(h.window.get(), a);
    QCOMPARE(h.window->currentChat(), a);
    clickChat(h.window.get(), b);
    QCOMPARE(h.window->currentChat(), b);
}

void UiTest::draftsStayWithTheirChat() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    ask(h, "in chat A");
    const qint64 a = h.window->currentChat();
    h.window->composer()->setText("half a thought for A");
    QTest::keyClick(h.window.get(), Qt::Key_N, Qt::ControlModifier);
    QCOMPARE(h.window->composer()->text(), QString());
    h.window->composer()->setText("draft of the new chat");
    clickChat(h.window.get(), a);
    QCOMPARE(h.window->composer()->text(), QStringLiteral("half a thought for A"));
    QTest::keyClick(h.window.get(), Qt::Key_N, Qt::ControlModifier);
    QCOMPARE(h.window->composer()->text(), QStringLiteral("draft of the new chat"));
}

void UiTest::chatListGroupsSearchesAndDeletes() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a striped zebra {n}"}, 1));
    QVERIFY(h.waitLoaded());
    ask(h, "animals");
    const qint64 a = h.window->currentChat();
    h.window->newChat();
    ask(h, "numbers");
    const qint64 b = h.window->currentChat();
    ui::ChatListPanel* panel = h.window->chatList();
    QCOMPARE(panel->list()->item(0)->text(), QStringLiteral("Today"));
    QVERIFY(!(panel->list()->item(0)->flags() & Qt::ItemIsSelectable));
    QCOMPARE(panel->list()->count(), 3);
    QVERIFY(panel->itemFor(b)->text().startsWith("numbers\n"));  // title, then the time
    QCOMPARE(ui::ChatListPanel::dayLabel(QDate(2026, 3, 9), QDate(2026, 3, 10)), QStringLiteral("Yesterday"));
    panel->searchField()->setText("ZEBRA 1");  // answers are searched too
    QVERIFY(panel->itemFor(a) && !panel->itemFor(b));
    panel->searchField()->setText("numb");
    QVERIFY(!panel->itemFor(a) && panel->itemFor(b));
    panel->searchField()->clear();
    // Delete asks first; Cancel keeps the chat.
    QTimer::singleShot(0, [] {
        if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) box->button(QMessageBox::Cancel)->click();
    });
    QVERIFY(!panel->deleteChat(a));
    QVERIFY(panel->itemFor(a));
    QTimer::singleShot(0, [] {
        if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) box->button(QMessageBox::Yes)->click();
    });
    QVERIFY(panel->deleteChat(b));  // the open chat: the window moves to a new one
    QCOMPARE(h.window->currentChat(), -1);
    QVERIFY(!panel->itemFor(b));
    QCOMPARE(h.store->chats().size(), 1);
    // F2 renames the current chat (a dialog asks for the title).
    h.window->openChat(a);
    QTimer::singleShot(0, [] {
        if (auto* d = qobject_cast<QInputDialog*>(QApplication::activeModalWidget())) {
            d->setTextValue(QStringLiteral("Zoo"));
            d->accept();
        }
    });
    QTest::keyClick(panel->list(), Qt::Key_F2);
    QCOMPARE(h.store->chats()[0].title, QStringLiteral("Zoo"));
    QVERIFY(panel->itemFor(a)->text().startsWith("Zoo\n"));
}

void UiTest::chatSystemPromptIsSent() {
    auto fake = std::make_unique<FakeBackend>(QStringList{"salve"}, 1);
    FakeBackend* raw = fake.get();
    Harness h(std::move(fake));
    QVERIFY(h.waitLoaded());
    ask(h, "hello");
    QCOMPARE(raw->lastMessages[0].role, Role::User);  // no prompt in the settings, none in the chat
    // The chat's settings dialog holds its own system prompt.
    QTimer::singleShot(0, [] {
        if (auto* d = qobject_cast<QDialog*>(QApplication::activeModalWidget())) {
            d->findChild<QPlainTextEdit*>("chatSystemPrompt")->setPlainText(QStringLiteral("Answer in Latin."));
            d->accept();
        }
    });
    QVERIFY(h.window->chatList()->editChatSettings(h.window->currentChat()));
    QCOMPARE(h.store->chatSystemPrompt(h.window->currentChat()), QStringLiteral("Answer in Latin."));
    ask(h, "how are you?");
    QCOMPARE(raw->lastMessages[0].role, Role::System);
    QCOMPARE(QString::fromStdString(raw->lastMessages[0].content[0].text), QStringLiteral("Answer in Latin."));
    QCOMPARE(int(raw->lastMessages.size()), 4);  // system, hello, salve, how are you?
}

void UiTest::failedWriteIsShown() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    ask(h, "first");
    const qint64 chat = h.window->currentChat();
    {
        QSqlDatabase d = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("saboteur"));
        d.setDatabaseName(h.store->path());
        QVERIFY(d.open());
        QSqlQuery q(d);
        QVERIFY(q.exec("CREATE TRIGGER no_more BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'disk full'); END"));
        d.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("saboteur"));
    h.window->composer()->setText("second");
    h.window->send();
    QCOMPARE(h.window->activeRequest(), quint64(0));
    auto* notice = h.window->findChild<ui::NoticeBanner*>();
    QVERIFY(notice && notice->isVisible());
    QVERIFY(notice->kind() == ui::NoticeBanner::Kind::Error);
    QVERIFY(notice->text().contains("disk full"));
    QCOMPARE(h.window->composer()->text(), QStringLiteral("second"));  // the question is not lost
    QCOMPARE(h.store->messages(chat).size(), 2);
    QCOMPARE(h.window->chatView()->count(), 2);
}

// Found by ui_monkey: Regenerate while a model (re)loads started a version that could only fail.
void UiTest::regenerateWithoutAModelKeepsTheAnswer() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    ask(h, "first");
    const qint64 chat = h.window->currentChat();
    const auto before = h.store->messages(chat);
    QCOMPARE(before.size(), 2);
    h.window->onLoadStarted(QStringLiteral("/elsewhere"));
    h.window->regenerate(before[1].id);
    QCOMPARE(h.window->activeRequest(), quint64(0));
    const auto after = h.store->messages(chat);
    QCOMPARE(after.size(), 2);
    QCOMPARE(after[1].text, before[1].text);
    QCOMPARE(after[1].versionCount, 1);
    auto* notice = h.window->findChild<ui::NoticeBanner*>();
    QVERIFY(notice && notice->isVisible() && notice->text().contains("not loaded"));
}

void UiTest::deletingTheOpenChatMidAnswer() {
    QStringList many;
    for (int i = 0; i < 500; ++i) many << QStringLiteral("t%1 ").arg(i);
    Harness h(std::make_unique<FakeBackend>(many, 3));
    QVERIFY(h.waitLoaded());
    h.window->composer()->setText("q");
    h.window->send();
    QVERIFY(QTest::qWaitFor([&] { return lastAnswerText(h.window.get()).contains("t3 "); }, 5000));
    h.window->composer()->setText("next thought");
    QVERIFY(h.window->chatList()->deleteChat(h.window->currentChat(), false));
    QCOMPARE(h.window->activeRequest(), quint64(0));
    QCOMPARE(h.window->currentChat(), -1);
    QVERIFY(!h.window->composer()->busy());
    QTest::qWait(1200);  // late chunks and the stopped request's end write nothing
    QVERIFY(!h.window->findChild<ui::NoticeBanner*>()->isVisible());
    QCOMPARE(h.window->chatView()->count(), 0);
    QVERIFY(h.store->chats().isEmpty());
    QCOMPARE(h.window->composer()->text(), QStringLiteral("next thought"));
}

QTEST_MAIN(UiTest)
#include "ui_test.moc"
