// Moderation invariants, read through the moderation library (the app's own store object, which
// serialises access with its mutex) plus a read-only SQLite connection for the file's integrity.
#include <QAbstractButton>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include "moderation.h"
#include "moderation_controller.h"
#include "monkey_app.h"
#include "monkey_checks.h"
#include "review_widget.h"

namespace sightline::monkey {
namespace {

void items(MonkeyApp& app, CheckState& state, bool deep, QStringList& out) {
    app::ModerationController* ctl = app.moderation();
    if (!ctl) {
        out << QStringLiteral("the moderation controller is unavailable");
        return;
    }
    moderation::ModerationStore& store = ctl->store();
    static const QSet<QString> statuses{QStringLiteral("pending"), QStringLiteral("judged"), QStringLiteral("error")};
    static const QSet<QString> decisions{QString(), QStringLiteral("approve"), QStringLiteral("reject"), QStringLiteral("escalate")};
    QSet<QString> ids;
    for (const auto& r : store.items()) {
        const QString id = QString::fromStdString(r.item.id);
        if (ids.contains(id)) out << QStringLiteral("item %1 is listed twice").arg(id);
        ids.insert(id);
        const QString status = QString::fromStdString(r.status);
        if (!statuses.contains(status)) out << QStringLiteral("item %1 has status '%2'").arg(id, status);
        if (status == QLatin1String("judged") && !r.verdict) out << QStringLiteral("item %1 is judged without a verdict").arg(id);
        if (status == QLatin1String("pending") && r.verdict) out << QStringLiteral("item %1 is pending with a verdict").arg(id);
        const QString decision = QString::fromStdString(r.decision);
        if (!decisions.contains(decision)) out << QStringLiteral("item %1 has decision '%2'").arg(id, decision);
        if (r.verdict && (r.verdict->confidence < 0 || r.verdict->confidence > 1))
            out << QStringLiteral("item %1 has confidence %2").arg(id).arg(r.verdict->confidence);
        if (deep) {
            const int64_t expected = (status != QLatin1String("pending") ? 1 : 0) + (decision.isEmpty() ? 0 : 1);
            const int64_t records = store.auditCount(r.item.id);
            if (records < expected)
                out << QStringLiteral("item %1 has %2 audit records, expected at least %3").arg(id).arg(records).arg(expected);
        }
    }
    const auto audit = store.verifyAudit();
    if (!audit.ok)
        out << QStringLiteral("audit chain broken at record %1 of %2: %3")
                   .arg(audit.firstBadSeq)
                   .arg(audit.records)
                   .arg(QString::fromStdString(audit.message));
    if (audit.records < state.auditRecords)
        out << QStringLiteral("the audit log shrank from %1 to %2 records").arg(state.auditRecords).arg(audit.records);
    state.auditRecords = std::max<qint64>(state.auditRecords, audit.records);

    // A paused queue may wait as long as the person likes.
    bool paused = false;
    for (auto* b : app.review()->findChildren<QAbstractButton*>())
        if (b->isCheckable() && b->isChecked()) paused = true;
    const bool running = ctl->running() && !paused;
    if (!running) {
        state.moderationWasRunning = false;
    } else if (!state.moderationWasRunning) {
        state.moderationWasRunning = true;
        state.moderationSince.start();
    } else if (state.moderationSince.elapsed() > state.moderationLimitMs) {
        out << QStringLiteral("the queue has run for %1 s").arg(state.moderationSince.elapsed() / 1000);
    }
}

void databaseFile(MonkeyApp& app, CheckState&, bool deep, QStringList& out) {
    if (!deep) return;
    const QString name = QStringLiteral("monkey-ro-moderation");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"));
        db.setDatabaseName(app.moderationDbPath());
        if (!db.open()) {
            out << QStringLiteral("cannot open moderation.sqlite3 read-only: ") + db.lastError().text();
        } else {
            QSqlQuery q(db);
            if (!q.exec(QStringLiteral("PRAGMA quick_check"))) out << QStringLiteral("quick_check failed: ") + q.lastError().text();
            while (q.next())
                if (q.value(0).toString() != QLatin1String("ok"))
                    out << QStringLiteral("moderation.sqlite3 integrity: ") + q.value(0).toString();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

}  // namespace

void registerModerationChecks(CheckRegistry& r) {
    r.add({QStringLiteral("moderation"), items});
    r.add({QStringLiteral("moderation-db"), databaseFile});
}

}  // namespace sightline::monkey
