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

namespace {

const QString kFixtures = QStringLiteral(SIGHTLINE_FIXTURES_DIR);

// The tiny fixture model on the CPU, greedy, 24 tokens: answers are the fixture's reference tokens.
ui::GenerationSettings tinyGreedySettings() {
    ui::GenerationSettings s;
    s.modelDir = kFixtures + "/model";
    s.device = "cpu";
    s.temperature = 0;
    s.repetitionPenalty = 1.0;
    s.maxNewTokens = 24;
    return s;
}

// A moderation queue CSV of n listings (ids p0.., one small fixture image each); returns its path.
QString writeListingQueue(const QString& path, int n) {
    QString rows = QStringLiteral("id,image,title,text\n");
    for (int i = 0; i < n; ++i)
        rows += QStringLiteral("p%1,%2,Item %1,Great product number %1\n").arg(i).arg(kFixtures + "/cases/images/img_57x91.png");
    QFile f(path);
    if (f.open(QIODevice::WriteOnly)) f.write(rows.toUtf8());
    return path;
}

// Images are read off the GUI thread: wait until none is pending.
bool waitAttached(ui::Composer* c) {
    return QTest::qWaitFor([c] { return c->pendingCount() == 0; }, 20000);
}

QString lastAnswerText(ui::MainWindow* w) {
    auto* m = w->chatView()->messageAt(w->chatView()->count() - 1);
    return m ? m->message().text : QString();
}

}  // namespace

class UiTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void settingsBreakingASamplingRuleFailTheRequest();
    void dropFilesAndImageData();
    void pasteImage();
    void corruptImageIsAClearMessage();
    void streamsIntoTheViewAndPersists();
    void staleChunksAreDropped();
    void stopMidAnswerKeepsText();
    void shutdownDuringGeneration();
    void persistenceRoundTripAndExport();
    void settingsTravelInTheRequest();
    void realEngineEndToEnd();
    void chatAndModerationShareOneBatch();
    void localApiSharesTheScheduler();
    void reloadingTheModelStopsTheQueueCleanly();
    void badModelFolderNamesTheFile();
    void monitorRecordsRequestsAndMemory();
    void reviewKeysDecideAndPersist();
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
    void chatRequestsDoNotWaitForEachOther();
};

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

void UiTest::settingsTravelInTheRequest() {
    auto fake = std::make_unique<FakeBackend>(QStringList{"ok"}, 1);
    FakeBackend* raw = fake.get();
    ui::GenerationSettings s;
    s.systemPrompt = "Answer in French.";
    Harness h(std::move(fake), s);
    QVERIFY(h.waitLoaded());
    QSignalSpy req(h.window.get(), &ui::MainWindow::generateRequested);
    h.window->composer()->setText("Bonjour?");
    h.window->send();
    QVERIFY(h.waitIdle());
    QCOMPARE(req.count(), 1);
    const auto r = req.first().first().value<ui::GenerationRequest>();
    QCOMPARE(r.settings.systemPrompt, s.systemPrompt);
    QCOMPARE(r.messages.first().role, QStringLiteral("system"));
    QCOMPARE(int(raw->lastMessages.size()), 2);
    QCOMPARE(raw->lastMessages[0].role, Role::System);
}

// Asks case_01 (img_300x200.png + its question) through the window; the answer must be case_01's
// reference greedy tokens decoded by the engine's tokenizer.
void askCase01(Harness& h) {
    QVERIFY(h.window->composer()->addImageFile(kFixtures + "/cases/images/img_300x200.png"));
    QVERIFY(waitAttached(h.window->composer()));
    QVERIFY(h.window->composer()->images()[0].preflight.contains("24 image tokens"));
    h.window->composer()->setText("What is in this image?");
    h.window->send();
    QVERIFY(h.waitIdle(60000));
    const auto tok = Tokenizer::fromFile((kFixtures + "/model/tokenizer.json").toStdString());
    const std::vector<int64_t> ref = {28,  571, 177, 238, 266, 613, 228, 594, 266, 20,  359, 29,
                                      354, 188, 612, 345, 563, 672, 345, 357, 509, 352, 612, 540};
    QCOMPARE(lastAnswerText(h.window.get()), QString::fromStdString(tok->decode(ref)));
}

void UiTest::realEngineEndToEnd() {
    const ui::GenerationSettings s = tinyGreedySettings();
    Harness h(std::make_unique<app::LocalBackend>(), s);
    ui::MonitorWidget monitor;
    app::wireMonitor(&monitor, h.controller.get());
    QVERIFY(h.waitLoaded());
    askCase01(h);
    QCOMPARE(h.window->composer()->images().size(), 0);  // sent
    const auto saved = h.store->messages(h.window->currentChat());
    QCOMPARE(saved.last().stats->generatedTokens, 24);
    QCOMPARE(saved.last().stats->promptTokens, 38);
    // The monitor shows the shared scheduler: the request went through it and it is idle again.
    QVERIFY2(QTest::qWaitFor([&] { return monitor.schedulerText().contains("1 requests done"); }, 3000),
             qPrintable(monitor.schedulerText()));
    QVERIFY(monitor.schedulerText().contains("0 of 4 slots decoding"));
}

void UiTest::chatAndModerationShareOneBatch() {
    // The moderation queue runs on the same engine as the chat: a question asked while the queue
    // runs is decoded in the same batch, and its answer is exactly what it is alone.
    const ui::GenerationSettings s = tinyGreedySettings();
    Harness h(std::make_unique<app::LocalBackend>(), s);
    ui::MonitorWidget monitor;
    app::wireMonitor(&monitor, h.controller.get());
    QVERIFY(h.waitLoaded());
    const QString csv = writeListingQueue(h.dir.filePath("q.csv"), 12);
    QVERIFY(QFile::exists(csv));
    ui::ReviewWidget review;
    app::ModerationController moderation(&review, h.controller->backend(), h.dir.filePath("m.db"), "tester");
    moderation.importQueue(csv);
    moderation.run();
    QVERIFY(QTest::qWaitFor([&] { return h.controller->backend()->counters()->running > 0; }, 20000));
    askCase01(h);
    QVERIFY(QTest::qWaitFor([&] { return !moderation.running(); }, 120000));
    const SchedulerCounters n = *h.controller->backend()->counters();
    QCOMPARE(n.admitted[static_cast<size_t>(RequestSource::Chat)], 1);
    QVERIFY(n.admitted[static_cast<size_t>(RequestSource::Moderation)] >= 12);
    QCOMPARE(n.peakBatch, 4);  // three moderation items and the question, decoded together
    QCOMPARE(n.failed, 0);
    // The monitor lists every request with its source: the question and each moderation request.
    QVERIFY(QTest::qWaitFor([&] { return monitor.requests()->rowCount() == int(n.completed); }, 5000));
    int chat = 0, moderationRows = 0;
    for (const auto& r : monitor.requests()->records()) {
        if (r.source == "chat") ++chat;
        if (r.source == "moderation") ++moderationRows;
    }
    QCOMPARE(chat, 1);
    QCOMPARE(moderationRows, int(n.admitted[static_cast<size_t>(RequestSource::Moderation)]));
}

namespace {

int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

// One HTTP exchange on 127.0.0.1:port; the whole response, or "" when nothing listens.
std::string httpPost(int port, const std::string& path, const std::string& body) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return {};
    }
    const std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body;
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
}

}  // namespace

void UiTest::localApiSharesTheScheduler() {
    // The app's API server answers over the same scheduler as the chat: case_00 gets its reference
    // tokens, the request is counted under the API source, and moving / stopping the port works.
    ui::GenerationSettings s;
    s.modelDir = kFixtures + "/model";
    s.device = "cpu";
    Harness h(std::make_unique<app::LocalBackend>(), s);
    QVERIFY(h.waitLoaded());
    app::ApiHost api(h.controller->backend());
    const int port = freePort();
    QVERIFY(api.apply(port, "tiny"));
    QCOMPARE(api.status(), QStringLiteral("API: http://127.0.0.1:%1/v1").arg(port));
    const std::string body = R"({"messages":[{"role":"user","content":"Describe the picture in one sentence, please."}],)"
                             R"("temperature":0,"max_tokens":24,"repetition_penalty":1.0,"return_token_ids":true})";
    std::string response;
    std::thread client([&] { response = httpPost(port, "/v1/chat/completions", body); });
    QVERIFY(QTest::qWaitFor([&] { return !response.empty(); }, 30000));
    client.join();
    QVERIFY2(response.rfind("HTTP/1.1 200", 0) == 0, response.c_str());
    const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(response.substr(response.find("\r\n\r\n") + 4)));
    QJsonArray ids = doc["choices"][0]["token_ids"].toArray();
    const std::vector<int> ref = {444, 345, 275, 639, 1,   652, 211, 111, 106, 594, 519, 52,
                                  381, 397, 529, 652, 243, 66,  275, 639, 1,   37,  377, 275};
    QCOMPARE(int(ids.size()), int(ref.size()));
    for (size_t i = 0; i < ref.size(); ++i) QCOMPARE(ids[int(i)].toInt(), ref[i]);
    QCOMPARE(h.controller->backend()->counters()->admitted[static_cast<size_t>(RequestSource::Api)], 1);
    // Another port: the old one closes, the new one answers; 0 turns it off.
    const int port2 = freePort();
    QVERIFY(api.apply(port2, "tiny"));
    QVERIFY(httpPost(port, "/health", "").empty());
    QVERIFY(httpPost(port2, "/v1/models", "").rfind("HTTP/1.1 405", 0) == 0);  // models is GET-only: the server is there
    QVERIFY(api.apply(0, "tiny"));
    QCOMPARE(api.status(), QStringLiteral("API: off"));
    QVERIFY(httpPost(port2, "/health", "").empty());
}

void UiTest::reloadingTheModelStopsTheQueueCleanly() {
    // Loading a model while the moderation queue runs on the old one: the queue's requests end as
    // cancelled (their items stay pending for the next run), the new model loads, the chat answers.
    ui::GenerationSettings s = tinyGreedySettings();
    Harness h(std::make_unique<app::LocalBackend>(), s);
    QVERIFY(h.waitLoaded());
    const QString csv = writeListingQueue(h.dir.filePath("q.csv"), 40);
    QVERIFY(QFile::exists(csv));
    ui::ReviewWidget review;
    app::ModerationController moderation(&review, h.controller->backend(), h.dir.filePath("m.db"), "tester");
    app::wireModeration(&moderation, h.controller.get());
    moderation.importQueue(csv);
    moderation.run();
    QVERIFY(QTest::qWaitFor([&] { return h.controller->backend()->counters()->running > 0; }, 20000));
    QVERIFY(h.controller->backend()->modelInfo().id.find("model-sharded") == std::string::npos);
    QSignalSpy loaded(h.controller.get(), &app::EngineController::modelLoaded);
    s.modelDir = kFixtures + "/model-sharded";
    h.controller->load(s);
    QVERIFY(loaded.wait(30000));
    QVERIFY(h.controller->backend()->modelInfo().id.find("model-sharded") != std::string::npos);
    QVERIFY(QTest::qWaitFor([&] { return !moderation.running(); }, 30000));  // the runner saw its requests cancelled
    QVERIFY(moderation.store().pending().size() > 0);                        // and left those items for the next run
    // No item was failed for the moment without a model, or judged by the new model in the old run.
    for (const auto& r : moderation.store().items()) {
        QVERIFY2(r.raw.find("no model") == std::string::npos, r.raw.c_str());
        if (r.status != "pending") QVERIFY(r.modelId.find("model-sharded") == std::string::npos);
    }
    askCase01(h);
}

void UiTest::badModelFolderNamesTheFile() {
    QTemporaryDir empty;
    ui::GenerationSettings s;
    s.modelDir = empty.path();
    auto store = std::make_unique<ui::ChatStore>(empty.filePath("c.sqlite3"));
    ui::MainWindow w(store.get(), s);
    app::EngineController c(std::make_unique<app::LocalBackend>());
    app::wireWindow(&w, &c);
    QSignalSpy failed(&c, &app::EngineController::loadFailed);
    c.load(s);
    QVERIFY(failed.wait(10000));
    QVERIFY(failed.first().first().toString().contains("config.json"));
    QVERIFY(!w.modelReady());
}

void UiTest::monitorRecordsRequestsAndMemory() {
    QCOMPARE(ui::percentileOf({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 95), 9.55);
    Harness h(std::make_unique<FakeBackend>(QStringList{"a", "b"}, 5));
    ui::MonitorWidget monitor;
    app::wireMonitor(&monitor, h.controller.get());
    QVERIFY(h.waitLoaded());
    for (int i = 0; i < 3; ++i) {
        h.window->composer()->setText(QStringLiteral("q%1").arg(i));
        h.window->send();
        QVERIFY(h.waitIdle());
    }
    QVERIFY(QTest::qWaitFor([&] { return monitor.requests()->rowCount() == 3; }, 5000));
    QCOMPARE(monitor.requests()->data(monitor.requests()->index(0, 2), Qt::DisplayRole).toString(), QStringLiteral("chat"));
    QVERIFY(monitor.percentileText().contains("TTFT P50 12.0"));
    // The controller samples memory every 250 ms; CPU runs degrade to a note, no GPU numbers.
    QVERIFY(QTest::qWaitFor([&] { return monitor.memoryPointCount() >= 2; }, 3000));
    QVERIFY(!monitor.note().isEmpty());
    QTemporaryDir d;
    QVERIFY(monitor.exportCsv(d.filePath("r.csv")));
    QFile f(d.filePath("r.csv"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto lines = QString::fromUtf8(f.readAll()).trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines[0].startsWith("time,id,source"));
    QVERIFY(lines[1].contains(",chat,"));
    // The Benchmark tab runs through the same backend as the chat (here the fake: its figures).
    QSignalSpy done(h.controller.get(), &app::EngineController::benchmarkFinished);
    const int before = static_cast<const FakeBackend*>(h.controller->backend().get())->calls.load();
    Q_EMIT monitor.benchmarkRequested(64, 64, "x", 2, 0, 1, 1);
    QVERIFY(done.wait(5000));
    const QString report = done.first().first().toString();
    QVERIFY2(report.contains("sightline-bench  fake") && report.contains("\"ttft\""), qPrintable(report));
    QCOMPARE(static_cast<const FakeBackend*>(h.controller->backend().get())->calls.load(), before + 1);
}

void UiTest::reviewKeysDecideAndPersist() {
    QTemporaryDir dir;
    const QString csv = dir.filePath("q.csv");
    QFile f(csv);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QStringLiteral("id,image,title,text\nx1,%1,One,first\nx2,%2,Two,second\nx3,%3,Three,third\n")
                .arg(kFixtures + "/cases/images/img_1x1.png", kFixtures + "/cases/images/img_57x91.png",
                     kFixtures + "/cases/images/img_300x200.png")
                .toUtf8());
    f.close();
    ui::ReviewWidget review;
    review.resize(900, 600);
    review.show();
    auto backend = std::make_shared<FakeBackend>(QStringList{"x"}, 1);
    app::ModerationController ctl(&review, backend, dir.filePath("m.db"), "tester");
    ctl.importQueue(csv);
    QCOMPARE(review.visibleIds(), (QStringList{"x1", "x2", "x3"}));
    // Model verdicts for two items (as a run would write them).
    for (auto [id, verdict, conf] :
         {std::tuple{"x1", moderation::VerdictKind::Reject, 0.9}, std::tuple{"x2", moderation::VerdictKind::Approve, 0.3}}) {
        moderation::ModerationStore::Judgement j;
        j.id = id;
        moderation::Verdict v;
        v.verdict = verdict;
        v.confidence = conf;
        j.verdict = v;
        QVERIFY(ctl.store().recordJudgement(j));
    }
    ctl.refresh();
    QSignalSpy decided(&review, &ui::ReviewWidget::decisionMade);
    review.setFocus();
    QCOMPARE(review.currentId(), QStringLiteral("x1"));
    QTest::keyClick(&review, Qt::Key_A);  // overrides the model's reject
    QCOMPARE(decided.count(), 1);
    QCOMPARE(decided[0][0].toString(), QStringLiteral("x1"));
    QCOMPARE(decided[0][1].toString(), QStringLiteral("approve"));
    QCOMPARE(review.currentId(), QStringLiteral("x2"));  // advanced
    QTest::keyClick(&review, Qt::Key_N);
    QCOMPARE(review.currentId(), QStringLiteral("x3"));
    QTest::keyClick(&review, Qt::Key_P);
    QCOMPARE(review.currentId(), QStringLiteral("x2"));
    QTest::keyClick(&review, Qt::Key_R);
    QTest::keyClick(&review, Qt::Key_E);
    QCOMPARE(decided.count(), 3);
    QCOMPARE(ctl.store().item("x1")->decision, std::string("approve"));
    QCOMPARE(ctl.store().item("x1")->reviewer, std::string("tester"));
    QCOMPARE(ctl.store().item("x3")->decision, std::string("escalate"));
    QVERIFY(ctl.store().verifyAudit().ok);
    QCOMPARE(ctl.store().auditCount(), 5);  // 2 verdicts + 3 decisions
    review.setFilter(ui::ReviewWidget::Filter::Disagreements);
    QCOMPARE(review.visibleIds(), (QStringList{"x1", "x2"}));  // approve vs reject; reject vs approve
    review.setFilter(ui::ReviewWidget::Filter::LowConfidence);
    QCOMPARE(review.visibleIds(), (QStringList{"x2"}));
    review.setFilter(ui::ReviewWidget::Filter::All);
    review.setSortByConfidence(true);
    QCOMPARE(review.visibleIds(), (QStringList{"x2", "x1", "x3"}));
    // Running without an engine model is refused with a message, not a crash.
    QSignalSpy problems(&ctl, &app::ModerationController::problem);
    ctl.run();
    QCOMPARE(problems.count(), 1);
}

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

void UiTest::settingsBreakingASamplingRuleFailTheRequest() {
    // A settings file can hold what the dialog never offers (top_p 0): the chat applies the rule every
    // front end shares, with its message, and sends nothing.
    ui::GenerationSettings s;
    s.topP = 0;
    auto fake = std::make_unique<FakeBackend>(QStringList{"never"}, 1);
    FakeBackend* raw = fake.get();
    Harness h(std::move(fake), s);
    QVERIFY(h.waitLoaded());
    QSignalSpy failed(h.controller.get(), &app::EngineController::failed);
    h.window->composer()->setText(QStringLiteral("hi"));
    h.window->send();
    QVERIFY(failed.wait(5000));
    QCOMPARE(failed.first().at(1).toString(), QStringLiteral("top_p must be in (0, 1], got 0"));
    QCOMPARE(raw->calls.load(), 0);
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

// The chat worker submits and goes on (tokens are gathered by its 30 ms tick): two questions asked
// back to back are answered at once — decoded in one batch by a real scheduler — instead of the
// second waiting on the worker thread for the first to finish.
void UiTest::chatRequestsDoNotWaitForEachOther() {
    auto fake = std::make_shared<FakeBackend>(QStringList{"a", "b", "c", "d", "e"}, 60);
    app::EngineController ctl(fake);
    QSignalSpy loaded(&ctl, &app::EngineController::modelLoaded);
    ui::GenerationSettings settings;
    settings.modelDir = QStringLiteral("/fake/model");
    ctl.load(settings);
    QVERIFY(loaded.count() == 1 || loaded.wait(5000));
    QSignalSpy finished(&ctl, &app::EngineController::finished);
    QSignalSpy chunks(&ctl, &app::EngineController::chunk);
    for (quint64 id : {1u, 2u}) {
        ui::GenerationRequest r;
        r.requestId = id;
        ui::ChatMessageUi m;
        m.role = QStringLiteral("user");
        m.text = QStringLiteral("question %1").arg(id);
        r.messages = {m};
        ctl.generate(r);
    }
    QVERIFY(QTest::qWaitFor([&] { return finished.count() == 2; }, 10000));
    QCOMPARE(fake->peakInFlight.load(), 2);
    QString first, second;  // every token reached its own request, in order
    for (const auto& c : chunks) (c[0].toULongLong() == 1 ? first : second) += c[1].toString();
    QCOMPARE(first, QStringLiteral("abcde"));
    QCOMPARE(second, QStringLiteral("abcde"));
    QVERIFY(QTest::qWaitFor([&] { return !ctl.busy(); }, 2000));
}

QTEST_MAIN(UiTest)
#include "ui_test.moc"
