#include "moderation_controller.h"

#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMetaObject>
#include <QTimer>

#include "moderation_eval_view.h"
#include "moderation_runner.h"
#include "policy_dialog.h"
#include "remote_backend.h"
#include "review_widget.h"

namespace sightline::app {

ModerationController::ModerationController(ui::ReviewWidget* widget, std::shared_ptr<const InferenceBackend> backend, const QString& dbPath,
                                           const QString& reviewer, QObject* parent, moderation::StoreOptions options)
    : QObject(parent), m_widget(widget), m_backend(std::move(backend)), m_reviewer(reviewer) {
    m_store = std::make_unique<moderation::ModerationStore>(dbPath.toStdString(), std::move(options));
    m_policyPath = QFileInfo(dbPath).absolutePath() + QStringLiteral("/policy.json");
    m_policy = QFileInfo::exists(m_policyPath) ? moderation::loadPolicy(m_policyPath.toStdString()) : moderation::defaultPolicy();
    connect(widget, &ui::ReviewWidget::policyEditRequested, this, [this, widget] { editPolicy(widget); });
    connect(widget, &ui::ReviewWidget::evaluationRequested, this, &ModerationController::showEvaluation);
    connect(widget, &ui::ReviewWidget::decisionMade, this, &ModerationController::onDecision);
    connect(widget, &ui::ReviewWidget::undoRequested, this, &ModerationController::onUndo);
    connect(widget, &ui::ReviewWidget::runRequested, this, &ModerationController::run);
    connect(widget, &ui::ReviewWidget::pauseRequested, this, &ModerationController::setPaused);
    connect(widget, &ui::ReviewWidget::cancelRequested, this, &ModerationController::cancel);
    qRegisterMetaType<ui::ReviewItem>();
    m_runner = new ModerationRunner(m_backend, m_store.get(), &m_cancel, &m_pause);
    m_runner->moveToThread(&m_thread);
    m_thread.setObjectName(QStringLiteral("sightline-moderation"));
    connect(&m_thread, &QThread::finished, m_runner, &QObject::deleteLater);
    // Every connection across the thread boundary is explicitly queued.
    connect(
        m_runner, &ModerationRunner::itemFinished, this,
        [this](const ui::ReviewItem& item) {
            m_widget->updateItem(item);
            scheduleMetrics();  // the footer counters move with the run
        },
        Qt::QueuedConnection);
    connect(
        m_runner, &ModerationRunner::progress, this,
        [this](int done, int total, int errors, double perMinute, double eta) {
            if (m_running.load()) m_widget->setRunProgress(done, total, errors, perMinute, eta);
        },
        Qt::QueuedConnection);
    connect(m_runner, &ModerationRunner::warning, this, &ModerationController::problem, Qt::QueuedConnection);
    connect(
        m_runner, &ModerationRunner::finished, this,
        [this](const QString& error) {
            m_running.store(false);
            if (!error.isEmpty()) Q_EMIT problem(error);
            refresh();
            const auto m = m_store->metrics();
            m_widget->setRunState(m_cancel.load() ? tr("Cancelled; Run continues where it stopped")
                                                  : tr("Queue done · %1 judged · %2 errors").arg(m.judged).arg(m.errors),
                                  1, 1, false);
        },
        Qt::QueuedConnection);
    m_thread.start();
    refresh();
}

ModerationController::~ModerationController() {
    m_exportPool.waitForDone();  // an export in progress finishes before anything goes
    m_cancel.store(true);        // run() returns once its items in flight resolve (cancelled)
    m_thread.quit();
    m_thread.wait();
    try {
        m_store->writeCheckpoint();  // the decisions of this session, signed outside the database
    } catch (...) {
        // A destructor has no one to tell; the next run or decision writes one again.
    }
}

void ModerationController::refresh() {
    QList<ui::ReviewItem> items;
    for (const auto& r : m_store->items()) items << toReviewItem(r);
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
    QString text = tr("%1 items · %2 judged · %3 errors · %4 decided · %5 items/h · agreement %6% · override rate %7% · "
                      "median review %8 s")
                       .arg(m.items)
                       .arg(m.judged)
                       .arg(m.errors)
                       .arg(m.decided)
                       .arg(m.itemsPerHour, 0, 'f', 0)
                       .arg(100 * m.agreement, 0, 'f', 0)
                       .arg(100 * m.overrideRate, 0, 'f', 0)
                       .arg(m.medianReviewMs / 1000.0, 0, 'f', 1);
    if (!m_labels.empty()) {
        try {
            const moderation::EvalReport r = moderation::evaluateModeration(*m_store, m_labels);
            text += QStringLiteral(" · ") + evalFooter(r);
            if (m_evalDialog) m_evalDialog->setView(toEvalView(r, m_labelsPath));
        } catch (const std::exception& e) {
            Q_EMIT problem(QString::fromStdString(repairUtf8(e.what())));
        }
    }
    m_widget->setMetrics(text);
}

std::optional<moderation::EvalReport> ModerationController::evaluation() const {
    if (m_labels.empty()) return std::nullopt;
    return moderation::evaluateModeration(*m_store, m_labels);
}

bool ModerationController::importLabels(const QString& path) {
    try {
        std::vector<moderation::LabelRow> labels = moderation::loadLabels(path.toStdString());
        if (labels.empty()) throw Error(ErrorKind::BadInput, path.toStdString() + ": no labels (only a header)");
        m_labels = std::move(labels);
        m_labelsPath = path;
    } catch (const std::exception& e) {
        Q_EMIT problem(tr("Labels not imported: %1").arg(QString::fromStdString(repairUtf8(e.what()))));
        return false;
    }
    updateMetrics();
    return true;
}

void ModerationController::chooseLabels(QWidget* parent) {
    const QString p = QFileDialog::getOpenFileName(parent, tr("Import labels"), QFileInfo(m_labelsPath).absolutePath(),
                                                   tr("Labels (*.csv);;All files (*)"));
    if (!p.isEmpty()) importLabels(p);
}

void ModerationController::showEvaluation() {
    if (!m_evalDialog) {
        m_evalDialog = new ui::ModerationEvalDialog(m_widget);
        connect(m_evalDialog, &ui::ModerationEvalDialog::importLabelsRequested, this, [this] { chooseLabels(m_evalDialog); });
    }
    if (!m_labels.empty()) updateMetrics();
    m_evalDialog->show();
    m_evalDialog->raise();
    m_evalDialog->activateWindow();
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
    m_cancel.store(false);
    m_pause.store(false);
    m_running.store(true);
    m_widget->setRunProgress(0, int(m_store->pending().size()), 0, 0, 0);
    m_widget->setPaused(false);
    moderation::RunOptions o;
    o.policy = m_policy;
    o.modelId = m_backend->modelInfo().id;
    o.params.sampling.temperature = 0;
    o.params.maxNewTokens = 256;
    o.params.enableThinking = false;
    // Items go to the same scheduler as the chat, several in flight so they decode as a batch, one
    // slot left for the chat so a question never waits behind the queue.
    o.parallel = std::max(1, m_backend->batchSlots() - 1);
    // A remote server still unreachable after its retries stops the run: its items stay pending.
    o.isOutage = [](const std::exception& e) {
        const auto* r = dynamic_cast<const RemoteError*>(&e);
        return r && r->unavailable();
    };
    QMetaObject::invokeMethod(
        m_runner, [runner = m_runner, o] { runner->run(o); }, Qt::QueuedConnection);
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
    // The store has its own mutex; the pool is waited for before the store is destroyed, and the
    // result comes back as a queued call on the GUI thread.
    moderation::ModerationStore* store = m_store.get();
    m_exportPool.start([this, store, path] {
        QString error;
        try {
            const std::string data = path.endsWith(QLatin1String(".jsonl")) ? store->exportJsonl() : store->exportCsv();
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly) || f.write(data.data(), qint64(data.size())) != qint64(data.size()))
                error = tr("Cannot write %1").arg(path);
        } catch (const std::exception& e) {
            error = QString::fromStdString(repairUtf8(e.what()));
        }
        QMetaObject::invokeMethod(
            this,
            [this, path, error] {
                if (!error.isEmpty()) Q_EMIT problem(error);
                Q_EMIT exported(path, error);
            },
            Qt::QueuedConnection);
    });
}

}  // namespace sightline::app
