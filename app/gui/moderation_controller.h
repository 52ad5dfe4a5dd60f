// Joins the review widget (ui/) to the moderation store and pipeline (app/moderation). Lives on the
// GUI thread. The queue runs on a QThread of its own (ModerationRunner, moved there) that submits
// the items through the shared backend, so they wait in the same scheduler queue as the chat, which
// stays usable; results reach the widget through queued signals. Pause and cancel are atomics set
// from the GUI thread. Nothing thrown on the runner thread escapes it: a failing item is marked
// error by the pipeline, anything else becomes a problem() message. The footer metrics are
// refreshed during a run (coalesced to a few times a second), and so is the evaluation against
// imported labels (footer summary and the modeless "Evaluate…" window).
#pragma once

#include <QObject>
#include <QPointer>
#include <QThread>
#include <QThreadPool>
#include <atomic>
#include <memory>

#include "inference_backend.h"
#include "moderation.h"
#include "moderation_eval.h"
#include "moderation_eval_dialog.h"

namespace sightline::ui {
class ReviewWidget;
}

namespace sightline::app {

class ModerationController : public QObject {
    Q_OBJECT
public:
    // options: audit key and checkpoint paths (defaults: see moderation::StoreOptions).
    ModerationController(ui::ReviewWidget* widget, std::shared_ptr<const InferenceBackend> backend, const QString& dbPath,
                         const QString& reviewer, QObject* parent = nullptr, moderation::StoreOptions options = {});
    ~ModerationController() override;  // cancels, quits and waits for the runner thread, writes an audit checkpoint

    // Adds the queue's items; warnings (converted text, missing images) go to the widget's notice.
    void importQueue(const QString& path);
    void run();  // refused with problem() when the backend has no model
    void setPaused(bool paused) { m_pause.store(paused); }
    void cancel() { m_cancel.store(true); }
    // .csv or .jsonl, written on a pool thread (a large queue never stalls the window); exported()
    // says when it is done (error empty) or why not.
    void exportTo(const QString& path);
    void refresh();
    void editPolicy(QWidget* parent);  // dialog; saves to policy.json beside the database
    const moderation::Policy& policy() const { return m_policy; }
    bool running() const { return m_running.load(); }
    moderation::ModerationStore& store() { return *m_store; }
    // Labels (id,label,category CSV) to evaluate the queue's verdicts against; replaces earlier ones.
    // A malformed file is refused with problem() naming the row; the earlier labels stay.
    bool importLabels(const QString& path);
    void chooseLabels(QWidget* parent);  // file dialog, then importLabels
    // Opens (or raises) the evaluation window; it follows the queue until closed.
    void showEvaluation();
    ui::ModerationEvalDialog* evaluationDialog() const { return m_evalDialog; }
    // The evaluation of the current queue against the labels (nullopt without labels).
    std::optional<moderation::EvalReport> evaluation() const;

Q_SIGNALS:
    void problem(const QString& message);
    void exported(const QString& path, const QString& error);

private:
    void onDecision(const QString& id, const QString& decision, const QString& note, double reviewMs);
    void onUndo(const QString& id);
    void scheduleMetrics();  // GUI thread
    void updateMetrics();
    bool m_metricsPending = false;
    std::vector<moderation::LabelRow> m_labels;
    QString m_labelsPath;
    QPointer<ui::ModerationEvalDialog> m_evalDialog;  // child of the widget, made on first use
    ui::ReviewWidget* m_widget;
    std::shared_ptr<const InferenceBackend> m_backend;
    std::unique_ptr<moderation::ModerationStore> m_store;
    QString m_reviewer;
    QString m_policyPath;
    moderation::Policy m_policy;
    std::atomic<bool> m_pause{false}, m_cancel{false}, m_running{false};
    QThread m_thread;                  // the runner's; started in the constructor
    QThreadPool m_exportPool;          // after m_store: destroyed (waited for) before the store goes
    class ModerationRunner* m_runner;  // lives on m_thread; deleted by its finished → deleteLater
};

}  // namespace sightline::app
