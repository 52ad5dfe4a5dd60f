#include "moderation_controller.h"

#include <QFile>
#include <QMetaObject>
#include <QTimer>

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
    i.error = QString::fromStdString(r.error);
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
                                           const QString& reviewer, QObject* parent, moderation::StoreOptions options)
    : QObject(parent), m_widget(widget), m_backend(std::move(backend)), m_reviewer(reviewer) {
    m_store = std::make_unique<moderation::ModerationStore>(dbPath.toStdString(), std::move(options));
    m_policyPath = QFileInfo(dbPath).absolutePath() + QStringLiteral("/policy.json");
    m_policy = QFileInfo::exists(m_policyPath) ? moderation::loadPolicy(m_policyPath.toStdString()) : moderation::defaultPolicy();
    connect(widget, &ui::ReviewWidget::policyEditRequested, this, [this, widget] { editPolicy(widget); });
    connect(widget, &ui::ReviewWidget::decisionMade, this, &ModerationController::onDecision);
    connect(widget, &ui::ReviewWidget::undoRequested, this, &ModerationController::onUndo);
    connect(widget, &ui::ReviewWidget::runRequested, this, &ModerationController::run);
    connect(widget, &ui::ReviewWidget::pauseRequested, this, &ModerationController::setPaused);
    connect(widget, &ui::ReviewWidget::cancelRequested, this, &ModerationController::cancel);
    refresh();
}

ModerationController::~ModerationController() {
    m_cancel.store(true);
    if (m_thread.joinable()) m_thread.join();
    try {
        m_store->writeCheckpoint();  // the decisions of this session, signed outside the database
    } catch (...) {
        // A destructor has no one to tell; the next run or decision writes one again.
    }
}

void ModerationController::refresh() {
    QList<ui::ReviewItem> items;
    for (const auto& r : m_store->items()) items << toUi(r);
    m_widget->setItems(items);
    updateMetrics();
}

void ModerationController::scheduleMetrics() {
    if (m_metricsPending) return;
    m_metricsPending = true;
    QTimer::singleShot(200, this, [this] {
        m_metricsPending = false;
        updateMetrics();
    });
}

void ModerationController::updateMetrics() {
    moderation::Metrics m;
    try {
        m = m_store->metrics();
    } catch (const std::exception& e) {
        Q_EMIT problem(QString::fromStdString(repairUtf8(e.what())));
        return;
    }
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
        moderation::ImportReport report;
        const int added = m_store->addItems(moderation::importQueue(path.toStdString(), &report));
        refresh();
        m_widget->setRunState(tr("%1 new items").arg(added), 0, 0, false);
        m_widget->setNotice(QString::fromStdString(repairUtf8(report.summary())));
    } catch (const std::exception& e) {
        Q_EMIT problem(QString::fromStdString(repairUtf8(e.what())));
    }
}

void ModerationController::run() {
    if (m_running.load()) return;
    if (!m_backend->loaded()) {
        Q_EMIT problem(tr("Load a model before running the queue."));
        return;
    }
    auto model = m_backend->engineModel();
    const std::string modelId = model ? model->config().architecture + ":" + model->config().modelDir : m_backend->summary();
    if (m_thread.joinable()) m_thread.join();
    m_cancel.store(false);
    m_pause.store(false);
    m_running.store(true);
    m_widget->setRunProgress(0, int(m_store->pending().size()), 0, 0, 0);
    m_widget->setPaused(false);
    m_thread = std::thread([this, modelId, backend = m_backend] {
        QString error;
        try {  // the thread's top: nothing may escape it (std::terminate)
            moderation::RunOptions o;
            o.policy = m_policy;
            o.modelId = modelId;
            o.params.sampling.temperature = 0;
            o.params.maxNewTokens = 256;
            o.params.enableThinking = false;
            // Items go to the same scheduler as the chat, several in flight so they decode as a batch,
            // one slot left for the chat so a question never waits behind the queue.
            o.parallel = std::max(1, backend->batchSlots() - 1);
            moderation::runModeration(
                *m_store, [backend](const auto& m, const auto& p, const auto* c) { return backend->generate(RequestSource::Moderation, m, p, {}, c); }, o,
                [this](const moderation::ItemRecord& r) {
                    const ui::ReviewItem item = toUi(r);
                    QMetaObject::invokeMethod(this, [this, item] {
                        m_widget->updateItem(item);
                        scheduleMetrics();  // the footer counters move with the run
                    }, Qt::QueuedConnection);
                },
                [this](const moderation::RunProgress& p) {
                    QMetaObject::invokeMethod(this, [this, p] {
                        if (m_running.load()) m_widget->setRunProgress(int(p.done), int(p.total), int(p.errors), p.itemsPerMinute, p.etaSeconds);
                        if (!p.warning.empty()) Q_EMIT problem(QString::fromStdString(repairUtf8(p.warning)));
                    }, Qt::QueuedConnection);
                },
                &m_cancel, &m_pause);
        } catch (const std::exception& e) {
            error = QString::fromStdString(repairUtf8(e.what()));
        } catch (...) {
            error = tr("The moderation run stopped on an unknown error.");
        }
        m_running.store(false);
        QMetaObject::invokeMethod(this, [this, error] {
            if (!error.isEmpty()) Q_EMIT problem(error);
            refresh();
            const auto m = m_store->metrics();
            m_widget->setRunState(m_cancel.load() ? tr("Cancelled; Run continues where it stopped")
                                                  : tr("Queue done · %1 judged · %2 errors").arg(m.judged).arg(m.errors),
                                  1, 1, false);
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

void ModerationController::onUndo(const QString& id) {
    try {
        m_store->undoDecision(id.toStdString(), m_reviewer.toStdString());
        refresh();
    } catch (const std::exception& e) {
        Q_EMIT problem(QString::fromStdString(repairUtf8(e.what())));
        refresh();
    }
}

void ModerationController::exportTo(const QString& path) {
    QFile f(path);
    const std::string data = path.endsWith(QLatin1String(".jsonl")) ? m_store->exportJsonl() : m_store->exportCsv();
    if (!f.open(QIODevice::WriteOnly) || f.write(data.data(), qint64(data.size())) != qint64(data.size()))
        Q_EMIT problem(tr("Cannot write %1").arg(path));
}

}  // namespace sightline::app
