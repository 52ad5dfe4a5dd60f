// Offscreen Qt Tests of the window with the engine side: the real engine on the tiny fixture model
// end to end, the shared backend (chat, moderation, local API and monitor in one batch), model
// reloads, settings reaching the request, and the chat worker never waiting on an answer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <QApplication>
#include <QClipboard>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
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
#include "engine_worker.h"
#include "fake_backend.h"
#include "local_backend.h"
#include "main_window.h"
#include "message_widget.h"
#include "moderation_controller.h"
#include "monitor_widget.h"
#include "notice_banner.h"
#include "review_widget.h"
#include "sightline/request_rules.h"
#include "sightline/video.h"
#include "ui_harness.h"
#include "video_probe.h"

using namespace sightline;
using sightline::fakes::FakeBackend;
using ui_harness::Harness;
using namespace ui_harness;

class EngineUiTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void settingsTravelInTheRequest();
    void realEngineEndToEnd();
    void chatAndModerationShareOneBatch();
    void localApiSharesTheScheduler();
    void reloadingTheModelStopsTheQueueCleanly();
    void badModelFolderNamesTheFile();
    void monitorRecordsRequestsAndMemory();
    void aConversationLongerThanTheContextDropsItsOldestTurns();
    void reviewKeysDecideAndPersist();
    void settingsBreakingASamplingRuleFailTheRequest();
    void chatRequestsDoNotWaitForEachOther();
    void aVideoQuestionThroughTheWindow();
};

// A conversation that outgrows the model's context (the fixture's: 8192 tokens) keeps working: its
// oldest turns are left out of the prompt (they stay in the chat) and the window says so; a question
// that alone is too long fails with the numbers. Without the fix every later question failed.
void EngineUiTest::aConversationLongerThanTheContextDropsItsOldestTurns() {
    ui::GenerationSettings s;
    s.modelDir = kFixtures + "/model";
    s.device = "cpu";
    s.maxNewTokens = 4;
    Harness h(std::make_unique<app::LocalBackend>(), s);
    QVERIFY(h.waitLoaded());
    const auto tok = Tokenizer::fromFile((kFixtures + "/model/tokenizer.json").toStdString());
    auto longText = [&](int tokens, const QString& word) {
        QString t;
        while (static_cast<int>(tok->encode(t.toStdString()).size()) < tokens) t += word + QStringLiteral(" ");
        return t;
    };
    const QString chunk = longText(5000, QStringLiteral("apple"));
    for (int turn = 0; turn < 2; ++turn) {
        h.window->composer()->setText(chunk);
        h.window->send();
        QVERIFY(h.waitIdle(120000));
        const int n = h.window->chatView()->count();
        QVERIFY(n >= 2);
        const auto& answer = h.window->chatView()->messageAt(n - 1)->message();
        QVERIFY2(answer.state != ui::MessageState::Failed, qPrintable(answer.error));
    }
    QVERIFY2(h.window->notice()->text().contains(QStringLiteral("left out")), qPrintable(h.window->notice()->text()));
    QCOMPARE(h.window->chatView()->count(), 4);  // nothing was removed from the chat itself
    // A question longer than the context alone: a clear failure.
    h.window->composer()->setText(longText(8300, QStringLiteral("pear")));
    h.window->send();
    QVERIFY(h.waitIdle(120000));
    const auto& last = h.window->chatView()->messageAt(h.window->chatView()->count() - 1)->message();
    QCOMPARE(last.state, ui::MessageState::Failed);
    QVERIFY2(last.error.contains(QStringLiteral("alone")) && last.error.contains(QStringLiteral("8192")), qPrintable(last.error));
}

// A video attached in the window reaches the engine as a video (its frame pairs and timestamps), not
// as an image: the prompt has exactly the tokens Model::promptIds gives for the video part, and a
// follow-up question about it works too (the decoded pairs kept with the attachment).
void EngineUiTest::aVideoQuestionThroughTheWindow() {
    if (!videoDecodingSupported()) QSKIP("this build has no FFmpeg");
    const ui::GenerationSettings s = tinyGreedySettings();
    Harness h(std::make_unique<app::LocalBackend>(), s);
    QVERIFY(h.waitLoaded());
    // A copy of its own: the probe cache (app/gui/video_probe.h) has not seen it in this process.
    QTemporaryDir dir;
    const QString video = dir.filePath(QStringLiteral("moving_square.mp4"));
    QVERIFY(QFile::copy(QString::fromUtf8(SIGHTLINE_TEST_DATA_DIR "/moving_square_64x48.mp4"), video));
    const uint64_t probesBefore = app::videoProbeCount();
    QVERIFY(h.window->composer()->addImageFile(video));
    QVERIFY(waitAttached(h.window->composer()));
    // The fixture names Glm4vProcessor: 2 frames a second, so 4 frames (2 pairs) of a 2 s video.
    QVERIFY2(h.window->composer()->images()[0].preflight.contains(QStringLiteral("4 frames")),
             qPrintable(h.window->composer()->images()[0].preflight));
    h.window->composer()->setText("What moves?");
    h.window->send();
    QVERIFY(h.waitIdle(60000));
    const auto saved = h.store->messages(h.window->currentChat());
    QVERIFY2(saved.last().state != ui::MessageState::Failed, qPrintable(saved.last().error));
    LoadOptions lo;
    lo.modelDir = (kFixtures + "/model").toStdString();
    const auto model = Model::load(lo);
    GenerationParams gp;
    gp.enableThinking = s.thinking;
    const std::vector<ChatMessage> msgs = {buildMessage(Role::User, "What moves?", {videoFilePart(video.toStdString())})};
    const auto ids = model->promptIds(msgs, gp);
    QVERIFY(std::count(ids.begin(), ids.end(), model->config().imageTokenId) == 8);  // 2 pairs of 2x2 merged tokens
    QCOMPARE(saved.last().stats->promptTokens, int64_t(ids.size()));
    h.window->composer()->setText("And then?");
    h.window->send();
    QVERIFY(h.waitIdle(60000));
    const auto again = h.store->messages(h.window->currentChat());
    QVERIFY2(again.last().state != ui::MessageState::Failed, qPrintable(again.last().error));
    QVERIFY(again.last().stats->promptTokens > int64_t(ids.size()));
    // The cost line, the poster and both questions shared one scan of the file (it was three per
    // attachment: each counts every packet). Changing the file makes a new probe.
    QCOMPARE(app::videoProbeCount() - probesBefore, uint64_t(1));
    {
        QFile f(video);
        QVERIFY(f.open(QIODevice::Append));
        f.write("\0", 1);  // trailing junk after the container: still a video, another size
    }
    QVERIFY(app::probedVideoFile(video)->info.totalFrames > 0);
    QCOMPARE(app::videoProbeCount() - probesBefore, uint64_t(2));
    // Settings → Max video pixels: kept in the settings file and sent with the request.
    ui::GenerationSettings lower = s;
    lower.maxVideoPixels = 2'000'000;
    QCOMPARE(ui::GenerationSettings::fromJson(lower.toJson()).maxVideoPixels, qint64(2'000'000));
    QCOMPARE(app::toEngineParams(lower, 1).maxVideoPixels, int64_t(2'000'000));
    QCOMPARE(ui::GenerationSettings::fromJson(QJsonObject{}).maxVideoPixels, qint64(0));
}

void EngineUiTest::settingsTravelInTheRequest() {
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

void EngineUiTest::realEngineEndToEnd() {
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

void EngineUiTest::chatAndModerationShareOneBatch() {
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
std::string httpPost(int port, const std::string& path, const std::string& body, const QString& key = {}) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return {};
    }
    const std::string auth = key.isEmpty() ? std::string() : "Authorization: Bearer " + key.toStdString() + "\r\n";
    const std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + auth +
                            "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
}

}  // namespace

void EngineUiTest::localApiSharesTheScheduler() {
    // The app's API server answers over the same scheduler as the chat: case_00 gets its reference
    // tokens, the request is counted under the API source, and moving / stopping the port works.
    ui::GenerationSettings s;
    s.modelDir = kFixtures + "/model";
    s.device = "cpu";
    Harness h(std::make_unique<app::LocalBackend>(), s);
    QVERIFY(h.waitLoaded());
    ui::MonitorWidget monitor;  // the monitor names who asked
    app::wireMonitor(&monitor, h.controller.get());
    QTemporaryDir keyDir;
    const QString keyFile = keyDir.filePath(QStringLiteral("conf/api.key"));
    app::ApiHost api(h.controller->backend(), nullptr, keyFile, keyDir.filePath(QStringLiteral("requests.jsonl")));
    QVERIFY(api.apiKey().isEmpty());  // no key until the API is first turned on
    const int port = freePort();
    QVERIFY(api.apply(port, "tiny", true));
    const QString key = api.apiKey();
    QVERIFY(key.startsWith(QStringLiteral("sl-")));
    QCOMPARE(QFile(keyFile).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());
    QCOMPARE(api.status(), QStringLiteral("API: http://127.0.0.1:%1/v1").arg(port));
    const std::string body = R"({"messages":[{"role":"user","content":"Describe the picture in one sentence, please."}],)"
                             R"("temperature":0,"max_tokens":24,"repetition_penalty":1.0,"return_token_ids":true})";
    std::string response;
    // Without the key: 401; with it: the answer.
    std::thread refused([&] { response = httpPost(port, "/v1/chat/completions", body); });
    QVERIFY(QTest::qWaitFor([&] { return !response.empty(); }, 30000));
    refused.join();
    QVERIFY2(response.rfind("HTTP/1.1 401", 0) == 0, response.c_str());
    response.clear();
    std::thread client([&] { response = httpPost(port, "/v1/chat/completions", body, key); });
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
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (const auto& r : monitor.requests()->records())
                if (r.source == QStringLiteral("api · api-key")) return true;
            return false;
        },
        5000));
    // The request log (on in the settings) has the request, the refused one too.
    QFile log(api.requestLogPath());
    QVERIFY(log.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = log.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    QCOMPARE(QJsonDocument::fromJson(lines[0])["status"].toInt(), 401);
    QCOMPARE(QJsonDocument::fromJson(lines[1])["caller"].toString(), QStringLiteral("api-key"));
    // A new key: the server switches at once.
    const QString key2 = api.regenerateKey();
    QVERIFY(!key2.isEmpty() && key2 != key);
    QVERIFY(httpPost(port, "/v1/models", "", key).rfind("HTTP/1.1 401", 0) == 0);
    QVERIFY(httpPost(port, "/v1/models", "", key2).rfind("HTTP/1.1 405", 0) == 0);  // past the key: models is GET-only
    // Another port: the old one closes, the new one answers; 0 turns it off.
    const int port2 = freePort();
    QVERIFY(api.apply(port2, "tiny"));
    QVERIFY(httpPost(port, "/health", "").empty());
    QVERIFY(httpPost(port2, "/v1/models", "", key2).rfind("HTTP/1.1 405", 0) == 0);  // models is GET-only: the server is there
    QVERIFY(api.apply(0, "tiny"));
    QCOMPARE(api.status(), QStringLiteral("API: off"));
    QVERIFY(httpPost(port2, "/health", "").empty());
}

void EngineUiTest::reloadingTheModelStopsTheQueueCleanly() {
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

void EngineUiTest::badModelFolderNamesTheFile() {
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

void EngineUiTest::monitorRecordsRequestsAndMemory() {
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

void EngineUiTest::reviewKeysDecideAndPersist() {
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

void EngineUiTest::settingsBreakingASamplingRuleFailTheRequest() {
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

// The chat worker submits and goes on (tokens are gathered by its 30 ms tick): two questions asked
// back to back are answered at once — decoded in one batch by a real scheduler — instead of the
// second waiting on the worker thread for the first to finish.
void EngineUiTest::chatRequestsDoNotWaitForEachOther() {
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

QTEST_MAIN(EngineUiTest)
#include "engine_ui_test.moc"
