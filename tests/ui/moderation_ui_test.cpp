// Offscreen Qt Tests of the moderation review station (issue #10) and of the controller's runner
// thread with a scripted backend (issue #11): review keys whatever has focus, the reason of a
// failed item, undo, run state while paused, footer counters during a run, coloured rows, and
// exceptions / invalid UTF-8 on the runner thread failing one item only.
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

#include "fake_backend.h"
#include "moderation_controller.h"
#include "moderation_eval_dialog.h"
#include "review_widget.h"

using namespace sightline;

namespace {

const QString kFixtures = QStringLiteral(SIGHTLINE_FIXTURES_DIR);
QString fixtureImage(const char* name) {
    return kFixtures + QStringLiteral("/cases/images/") + QLatin1String(name);
}

// The shared fake answering every item by its listing title: "Throw…" throws, "Bytes…" answers
// invalid UTF-8, "Hold…" waits until release (to look at the widget mid-run), the rest reject.
struct ScriptedBackend : fakes::FakeBackend {
    ScriptedBackend() {
        load({});
        script = [this](const std::vector<ChatMessage>& messages, const std::atomic<bool>* cancel) {
            const std::string prompt = messages.back().content.back().text;
            const std::string title = prompt.substr(15, prompt.find('\n') - 15);
            if (title.rfind("Throw", 0) == 0) throw std::runtime_error("scripted engine failure");
            if (title.rfind("Hold", 0) == 0) {
                held.store(true);
                while (!m_release.load() && !(cancel && cancel->load())) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            GenerateResult r;
            r.text = title.rfind("Bytes", 0) == 0 ? std::string("{\"verdict\": \"\xff\xfe\"}")
                                                  : std::string(R"({"verdict": "reject", "reasons": ["r"]})");
            TokenEvent ev;
            ev.textDelta = r.text;
            ev.logprob = -0.1f;
            r.tokens.push_back(ev);
            r.outputIds.push_back(1);
            return r;
        };
    }
    void release() { m_release.store(true); }
    std::atomic<bool> held{false};

private:
    std::atomic<bool> m_release{false};
};

QString writeQueue(const QTemporaryDir& dir, const QStringList& rows) {
    const QString path = dir.filePath(QStringLiteral("q.csv"));
    QFile f(path);
    if (f.open(QIODevice::WriteOnly))
        f.write((QStringLiteral("id,image,title\n") + rows.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8());
    return path;
}

moderation::StoreOptions keyIn(const QTemporaryDir& dir) {
    return {dir.filePath(QStringLiteral("audit.key")).toStdString(), dir.filePath(QStringLiteral("m.db.checkpoints")).toStdString()};
}

}  // namespace

class ModerationUiTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void keysWorkWhateverHasFocus();
    void undoTakesADecisionBack();
    void exportRunsOffTheGuiThread();
    void failedItemsSayWhyAndImportWarns();
    void pausedRunShowsNoRate();
    void footerCountersMoveDuringARun();
    void evaluationAgainstImportedLabels();
    void runnerThreadSurvivesThrowsAndBadBytes();
};

void ModerationUiTest::keysWorkWhateverHasFocus() {
    QTemporaryDir dir;
    ui::ReviewWidget review;
    review.resize(900, 600);
    review.show();
    QVERIFY(QTest::qWaitForWindowExposed(&review));
    auto backend = std::make_shared<ScriptedBackend>();
    app::ModerationController ctl(&review, backend, dir.filePath(QStringLiteral("m.db")), QStringLiteral("tester"), nullptr, keyIn(dir));
    ctl.importQueue(writeQueue(dir, {QStringLiteral("x1,%1,Apples").arg(fixtureImage("img_1x1.png")),
                                     QStringLiteral("x2,%1,Radios").arg(fixtureImage("img_57x91.png")),
                                     QStringLiteral("x3,%1,Eggs").arg(fixtureImage("img_300x200.png"))}));
    QSignalSpy decided(&review, &ui::ReviewWidget::decisionMade);
    // The list has focus: its type-to-search used to take A/R/E/N/P (jumping to "Apples", "Radios"…).
    auto* list = review.findChild<QListWidget*>();
    QVERIFY(list);
    list->setFocus();
    QCOMPARE(review.currentId(), QStringLiteral("x1"));
    QTest::keyClick(list, Qt::Key_R);
    QCOMPARE(decided.count(), 1);
    QCOMPARE(decided[0][1].toString(), QStringLiteral("reject"));
    QCOMPARE(review.currentId(), QStringLiteral("x2"));
    QTest::keyClick(list, Qt::Key_P);
    QCOMPARE(review.currentId(), QStringLiteral("x1"));
    QTest::keyClick(list, Qt::Key_N);
    QCOMPARE(review.currentId(), QStringLiteral("x2"));
    // A filter box has focus: the same.
    auto* combo = review.findChild<QComboBox*>();
    QVERIFY(combo);
    combo->setFocus();
    QTest::keyClick(combo, Qt::Key_A);
    QCOMPARE(decided.count(), 2);
    QCOMPARE(decided[1][0].toString(), QStringLiteral("x2"));
    QCOMPARE(combo->currentIndex(), 0);  // the filter did not change
    // The note field is text: letters go into it.
    auto* note = review.findChild<QLineEdit*>();
    QVERIFY(note);
    note->setFocus();
    QTest::keyClicks(note, QStringLiteral("are"));
    QCOMPARE(note->text(), QStringLiteral("are"));
    QCOMPARE(decided.count(), 2);
    QTest::keyClick(note, Qt::Key_Return);  // back to the keys, with the note
    QTest::keyClick(review.focusWidget() ? review.focusWidget() : &review, Qt::Key_E);
    QCOMPARE(decided.count(), 3);
    QCOMPARE(decided[2][2].toString(), QStringLiteral("are"));
    QCOMPARE(ctl.store().item("x1")->decision, std::string("reject"));
    QCOMPARE(ctl.store().item("x2")->decision, std::string("approve"));
    QCOMPARE(ctl.store().item("x3")->decision, std::string("escalate"));
}

void ModerationUiTest::undoTakesADecisionBack() {
    QTemporaryDir dir;
    ui::ReviewWidget review;
    review.resize(900, 600);
    review.show();
    auto backend = std::make_shared<ScriptedBackend>();
    app::ModerationController ctl(&review, backend, dir.filePath(QStringLiteral("m.db")), QStringLiteral("tester"), nullptr, keyIn(dir));
    ctl.importQueue(writeQueue(dir, {QStringLiteral("u1,%1,One").arg(fixtureImage("img_1x1.png")),
                                     QStringLiteral("u2,%1,Two").arg(fixtureImage("img_57x91.png"))}));
    auto* list = review.findChild<QListWidget*>();
    list->setFocus();
    QTest::keyClick(list, Qt::Key_A);
    QTest::keyClick(list, Qt::Key_R);
    QCOMPARE(ctl.store().item("u2")->decision, std::string("reject"));
    QSignalSpy undone(&review, &ui::ReviewWidget::undoRequested);
    QTest::keyClick(list, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(undone.count(), 1);
    QCOMPARE(undone[0][0].toString(), QStringLiteral("u2"));
    QCOMPARE(ctl.store().item("u2")->decision, std::string(""));
    QCOMPARE(ctl.store().item("u1")->decision, std::string("approve"));
    QCOMPARE(review.currentId(), QStringLiteral("u2"));  // back on the item, to decide again
    QPushButton* undoButton = nullptr;
    for (auto* b : review.findChildren<QPushButton*>())
        if (b->text() == QStringLiteral("Undo decision")) undoButton = b;
    QVERIFY(undoButton && undoButton->isEnabled());
    undoButton->click();  // the button does the same
    QCOMPARE(ctl.store().item("u1")->decision, std::string(""));
    QVERIFY(!undoButton->isEnabled());          // nothing left to undo
    QCOMPARE(ctl.store().auditCount("u1"), 2);  // decision + undo, both audited
    QVERIFY2(ctl.store().verifyAudit().ok, ctl.store().verifyAudit().message.c_str());
}

void ModerationUiTest::failedItemsSayWhyAndImportWarns() {
    QTemporaryDir dir;
    ui::ReviewWidget review;
    review.resize(900, 600);
    review.show();
    auto backend = std::make_shared<ScriptedBackend>();
    app::ModerationController ctl(&review, backend, dir.filePath(QStringLiteral("m.db")), QStringLiteral("tester"), nullptr, keyIn(dir));
    ctl.importQueue(writeQueue(dir, {QStringLiteral("gone,%1,Lost").arg(dir.filePath(QStringLiteral("lost.png"))),
                                     QStringLiteral("fine,%1,Chair").arg(fixtureImage("img_1x1.png"))}));
    QVERIFY2(review.noticeText().contains(QStringLiteral("1 image is missing")), qPrintable(review.noticeText()));
    QVERIFY(review.noticeText().contains(QStringLiteral("lost.png")));
    ctl.run();
    QVERIFY(QTest::qWaitFor([&] { return !ctl.running(); }, 20000));
    QTest::qWait(50);  // the queued end-of-run refresh
    QCOMPARE(ctl.store().item("gone")->status, std::string("error"));
    QCOMPARE(review.currentId(), QStringLiteral("gone"));
    QVERIFY2(review.detailsHtml().contains(QStringLiteral("no such image file")), qPrintable(review.detailsHtml()));
    // Rows: the title, the verdict with its colour and confidence.
    QVERIFY2(review.rowText(1).startsWith(QStringLiteral("Chair · reject (0.90)")), qPrintable(review.rowText(1)));
    QCOMPARE(review.rowColor(1).red() > 150 && review.rowColor(1).green() < 100, true);
    QVERIFY(review.rowText(0).contains(QStringLiteral("error")));
    // For a person to look at: SIGHTLINE_SCREENSHOT_DIR=... saves the widget as it is now.
    if (const QString shots = qEnvironmentVariable("SIGHTLINE_SCREENSHOT_DIR"); !shots.isEmpty())
        review.grab().save(shots + QStringLiteral("/moderation_review_error.png"));
}

void ModerationUiTest::pausedRunShowsNoRate() {
    ui::ReviewWidget review;
    QSignalSpy paused(&review, &ui::ReviewWidget::pauseRequested);
    review.setRunProgress(3, 10, 1, 12.5, 34);
    QVERIFY2(review.runText().contains(QStringLiteral("items/min")) && review.runText().contains(QStringLiteral("ETA")),
             qPrintable(review.runText()));
    review.setPaused(true);
    QCOMPARE(paused.count(), 1);
    QVERIFY2(!review.runText().contains(QStringLiteral("items/min")) && !review.runText().contains(QStringLiteral("ETA")),
             qPrintable(review.runText()));
    QVERIFY(review.runText().contains(QStringLiteral("Paused")));
    review.setRunProgress(3, 10, 1, 12.5, 34);  // a late progress report while paused
    QVERIFY(!review.runText().contains(QStringLiteral("ETA")));
    review.setPaused(false);
    QVERIFY(review.runText().contains(QStringLiteral("ETA")));
    review.setRunState(QStringLiteral("Cancelled"), 3, 10, false);
    QCOMPARE(review.runText(), QStringLiteral("Cancelled"));
    review.setRunProgress(4, 10, 1, 12.5, 34);
    review.setRunState(QStringLiteral("Queue done"), 10, 10, false);
    QVERIFY(!review.runText().contains(QStringLiteral("ETA")));
}

void ModerationUiTest::footerCountersMoveDuringARun() {
    QTemporaryDir dir;
    ui::ReviewWidget review;
    auto backend = std::make_shared<ScriptedBackend>();
    app::ModerationController ctl(&review, backend, dir.filePath(QStringLiteral("m.db")), QStringLiteral("tester"), nullptr, keyIn(dir));
    ctl.importQueue(writeQueue(
        dir, {QStringLiteral("f1,%1,One").arg(fixtureImage("img_1x1.png")), QStringLiteral("f2,%1,Two").arg(fixtureImage("img_1x1.png")),
              QStringLiteral("f3,%1,Hold here").arg(fixtureImage("img_1x1.png"))}));
    QVERIFY(review.metricsText().contains(QStringLiteral("0 judged")));
    ctl.run();
    QVERIFY(QTest::qWaitFor([&] { return backend->held.load(); }, 20000));
    // The run is still going (item 3 is held); the footer already counts the first two.
    QVERIFY2(QTest::qWaitFor([&] { return review.metricsText().contains(QStringLiteral("2 judged")); }, 5000),
             qPrintable(review.metricsText()));
    QVERIFY(ctl.running());
    QVERIFY2(review.runText().startsWith(QStringLiteral("2/3")), qPrintable(review.runText()));
    backend->release();
    QVERIFY(QTest::qWaitFor([&] { return !ctl.running(); }, 20000));
    QVERIFY(QTest::qWaitFor([&] { return review.metricsText().contains(QStringLiteral("3 judged")); }, 5000));
}

// Export results: written on a pool thread (exportTo returns at once; exported() comes later), the
// file holds every item; an unwritable path is a problem, nothing else breaks.
void ModerationUiTest::exportRunsOffTheGuiThread() {
    QTemporaryDir dir;
    ui::ReviewWidget review;
    auto backend = std::make_shared<ScriptedBackend>();
    app::ModerationController ctl(&review, backend, dir.filePath(QStringLiteral("m.db")), QStringLiteral("tester"), nullptr, keyIn(dir));
    ctl.importQueue(writeQueue(dir, {QStringLiteral("e1,%1,Fine").arg(fixtureImage("img_1x1.png")),
                                     QStringLiteral("e2,%1,Fine").arg(fixtureImage("img_1x1.png"))}));
    QSignalSpy exported(&ctl, &app::ModerationController::exported);
    QSignalSpy problems(&ctl, &app::ModerationController::problem);
    const QString csv = dir.filePath(QStringLiteral("out.csv"));
    ctl.exportTo(csv);
    QCOMPARE(exported.count(), 0);  // not written on this (the GUI) thread
    QVERIFY(exported.wait(10000));
    QCOMPARE(exported.first().at(1).toString(), QString());
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray data = f.readAll();
    QVERIFY(data.contains("e1") && data.contains("e2"));
    ctl.exportTo(dir.filePath(QStringLiteral("no/such/folder/out.jsonl")));
    QVERIFY(exported.wait(10000));
    QVERIFY(!exported.last().at(1).toString().isEmpty());
    QCOMPARE(problems.count(), 1);
}

void ModerationUiTest::runnerThreadSurvivesThrowsAndBadBytes() {
    QTemporaryDir dir;
    ui::ReviewWidget review;
    auto backend = std::make_shared<ScriptedBackend>();
    app::ModerationController ctl(&review, backend, dir.filePath(QStringLiteral("m.db")), QStringLiteral("tester"), nullptr, keyIn(dir));
    QSignalSpy problems(&ctl, &app::ModerationController::problem);
    ctl.importQueue(writeQueue(dir, {QStringLiteral("t1,%1,Throw it").arg(fixtureImage("img_1x1.png")),
                                     QStringLiteral("t2,%1,Bytes bad").arg(fixtureImage("img_1x1.png")),
                                     QStringLiteral("t3,%1,Fine").arg(fixtureImage("img_1x1.png"))}));
    ctl.run();
    QVERIFY(QTest::qWaitFor([&] { return !ctl.running(); }, 20000));
    QCOMPARE(ctl.store().item("t1")->status, std::string("error"));
    QVERIFY(ctl.store().item("t1")->error.find("scripted engine failure") != std::string::npos);
    QCOMPARE(ctl.store().item("t2")->status, std::string("error"));
    QCOMPARE(ctl.store().item("t3")->status, std::string("judged"));
    // Every item went through the shared backend as a moderation request (t2 once more: a retry
    // after its unreadable output), none past it.
    QCOMPARE(backend->calls.load(), 4);
    QVERIFY(backend->requestSources() == std::vector<RequestSource>(4, RequestSource::Moderation));
    QCOMPARE(problems.count(), 0);
    QVERIFY(ctl.store().verifyAudit().ok);
}

// Issue #13: labels imported into the dock, the Evaluate… window and the footer follow the run; a
// malformed labels file is refused naming its row and the earlier labels stay.
void ModerationUiTest::evaluationAgainstImportedLabels() {
    QTemporaryDir dir;
    ui::ReviewWidget review;
    auto backend = std::make_shared<ScriptedBackend>();
    app::ModerationController ctl(&review, backend, dir.filePath(QStringLiteral("m.db")), QStringLiteral("tester"), nullptr, keyIn(dir));
    QSignalSpy problems(&ctl, &app::ModerationController::problem);
    ctl.importQueue(writeQueue(dir, {QStringLiteral("e1,%1,Fine one").arg(fixtureImage("img_1x1.png")),
                                     QStringLiteral("e2,%1,Throw it").arg(fixtureImage("img_1x1.png")),
                                     QStringLiteral("e3,%1,Bytes bad").arg(fixtureImage("img_1x1.png")),
                                     QStringLiteral("e4,%1,Extra").arg(fixtureImage("img_1x1.png"))}));
    auto write = [&dir](const char* name, const QByteArray& data) {
        QFile f(dir.filePath(QLatin1String(name)));
        if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size()) return QString();
        return f.fileName();
    };
    QVERIFY(!ctl.evaluation());
    QVERIFY(ctl.importLabels(write("labels.csv", "id,label,category\ne1,reject,x\ne2,approve,\ne3,escalate,review\ne9,approve,\n")));
    auto before = ctl.evaluation();
    QVERIFY(before);
    QCOMPARE(before->n, 4);
    QCOMPARE(before->missing, 4);  // nothing judged yet, and e9 is not in the queue
    QCOMPARE(before->unlabelled, 1);
    // The toolbar's Evaluate… opens the window.
    QPushButton* evalBtn = nullptr;
    for (auto* b : review.findChildren<QPushButton*>())
        if (b->text() == QStringLiteral("Evaluate…")) evalBtn = b;
    QVERIFY(evalBtn);
    evalBtn->click();
    QVERIFY(ctl.evaluationDialog());
    QVERIFY(ctl.evaluationDialog()->isVisible());
    QVERIFY2(ctl.evaluationDialog()->view().summary.contains(QStringLiteral("4 labelled items")),
             qPrintable(ctl.evaluationDialog()->view().summary));

    ctl.run();
    QVERIFY(QTest::qWaitFor([&] { return !ctl.running(); }, 20000));
    const auto after = ctl.evaluation();
    QCOMPARE(after->correct, 1);   // e1 rejected as labelled
    QCOMPARE(after->failed, 1);    // e2: the engine threw
    QCOMPARE(after->unparsed, 1);  // e3: unreadable output
    QCOMPARE(after->missing, 1);   // e9
    QCOMPARE(after->unlabelled, 1);
    QCOMPARE(after->unlabelledIds, std::vector<std::string>{"e4"});
    QCOMPARE(after->confusion[0][4], int64_t(1));
    QCOMPARE(after->confusion[2][3], int64_t(1));
    // The window and the footer followed the run without being asked.
    QVERIFY2(QTest::qWaitFor([&] { return ctl.evaluationDialog()->view().summary.contains(QStringLiteral("agreement 0.250")); }, 5000),
             qPrintable(ctl.evaluationDialog()->view().summary));
    const QString html = ctl.evaluationDialog()->html();
    for (const char* want : {"Confusion", "unparsed", "Calibration", "e9", "e4", "precision"})
        QVERIFY2(html.contains(QLatin1String(want)), want);
    QVERIFY2(review.metricsText().contains(QStringLiteral("vs labels: macro-F1")), qPrintable(review.metricsText()));
    QCOMPARE(problems.count(), 0);

    // A malformed file: refused with its row named, the labels in use stay.
    QVERIFY(!ctl.importLabels(write("bad.csv", "id,label,category\ne1,reject,x\ne2,perhaps,\n")));
    QCOMPARE(problems.count(), 1);
    QVERIFY2(problems.at(0).at(0).toString().contains(QStringLiteral("row 3")), qPrintable(problems.at(0).at(0).toString()));
    QCOMPARE(ctl.evaluation()->n, 4);
}

QTEST_MAIN(ModerationUiTest)
#include "moderation_ui_test.moc"
