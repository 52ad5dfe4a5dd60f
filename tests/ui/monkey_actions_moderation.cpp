// The moderation review station: import a generated queue (CSV or JSONL, some rows with missing
// or unreadable images, quoting, Unicode, repeated ids), run / pause / cancel it on the model,
// review keys (A R E N P, sometimes with a note), filters and sort, policy, export.
#include <QAbstractButton>
#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QTest>

#include "main_window.h"
#include "moderation_controller.h"
#include "monkey.h"
#include "monkey_app.h"
#include "monkey_dialogs.h"
#include "review_widget.h"

namespace sightline::monkey {
namespace {

ui::ReviewWidget* review(Monkey& m) {
    return m.app().review();
}
app::ModerationController* ctl(Monkey& m) {
    return m.app().moderation();
}
bool shown(Monkey& m) {
    return m.app().reviewDock()->isVisible();
}
// A person opens the Moderation dock before using it.
void showDock(Monkey& m) {
    if (!shown(m)) m.app().reviewDock()->toggleViewAction()->trigger();
}

QString csvField(const QString& s) {
    QString q = s;
    q.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

const QStringList kTitles{QStringLiteral("Vintage lamp"),         QStringLiteral("Running shoes, size 42"), QStringLiteral("手工茶杯"),
                          QStringLiteral("Call 555-0100 now!!!"), QStringLiteral("Quote \"best\" price"),   QStringLiteral("Line\nbreak")};

// Writes a queue of 1–5 items to <data>/queues; returns its path.
QString writeQueue(Monkey& m, Rng& rng, QString* what) {
    QDir().mkpath(m.dataDir() + QStringLiteral("/queues"));
    const bool jsonl = rng.chance(0.3);
    const QString path = m.dataDir() + QStringLiteral("/queues/q%1.%2").arg(m.step()).arg(jsonl ? "jsonl" : "csv");
    const int n = rng.between(1, 5);
    QByteArray data = jsonl ? QByteArray() : QByteArray("id,image,title,text\n");
    for (int i = 0; i < n; ++i) {
        // Now and then an id seen before (the store keeps the first), a missing or unreadable image.
        const QString id = rng.chance(0.1) ? QStringLiteral("s%1-0").arg(rng.between(1, std::max(1, m.step())))
                                           : QStringLiteral("s%1-%2").arg(m.step()).arg(i);
        const QString image = rng.chance(0.85) ? m.poolImage(rng) : m.badFile(rng);
        const QString title = rng.pick(kTitles), text = QStringLiteral("Item %1 of step %2, mail me at a@b.example").arg(i).arg(m.step());
        if (jsonl)
            data +=
                QJsonDocument(QJsonObject{{"id", id}, {"image", image}, {"title", title}, {"text", text}}).toJson(QJsonDocument::Compact) +
                '\n';
        else
            data += (QStringList{id, csvField(image), csvField(title), csvField(text)}.join(QLatin1Char(',')) + QLatin1Char('\n')).toUtf8();
    }
    if (rng.chance(0.05)) data = QByteArray("no,header,here\n\xff\xfe broken\n");  // not a queue: a notice, nothing imported
    QFile f(path);
    if (f.open(QIODevice::WriteOnly)) f.write(data);
    *what = QStringLiteral("%1 with %2 item(s)").arg(QFileInfo(path).fileName()).arg(n);
    return path;
}

QString importQueue(Monkey& m, Rng& rng) {
    QString what;
    const QString path = writeQueue(m, rng, &what);
    showDock(m);
    m.dialogs().plan(DialogAnswerer::chooseFile(path));
    m.click(m.findButton(ui::ReviewWidget::tr("Import queue…"), review(m)));
    return what;
}

QString reviewKey(Monkey& m, Rng& rng) {
    static const QList<std::pair<Qt::Key, const char*>> kKeys{
        {Qt::Key_A, "A"}, {Qt::Key_R, "R"}, {Qt::Key_E, "E"}, {Qt::Key_N, "N"}, {Qt::Key_P, "P"}};
    QString detail;
    if (rng.chance(0.2)) {
        if (auto* note = review(m)->findChild<QLineEdit*>()) {
            note->setFocus();
            Monkey::type(note, QStringLiteral("note %1").arg(m.step()));
            QTest::keyClick(note, Qt::Key_Return);  // hands the keys back to the review
            detail = QStringLiteral("with a note, ");
        }
    }
    const auto& [key, name] = kKeys[rng.below(int(kKeys.size()))];
    showDock(m);
    const QString item = review(m)->currentId();
    review(m)->setFocus();
    QTest::keyClick(review(m), key);
    return detail + QStringLiteral("%1 on %2").arg(QLatin1String(name), item);
}

QString filterOrSort(Monkey& m, Rng& rng, ui::ReviewWidget* w) {
    showDock(m);
    const auto boxes = w->findChildren<QComboBox*>();
    if (boxes.isEmpty()) return QStringLiteral("no filter");
    QComboBox* box = rng.pick(boxes);
    const int i = rng.below(box->count());
    box->setCurrentIndex(i);
    return box->currentText();
}

QString exportResults(Monkey& m, Rng& rng) {
    const bool jsonl = rng.chance(0.5);
    QDir().mkpath(m.dataDir() + QStringLiteral("/exports"));
    const QString path = m.dataDir() + QStringLiteral("/exports/moderation-%1.%2").arg(m.step()).arg(jsonl ? "jsonl" : "csv");
    showDock(m);
    m.dialogs().plan(DialogAnswerer::chooseFile(path));
    m.click(m.findButton(ui::ReviewWidget::tr("Export…"), review(m)));
    // The export is written on a pool thread (the window never waits for it): it must appear soon.
    if (!QTest::qWaitFor([&] { return QFileInfo::exists(path); }, 10000))
        m.violation(QStringLiteral("moderation export wrote nothing to %1").arg(path));
    return QFileInfo(path).fileName();
}

}  // namespace

void registerModerationActions(ActionRegistry& r) {
    r.add({QStringLiteral("toggleModeration"), 2, [](Monkey&) { return true; },
           [](Monkey& m, Rng&) {
               m.app().reviewDock()->toggleViewAction()->trigger();
               return shown(m) ? QStringLiteral("shown") : QStringLiteral("hidden");
           }});
    r.add({QStringLiteral("importQueue"), 3, [](Monkey& m) { return ctl(m) != nullptr; }, importQueue});
    r.add({QStringLiteral("runQueue"), 3, [](Monkey& m) { return ctl(m) && !ctl(m)->running(); },
           [](Monkey& m, Rng& rng) {
               showDock(m);
               m.click(m.findButton(ui::ReviewWidget::tr("Run model"), review(m)));
               const int pending = int(ctl(m)->store().pending().size());
               if (rng.chance(0.3)) {
                   const bool done = QTest::qWaitFor([&m] { return !ctl(m)->running(); }, 180000);
                   return QStringLiteral("%1 pending, waited: %2").arg(pending).arg(done ? "done" : "still running");
               }
               return QStringLiteral("%1 pending").arg(pending);
           }});
    r.add({QStringLiteral("pauseQueue"), 1, [](Monkey& m) { return ctl(m) && ctl(m)->running(); },
           [](Monkey& m, Rng&) {
               showDock(m);
               QAbstractButton* b = m.findButton(ui::ReviewWidget::tr("Pause"), review(m));
               m.click(b);
               return b && b->isChecked() ? QStringLiteral("paused") : QStringLiteral("resumed");
           }});
    r.add({QStringLiteral("cancelQueue"), 1, [](Monkey& m) { return ctl(m) && ctl(m)->running(); },
           [](Monkey& m, Rng&) {
               showDock(m);
               m.click(m.findButton(ui::ReviewWidget::tr("Cancel"), review(m)));
               return QString();
           }});
    r.add({QStringLiteral("reviewKey"), 6, [](Monkey& m) { return !review(m)->visibleIds().isEmpty(); }, reviewKey});
    r.add({QStringLiteral("filterQueue"), 2, [](Monkey&) { return true; },
           [](Monkey& m, Rng& rng) { return filterOrSort(m, rng, review(m)); }});
    r.add({QStringLiteral("editPolicy"), 1, [](Monkey& m) { return ctl(m) != nullptr; },
           [](Monkey& m, Rng& rng) {
               showDock(m);
               const bool ok = rng.chance(0.5);
               m.dialogs().plan(ok ? DialogAnswerer::acceptAsIs() : DialogAnswerer::cancel());
               m.click(m.findButton(ui::ReviewWidget::tr("Policy…"), review(m)));
               return ok ? QStringLiteral("saved unchanged") : QStringLiteral("cancelled");
           }});
    r.add({QStringLiteral("exportResults"), 1, [](Monkey& m) { return ctl(m) != nullptr; }, exportResults});
}

}  // namespace sightline::monkey
