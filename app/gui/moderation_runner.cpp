#include "moderation_runner.h"

#include <QCoreApplication>

#include "sightline/error.h"

namespace sightline::app {

ui::ReviewItem toReviewItem(const moderation::ItemRecord& r) {
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

ModerationRunner::ModerationRunner(std::shared_ptr<const InferenceBackend> backend, moderation::ModerationStore* store,
                                   const std::atomic<bool>* cancel, const std::atomic<bool>* pause)
    : m_backend(std::move(backend)), m_store(store), m_cancel(cancel), m_pause(pause) {}

void ModerationRunner::run(const moderation::RunOptions& options) {
    QString error;
    try {  // the thread's top: nothing may escape it
        const auto backend = m_backend;
        moderation::runModeration(
            *m_store,
            moderation::SubmitFn([backend](const std::vector<ChatMessage>& m, const GenerationParams& p, const std::atomic<bool>* c) {
                return backend->submit(RequestSource::Moderation, m, p, {}, c);
            }),
            options, [this](const moderation::ItemRecord& r) { Q_EMIT itemFinished(toReviewItem(r)); },
            [this](const moderation::RunProgress& p) {
                Q_EMIT progress(int(p.done), int(p.total), int(p.errors), p.itemsPerMinute, p.etaSeconds);
                if (!p.warning.empty()) Q_EMIT warning(QString::fromStdString(repairUtf8(p.warning)));
            },
            m_cancel, m_pause);
    } catch (const std::exception& e) {
        error = QString::fromStdString(repairUtf8(e.what()));
    } catch (...) {
        // The controller's context: the message is translated there (translations/*.ts).
        error = QCoreApplication::translate("sightline::app::ModerationController", "The moderation run stopped on an unknown error.");
    }
    Q_EMIT finished(error);
}

}  // namespace sightline::app
