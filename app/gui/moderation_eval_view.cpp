#include "moderation_eval_view.h"

#include <QCoreApplication>

#include "sightline/untrusted.h"

namespace sightline::app {

namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("sightline::app::ModerationController", text);
}

QString num(double v) {
    return QString::number(v, 'f', 3);
}

QString ids(const std::vector<std::string>& list, int64_t total) {
    QStringList out;
    for (const auto& id : list) out << QString::fromStdString(toValidUtf8(id));
    if (total > static_cast<int64_t>(list.size())) out << QStringLiteral("…");
    return out.join(QStringLiteral(", "));
}

ui::EvalTable scores(const QString& title, const std::vector<moderation::ClassScores>& rows) {
    ui::EvalTable t{title, {QString(), tr("precision"), tr("recall"), tr("F1"), tr("support")}, {}};
    for (const auto& r : rows)
        t.rows << QStringList{QString::fromStdString(toValidUtf8(r.name)), num(r.precision), num(r.recall), num(r.f1),
                              QString::number(r.support)};
    return t;
}

}  // namespace

ui::EvalView toEvalView(const moderation::EvalReport& r, const QString& labelsFile) {
    ui::EvalView v;
    v.labelsFile = labelsFile;
    v.summary = tr("%1 labelled items · agreement %2 (%3/%1) · macro-F1 %4 · ECE %5")
                    .arg(r.n)
                    .arg(num(r.agreement))
                    .arg(r.correct)
                    .arg(num(r.macroF1))
                    .arg(num(r.ece));
    if (r.errors() > 0)
        v.notes << tr("%1 labelled items have no verdict and count as wrong: %2 unreadable answers, %3 failed, %4 not judged yet or "
                      "not in this queue.")
                       .arg(r.errors())
                       .arg(r.unparsed)
                       .arg(r.failed)
                       .arg(r.missing);
    if (r.missing > 0) v.notes << tr("Not judged: %1").arg(ids(r.missingIds, r.missing));
    if (r.unlabelled > 0)
        v.notes
            << tr("%1 items of the queue have no label and are not scored: %2").arg(r.unlabelled).arg(ids(r.unlabelledIds, r.unlabelled));
    v.tables << scores(tr("Per label"), r.perLabel);
    if (!r.perCategory.empty()) v.tables << scores(tr("Per reject category (a reject's first category)"), r.perCategory);
    ui::EvalTable confusion{tr("Confusion (rows: label, columns: model)"), {QString()}, {}};
    for (const auto& o : moderation::kEvalOutcomes) confusion.header << QString::fromStdString(o);
    for (size_t i = 0; i < r.confusion.size(); ++i) {
        QStringList row{QString::fromStdString(moderation::kEvalLabels[i])};
        for (int64_t c : r.confusion[i]) row << QString::number(c);
        confusion.rows << row;
    }
    v.tables << confusion;
    ui::EvalTable rel{tr("Calibration of the verdict-token confidence (ECE %1; no verdict counts at 0)").arg(num(r.ece)),
                      {tr("confidence"), tr("items"), tr("mean confidence"), tr("accuracy")},
                      {}};
    for (const auto& b : r.reliability)
        rel.rows << QStringList{QStringLiteral("%1–%2").arg(b.lo, 0, 'f', 2).arg(b.hi, 0, 'f', 2), QString::number(b.n),
                                b.n ? num(b.confidence) : QStringLiteral("–"), b.n ? num(b.accuracy) : QStringLiteral("–")};
    v.tables << rel;
    return v;
}

QString evalFooter(const moderation::EvalReport& r) {
    QString s = tr("vs labels: macro-F1 %1 · agreement %2% · ECE %3").arg(num(r.macroF1)).arg(100 * r.agreement, 0, 'f', 0).arg(num(r.ece));
    if (r.errors() > 0) s += tr(" · %1 without a verdict").arg(r.errors());
    return s;
}

}  // namespace sightline::app
