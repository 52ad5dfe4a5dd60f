// Offscreen Qt Tests of the window, the composer, the controller/worker threading and the store.
// Timing-sensitive cases drive a scripted fake backend; one test drives the real engine on the
// tiny fixture model end to end.
#include <QApplication>
#include <QClipboard>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QLabel>
#include <QJsonDocument>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "api_host.h"
#include "app_wiring.h"
#include "chat_store.h"
#include "chat_view.h"
#include "composer.h"
#include "engine_controller.h"
#include "main_window.h"
#include "message_widget.h"
#include "monitor_widget.h"
#include "moderation_controller.h"
#include "review_widget.h"

using namespace sightline;

namespace {

const QString kFixtures = QStringLiteral(SIGHTLINE_FIXTURES_DIR);

// Emits `tokens` one by one with a pause, honours cancellation between tokens like the engine.
class FakeBackend : public app::InferenceBackend {
public:
    FakeBackend(QStringList tokens, int delayMs) : m_tokens(std::move(tokens)), m_delayMs(delayMs) {}
    void load(const LoadOptions&) override { m_loaded = true; }
    bool loaded() const override { return m_loaded; }
    GenerateResult generate(RequestSource, const std::vector<ChatMessage>& messages, const GenerationParams&, const TokenCallback& onToken,
                            const std::atomic<bool>* cancel) const override {
        lastMessages = messages;
        GenerateResult r;
        r.finishReason = FinishReason::Stop;
        for (const auto& t : m_tokens) {
            if (cancel && cancel->load()) {
                r.finishReason = FinishReason::Cancelled;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(m_delayMs));
            TokenEvent ev;
            ev.textDelta = t.toStdString();
            r.text += ev.textDelta;
            onToken(ev);
            r.outputIds.push_back(1);
        }
        r.stats.ttftMs = 12;
        r.stats.decodeTokensPerS = 99;
        r.stats.generatedTokens = static_cast<int64_t>(r.outputIds.size());
        r.stats.device = "fake";
        return r;
    }
    std::string summary() const override { return "fake model"; }
    std::string device() const override { return "fake"; }
    DeviceKind deviceKind() const override { return DeviceKind::Cpu; }
    PreprocessedImage preflight(const RgbImage& image, int64_t) const override {
        PreprocessedImage p;
        p.originalWidth = image.width;
        p.originalHeight = image.height;
        p.numTokens = 7;
        return p;
    }
    mutable std::vector<ChatMessage> lastMessages;

private:
    QStringList m_tokens;
    int m_delayMs;
    bool m_loaded = false;
};

struct Harness {
    explicit Harness(std::unique_ptr<app::InferenceBackend> backend, ui::GenerationSettings settings = {}) {
        store = std::make_unique<ui::ChatStore>(dir.filePath(QStringLiteral("chats.sqlite3")));
        if (settings.modelDir.isEmpty()) settings.modelDir = QStringLiteral("/fake/model");
        window = std::make_unique<ui::MainWindow>(store.get(), settings);
        window->composer()->setPasteFolder(dir.filePath(QStringLiteral("images")));
        controller = std::make_unique<app::EngineController>(std::move(backend));
        app::wireWindow(window.get(), controller.get());
        window->show();
        controller->load(settings);
    }
    ~Harness() {
        controller.reset();  // stop → quit → wait, before the window goes
        window.reset();
    }
    bool waitLoaded() { return QTest::qWaitFor([&] { return window->modelReady(); }, 20000); }
    bool waitIdle(int ms = 20000) { return QTest::qWaitFor([&] { return window->activeRequest() == 0; }, ms); }
    QTemporaryDir dir;
    std::unique_ptr<ui::ChatStore> store;
    std::unique_ptr<ui::MainWindow> window;
    std::unique_ptr<app::EngineController> controller;
};

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
    for (int i = 0; i < n; ++i) rows += QStringLiteral("p%1,%2,Item %1,Great product number %1\n").arg(i).arg(kFixtures + "/cases/images/img_57x91.png");
    QFile f(path);
    if (f.open(QIODevice::WriteOnly)) f.write(rows.toUtf8());
    return path;
}

// Images are read off the GUI thread: wait until none is pending.
bool waitAttached(ui::Composer* c) { return QTest::qWaitFor([c] { return c->pendingCount() == 0; }, 20000); }

QString lastAnswerText(ui::MainWindow* w) {
    auto* m = w->chatView()->messageAt(w->chatView()->count() - 1);
    return m ? m->message().text : QString();
}

}  // namespace

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
    void settingsTravelInTheRequest();
    void realEngineEndToEnd();
    void chatAndModerationShareOneBatch();
    void localApiSharesTheScheduler();
    void reloadingTheModelStopsTheQueueCleanly();
    void badModelFolderNamesTheFile();
    void monitorRecordsRequestsAndMemory();
    void reviewKeysDecideAndPersist();
    void regenerateAndEditResend();
};

void UiTest::dropFilesAndImageData() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    ui::Composer* c = h.window->composer();
    QMimeData files;
    files.setUrls({QUrl::fromLocalFile(kFixtures + "/cases/images/img_300x200.png"), QUrl::fromLocalFile(kFixtures + "/cases/images/img_1x1.png")});
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
    h.window->onChunk(first, QStringLiteral("LATE"));       // a finished request
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
        s.addMessage(chat, u);
        ui::ChatMessageUi a;
        a.role = "assistant";
        a.text = "<think>look</think>A cat.";
        a.stats = ui::MessageStats{10, 100, 50, 500, 30, 5, 1 << 20, "cpu"};
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
    const std::vector<int64_t> ref = {28, 571, 177, 238, 266, 613, 228, 594, 266, 20, 359, 29, 354, 188, 612, 345, 563, 672, 345, 357, 509, 352, 612, 540};
    QCOMPARE(lastAnswerText(h.window.get()), QString::fromStdString(tok->decode(ref)));
}

void UiTest::realEngineEndToEnd() {
    const ui::GenerationSettings s = tinyGreedySettings();
    Harness h(std::make_unique<app::EngineBackend>(), s);
    ui::MonitorWidget monitor;
    app::wireMonitor(&monitor, h.controller.get());
    QVERIFY(h.waitLoaded());
    askCase01(h);
    QCOMPARE(h.window->composer()->images().size(), 0);  // sent
    const auto saved = h.store->messages(h.window->currentChat());
    QCOMPARE(saved.last().stats->generatedTokens, 24);
    QCOMPARE(saved.last().stats->promptTokens, 38);
    // The monitor shows the shared scheduler: the request went through it and it is idle again.
    QVERIFY2(QTest::qWaitFor([&] { return monitor.schedulerText().contains("1 requests done"); }, 3000), qPrintable(monitor.schedulerText()));
    QVERIFY(monitor.schedulerText().contains("0 of 4 slots decoding"));
}

void UiTest::chatAndModerationShareOneBatch() {
    // The moderation queue runs on the same engine as the chat: a question asked while the queue
    // runs is decoded in the same batch, and its answer is exactly what it is alone.
    const ui::GenerationSettings s = tinyGreedySettings();
    Harness h(std::make_unique<app::EngineBackend>(), s);
    ui::MonitorWidget monitor;
    app::wireMonitor(&monitor, h.controller.get());
    QVERIFY(h.waitLoaded());
    const QString csv = writeListingQueue(h.dir.filePath("q.csv"), 12);
    QVERIFY(QFile::exists(csv));
    ui::ReviewWidget review;
    app::ModerationController moderation(&review, h.controller->backend(), h.dir.filePath("m.db"), "tester");
    moderation.importQueue(csv);
    moderation.run();
    QVERIFY(QTest::qWaitFor([&] { return h.controller->backend()->schedulerCounters()->running > 0; }, 20000));
    askCase01(h);
    QVERIFY(QTest::qWaitFor([&] { return !moderation.running(); }, 120000));
    const SchedulerCounters n = *h.controller->backend()->schedulerCounters();
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
    const std::string req = "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
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
    Harness h(std::make_unique<app::EngineBackend>(), s);
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
    const std::vector<int> ref = {444, 345, 275, 639, 1, 652, 211, 111, 106, 594, 519, 52, 381, 397, 529, 652, 243, 66, 275, 639, 1, 37, 377, 275};
    QCOMPARE(int(ids.size()), int(ref.size()));
    for (size_t i = 0; i < ref.size(); ++i) QCOMPARE(ids[int(i)].toInt(), ref[i]);
    QCOMPARE(h.controller->backend()->schedulerCounters()->admitted[static_cast<size_t>(RequestSource::Api)], 1);
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
    Harness h(std::make_unique<app::EngineBackend>(), s);
    QVERIFY(h.waitLoaded());
    const QString csv = writeListingQueue(h.dir.filePath("q.csv"), 40);
    QVERIFY(QFile::exists(csv));
    ui::ReviewWidget review;
    app::ModerationController moderation(&review, h.controller->backend(), h.dir.filePath("m.db"), "tester");
    app::wireModeration(&moderation, h.controller.get());
    moderation.importQueue(csv);
    moderation.run();
    QVERIFY(QTest::qWaitFor([&] { return h.controller->backend()->schedulerCounters()->running > 0; }, 20000));
    const auto oldScheduler = h.controller->backend()->scheduler();
    QSignalSpy loaded(h.controller.get(), &app::EngineController::modelLoaded);
    s.modelDir = kFixtures + "/model-sharded";
    h.controller->load(s);
    QVERIFY(loaded.wait(30000));
    QVERIFY(h.controller->backend()->scheduler() != oldScheduler);
    QVERIFY(QTest::qWaitFor([&] { return !moderation.running(); }, 30000));  // the runner saw its requests cancelled
    QVERIFY(moderation.store().pending().size() > 0);                          // and left those items for the next run
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
    app::EngineController c(std::make_unique<app::EngineBackend>());
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
    // The Benchmark tab on a backend without an engine model reports, never crashes.
    QSignalSpy done(h.controller.get(), &app::EngineController::benchmarkFinished);
    Q_EMIT monitor.benchmarkRequested(64, 64, "x", 2, 0, 1, 1);
    QVERIFY(done.wait(5000));
    QVERIFY(done.first().first().toString().contains("Load a model first"));
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
    for (auto [id, verdict, conf] : {std::tuple{"x1", moderation::VerdictKind::Reject, 0.9}, std::tuple{"x2", moderation::VerdictKind::Approve, 0.3}}) {
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

void UiTest::regenerateAndEditResend() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"answer"}, 2));
    QVERIFY(h.waitLoaded());
    h.window->composer()->setText(QStringLiteral("first question"));
    h.window->send();
    QVERIFY(h.waitIdle());
    auto saved = h.store->messages(h.window->currentChat());
    QCOMPARE(saved.size(), 2);
    const qint64 answerId = saved[1].id;
    // Regenerate: the old answer is replaced by a new one, the question stays.
    QSignalSpy requests(h.window.get(), &ui::MainWindow::generateRequested);
    h.window->regenerate(answerId);
    QVERIFY(h.waitIdle());
    QCOMPARE(requests.count(), 1);
    QCOMPARE(requests.first().first().value<ui::GenerationRequest>().messages.size(), 1);  // history without the old answer
    saved = h.store->messages(h.window->currentChat());
    QCOMPARE(saved.size(), 2);
    QVERIFY(saved[1].id != answerId);
    QCOMPARE(h.window->chatView()->count(), 2);
    // Edit and resend: the question comes back into the composer, it and its answer leave the chat.
    h.window->editAndResend(saved[0].id);
    QCOMPARE(h.window->composer()->text(), QStringLiteral("first question"));
    QCOMPARE(h.store->messages(h.window->currentChat()).size(), 0);
    h.window->composer()->setText(QStringLiteral("better question"));
    h.window->send();
    QVERIFY(h.waitIdle());
    saved = h.store->messages(h.window->currentChat());
    QCOMPARE(saved.size(), 2);
    QCOMPARE(saved[0].text, QStringLiteral("better question"));
}

QTEST_MAIN(UiTest)
#include "ui_test.moc"
