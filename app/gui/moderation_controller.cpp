#include "moderation_controller.h"

#include <QFile>
#include <QMetaObject>

#include "policy_dialog.h"
#include "review_widget.h"

#include <QFileInfo>

namespace sightline::app {
namespace {

ui::ReviewItem toUi(const moderation::ItemRecord& r) {
    ui::ReviewItem i;
    i.id = QString::fromStdString(r.item.id);
    i.imagePath = QString::fromStdString(r.item.imagePath);
    i.title = QString::fromStdString(r.item.title);
    i.text = QString::fromStdString(r.item.text);
    i.status = QString::fromStdString(r.status);
    i.raw = QString::fromStdString(r.raw);
    i.decision = QString::fromStdString(r.decision);
    i.note = QString::fromStdString(r.note);
    i.duplicateOf = QString::fromStdString(r.item.duplicateOf);
    if (r.verdict) {
        i.verdict = QString::fromLatin1(moderation::verdictName(r.verdict->verdict));
        for (const auto& s : r.verdict->reasons) i.reasons << QString::fromStdString(s);
        for (const auto& s : r.verdict->categories) i.categories << QString::fromStdString(s);
        i.confidence = r.verdict->confidence;
    }
    return i;
}

}  // namespace

ModerationController::ModerationController(ui::ReviewWidget* widget, std::shared_ptr<const InferenceBackend> backend, const QString& dbPath,
                                           const QString& reviewer, QObject* parent)
    : QObject(parent), m_widget(widget), m_backend(std::move(backend)), m_reviewer(reviewer) {
    m_store = std::make_unique<moderation::ModerationStore>(dbPath.toStdString());
    m_policyPath = QFileInfo(dbPath).absolutePath() + QStringLiteral("/policy.json");
    m_policy = QFileInfo::exists(m_policyPath) ? moderation::loadPolicy(m_policyPath.toStdString()) : moderation::defaultPolicy();
    connect(widget, &ui::ReviewWidget::policyEditRequested, this, [this, widget] { editPolicy(widget); });
    connect(widget, &ui::ReviewWidget::decisionMade, this, &ModerationController::onDecision);
    connect(widget, &ui::ReviewWidget::runRequested, this, &ModerationController::run);
    connect(widget, &ui::ReviewWidget::pauseRequested, this, &ModerationController::setPaused);
    connect(widget, &ui::ReviewWidget::cancelRequested, this, &ModerationController::cancel);
    refresh();
}

ModerationController::~ModerationController() {
    m_cancel.store(true);
    if (m_thread.joinable()) m_thread.join();
}

void ModerationController::refresh() {
    QList<ui::ReviewItem> items;
    for (const auto& r : m_store->items()) items << toUi(r);
    m_widget->setItems(items);
    const auto m = m_store->metrics();
    m_widget->setMetrics(tr("%1 items · %2 judged · %3 errors · %4 decided · %5 items/h · agreement %6% · override rate %7% · "
                            "median review %8 s")
                             .arg(m.items)
                             .arg(m.judged)
                             .arg(m.errors)
                             .arg(m.decided)
                             .arg(m.itemsPerHour, 0, 'f', 0)
                             .arg(100 * m.agreement, 0, 'f', 0)
                             .arg(100 * m.overrideRate, 0, 'f', 0)
                             .arg(m.medianReviewMs / 1000.0, 0, 'f', 1));
}

void ModerationController::importQueue(const QString& path) {
    try {
        const int added = m_store->addItems(moderation::importQueue(path.toStdString()));
        refresh();
        m_widget->setRunState(tr("%1 new items").arg(added), 0, 0, false);
    } catch (const std::exception& e) {
        Q_EMIT problem(QString::fromStdString(repairUtf8(e.what())));
    }
}

void ModerationController::run() {
    if (m_running.load()) return;
    auto model = m_backend->engineModel();
    if (!model) {
        Q_EMIT problem(tr("Load a model before running the queue."));
        return;
    }
    if (m_thread.joinable()) m_thread.join();
    m_cancel.store(false);
    m_pause.store(false);
    m_running.store(true);
    m_thread = std::thread([this, model, backend = m_backend] {
        moderation::RunOptions o;
        o.policy = m_policy;
        o.modelId = model->config().architecture + ":" + model->config().modelDir;
        o.params.sampling.temperature = 0;
        o.params.maxNewTokens = 256;
        o.params.enableThinking = false;
        // Items go to the same scheduler as the chat, several in flight so they decode as a batch,
        // one slot left for the chat so a question never waits behind the queue.
        o.parallel = std::max(1, backend->batchSlots() - 1);
        QString error;
        try {
            moderation::runModeration(
                *m_store, [backend](const auto& m, const auto& p, const auto* c) { return backend->generate(RequestSource::Moderation, m, p, {}, c); }, o,
                [this](const moderation::ItemRecord& r) {
                    const ui::ReviewItem item = toUi(r);
                    QMetaObject::invokeMethod(m_widget, [w = m_widget, item] { w->updateItem(item); }, Qt::QueuedConnection);
                },
                [this](const moderation::RunProgress& p) {
                    const QString text = tr("%1/%2 · %3 items/min · ETA %4 s").arg(p.done).arg(p.total).arg(p.itemsPerMinute, 0, 'f', 1).arg(p.etaSeconds, 0, 'f', 0);
                    QMetaObject::invokeMethod(m_widget, [w = m_widget, text, p] { w->setRunState(text, int(p.done), int(p.total), true); },
                                              Qt::QueuedConnection);
                },
                &m_cancel, &m_pause);
        } catch (const std::exception& e) {
            error = QString::fromStdString(repairUtf8(e.what()));
        }
        m_running.store(false);
        QMetaObject::invokeMethod(this, [this, error] {
            if (!error.isEmpty()) Q_EMIT problem(error);
            refresh();
            m_widget->setRunState(m_cancel.load() ? tr("Cancelled; Run continues where it stopped") : tr("Queue done"), 1, 1, false);
        }, Qt::QueuedConnection);
    });
}

void ModerationController::editPolicy(QWidget* parent) {
    ui::PolicyText t;
    t.name = QString::fromStdString(m_policy.name);
    t.systemPrompt = QString::fromStdString(m_policy.systemPrompt);
    for (const auto& r : m_policy.rules) t.rules << QString::fromStdString(r);
    t.version = QString::fromStdString(m_policy.version);
    ui::PolicyDialog dlg(t, parent);
    if (dlg.exec() != QDialog::Accepted) return;
    const ui::PolicyText edited = dlg.policy();
    moderation::Policy p;
    p.name = edited.name.toStdString();
    p.systemPrompt = edited.systemPrompt.toStdString();
    for (const auto& r : edited.rules) p.rules.push_back(r.toStdString());
    if (p.systemPrompt.empty()) {
        Q_EMIT problem(tr("A policy needs instructions."));
        return;
    }
    try {
        p.version = moderation::savePolicy(p, m_policyPath.toStdString());
        m_policy = p;
        m_widget->setRunState(tr("Policy %1 saved").arg(QString::fromStdString(p.version)), 0, 0, false);
    } catch (const std::exception& e) {
        Q_EMIT problem(QString::fromStdString(repairUtf8(e.what())));
    }
}

void ModerationController::onDecision(const QString& id, const QString& decision, const QString& note, double reviewMs) {
    try {
        const auto d = decision == QLatin1String("approve")  ? moderation::HumanDecision::Approve
                       : decision == QLatin1String("reject") ? moderation::HumanDecision::Reject
                                                             : moderation::HumanDecision::Escalate;
        m_store->recordDecision(id.toStdString(), d, m_reviewer.toStdString(), note.toStdString(), reviewMs);
        refresh();
    } catch (const std::exception& e) {
        Q_EMIT problem(QString::fromStdString(repairUtf8(e.what())));
    }
}

void ModerationController::exportTo(const QString& path) {
    QFile f(path);
    const std::string data = path.endsWith(QLatin1String(".jsonl")) ? m_store->exportJsonl() : m_store->exportCsv();
    if (!f.open(QIODevice::WriteOnly) || f.write(data.data(), qint64(data.size())) != qint64(data.size()))
        Q_EMIT problem(tr("Cannot write %1").arg(path));
}

}  // namespace sightline::app
