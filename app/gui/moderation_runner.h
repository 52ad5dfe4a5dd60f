// The moderation queue's worker: lives on the moderation QThread owned by ModerationController
// (moveToThread; deleted by finished → deleteLater). run() submits the queue's items through the
// shared backend, several in flight so the scheduler decodes them as a batch, and waits for them
// on this thread; nothing else touches the model here.
// Stop and pause are atomics owned by the controller and set from the GUI thread (a queued "stop"
// could not run while run() is busy). Every signal is delivered queued to the GUI thread. Nothing
// thrown inside run() escapes it: a failing item is marked error by the pipeline, anything else
// ends the run with finished(error).
#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <memory>

#include "inference_backend.h"
#include "moderation.h"
#include "review_widget.h"

namespace sightline::app {

class ModerationRunner : public QObject {
    Q_OBJECT
public:
    // store, cancel and pause are the controller's and outlive this runner (the controller's
    // destructor stops and waits for the thread first).
    ModerationRunner(std::shared_ptr<const InferenceBackend> backend, moderation::ModerationStore* store, const std::atomic<bool>* cancel,
                     const std::atomic<bool>* pause);

    // On the runner's thread (the controller invokes it queued). Blocks until the queue is done or
    // cancelled.
    void run(const moderation::RunOptions& options);

Q_SIGNALS:
    void itemFinished(const sightline::ui::ReviewItem& item);
    void progress(int done, int total, int errors, double itemsPerMinute, double etaSeconds);
    void warning(const QString& message);
    void finished(const QString& error);  // empty unless the run stopped on an error

private:
    std::shared_ptr<const InferenceBackend> m_backend;
    moderation::ModerationStore* m_store;
    const std::atomic<bool>* m_cancel;
    const std::atomic<bool>* m_pause;
};

// One store record as the review widget shows it.
ui::ReviewItem toReviewItem(const moderation::ItemRecord& record);

}  // namespace sightline::app

Q_DECLARE_METATYPE(sightline::ui::ReviewItem)
