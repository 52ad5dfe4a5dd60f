// The moderation pipeline over a store's pending items.
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "moderation.h"
#include "sightline/request_rules.h"
#include "sightline/untrusted.h"

namespace sightline::moderation {

std::vector<ChatMessage> buildItemMessages(const QueueItem& item, const Policy& policy, bool retry) {
    // Read once, safely (regular files only, size-capped, never blocking), then decoded from memory.
    const std::string bytes = readImageFile(item.imagePath);
    auto image = std::make_shared<RgbImage>(decodeImage(std::vector<uint8_t>(bytes.begin(), bytes.end()), item.imagePath));
    std::string text =
        "Listing title: " + item.title + "\nListing description: " + item.text + "\n\nJudge this listing. Reply with the JSON object only.";
    if (retry) text += " Your previous reply was not valid JSON of the required form: reply with exactly one JSON object.";
    return {buildMessage(Role::System, policy.render()),
            buildMessage(Role::User, std::move(text), {imagePart(std::move(image), item.imagePath)})};
}

namespace {

using Clock = std::chrono::steady_clock;

// One item on its way through the backend: its judgement so far and the attempt in flight.
struct InFlight {
    QueueItem item;
    ModerationStore::Judgement judgement;
    int attempt = 0;
    Clock::time_point start;
    std::future<GenerateResult> future;
};

enum class Outcome { Pending, Done, Cancelled };

bool ready(std::future<GenerateResult>& f, std::chrono::milliseconds wait) {
    // A deferred future (a synchronous judge) runs when asked for its result: ready now.
    return f.wait_for(wait) != std::future_status::timeout;
}

}  // namespace

void runModeration(ModerationStore& store, const JudgeFn& judge, const RunOptions& o, const std::function<void(const ItemRecord&)>& onItem,
                   const std::function<void(const RunProgress&)>& onProgress, const std::atomic<bool>* cancel,
                   const std::atomic<bool>* pause) {
    // A synchronous judge runs when its result is asked for, on this thread, one item at a time.
    const SubmitFn submit = [&judge](const std::vector<ChatMessage>& m, const GenerationParams& p, const std::atomic<bool>* c) {
        return std::async(std::launch::deferred, [&judge, m, p, c] { return judge(m, p, c); });
    };
    runModeration(store, submit, o, onItem, onProgress, cancel, pause);
}

void runModeration(ModerationStore& store, const SubmitFn& submit, const RunOptions& o,
                   const std::function<void(const ItemRecord&)>& onItem, const std::function<void(const RunProgress&)>& onProgress,
                   const std::atomic<bool>* cancel, const std::atomic<bool>* pause) {
    const std::vector<QueueItem> todo = store.pending();
    size_t next = 0;
    RunProgress progress;
    progress.total = static_cast<int64_t>(todo.size());
    const auto t0 = Clock::now();
    const std::string sampling = nlohmann::json({{"temperature", o.params.sampling.temperature},
                                                 {"top_p", o.params.sampling.topP},
                                                 {"top_k", o.params.sampling.topK},
                                                 {"repetition_penalty", o.params.sampling.repetitionPenalty},
                                                 {"max_new_tokens", o.params.maxNewTokens},
                                                 {"thinking", o.params.enableThinking}})
                                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // An outage (RunOptions::isOutage) stops the run as a cancel does: what it hits stays pending.
    bool outage = false;
    auto cancelled = [&] { return outage || (cancel && cancel->load()); };
    auto isOutage = [&](const std::exception& e) {
        if (!o.isOutage || !o.isOutage(e)) return false;
        if (!outage) progress.outage = e.what();
        outage = true;
        return true;
    };

    // Sends f's current attempt. A failure before it is queued (an unreadable image, no model) is
    // this item's error: Done; while cancelling, Cancelled.
    auto send = [&](InFlight& f) -> Outcome {
        GenerationParams params = o.params;
        params.topLogprobs = 0;
        params.sampling.seed = o.params.sampling.seed + static_cast<uint64_t>(f.attempt);
        f.judgement.seed = params.sampling.seed;
        try {
            // Each item is its own request: a fresh conversation, no history between items.
            f.future = submit(buildItemMessages(f.item, o.policy, f.attempt > 0), params, cancel);
            return Outcome::Pending;
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::Cancelled || isOutage(e) || cancelled()) return Outcome::Cancelled;
            f.judgement.verdict.reset();
            f.judgement.error = e.what();
        } catch (const std::exception& e) {
            if (isOutage(e) || cancelled()) return Outcome::Cancelled;
            f.judgement.verdict.reset();
            f.judgement.error = std::string("internal error: ") + e.what();
        }
        return Outcome::Done;
    };

    // Takes f's finished attempt: a verdict, a retry after malformed output, or the item's error.
    auto receive = [&](InFlight& f) -> Outcome {
        ModerationStore::Judgement& j = f.judgement;
        try {
            const GenerateResult r = f.future.get();
            if (r.finishReason == FinishReason::Cancelled) return Outcome::Cancelled;
            j.raw = r.text;
            j.promptTokens += r.promptTokens;
            // A remote server may send no token ids: its count of generated tokens then.
            j.outputTokens += std::max(static_cast<int64_t>(r.outputIds.size()), r.stats.generatedTokens);
            std::string why;
            if (auto v = parseVerdict(r.text, &why)) {
                v->confidence = verdictTokenProbability(r);
                j.verdict = v;
                j.error.clear();
                return Outcome::Done;
            }
            j.error = kUnparsedOutputError + why;
            if (f.attempt >= o.retries) return Outcome::Done;
            ++f.attempt;
            return send(f);
        } catch (const Error& e) {
            // A request that fails while the run is being cancelled (model unloading) is cancelled.
            if (e.kind() == ErrorKind::Cancelled || isOutage(e) || cancelled()) return Outcome::Cancelled;
            j.verdict.reset();
            j.error = e.what();  // bad image, OOM, engine failure: this item fails, the queue goes on
        } catch (const std::exception& e) {
            if (isOutage(e) || cancelled()) return Outcome::Cancelled;
            j.verdict.reset();
            j.error = std::string("internal error: ") + e.what();
        } catch (...) {
            if (cancelled()) return Outcome::Cancelled;
            j.verdict.reset();
            j.error = "internal error (unknown exception)";
        }
        return Outcome::Done;
    };

    // Writes j; when that fails (the text could not be stored, the database refused), the item is
    // written again as an error that names why. Returns whether a record was written.
    std::string firstWriteError;
    auto record = [&](ModerationStore::Judgement& j) -> bool {
        try {
            return store.recordJudgement(j);
        } catch (const std::exception& e) {
            j.verdict.reset();
            j.error = std::string("could not record the judgement: ") + e.what();
        } catch (...) {
            j.verdict.reset();
            j.error = "could not record the judgement (unknown exception)";
        }
        try {
            ModerationStore::Judgement failed = j;
            failed.raw = toValidUtf8(j.raw);
            failed.samplingJson.clear();
            return store.recordJudgement(failed);
        } catch (const std::exception& e) {
            if (firstWriteError.empty()) firstWriteError = e.what();  // the database itself fails: the item stays pending
        } catch (...) {
            if (firstWriteError.empty()) firstWriteError = "unknown exception";
        }
        return false;
    };

    // Time spent paused does not count towards the rate.
    double pausedSeconds = 0;
    auto finish = [&](InFlight& f) {
        ModerationStore::Judgement& j = f.judgement;
        j.latencyMs = std::chrono::duration<double, std::milli>(Clock::now() - f.start).count();
        if (!record(j)) {
            ++progress.failedWrites;
            return;
        }
        ++progress.done;
        if (!j.verdict) ++progress.errors;
        const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count() - pausedSeconds;
        progress.itemsPerMinute = elapsed > 0 ? 60.0 * static_cast<double>(progress.done) / elapsed : 0;
        progress.etaSeconds =
            progress.itemsPerMinute > 0 ? 60.0 * static_cast<double>(progress.total - progress.done) / progress.itemsPerMinute : 0;
        try {
            if (onItem)
                if (auto rec = store.item(j.id)) onItem(*rec);
            if (onProgress) onProgress(progress);
        } catch (...) {
            // A callback that throws (a closed pipe, a full GUI queue) must not end the run.
        }
    };

    // Up to `parallel` items in flight on the backend (its scheduler decodes them as one batch);
    // this thread only submits, waits and writes. Pause stops new items, not those in flight.
    const size_t width = static_cast<size_t>(std::max(1, o.parallel));
    std::vector<InFlight> flight;
    auto refill = [&] {
        while (!cancelled() && !(pause && pause->load()) && flight.size() < width && next < todo.size()) {
            InFlight f;
            f.item = todo[next++];
            f.judgement.id = f.item.id;
            f.judgement.policyVersion = o.policy.version;
            f.judgement.modelId = o.modelId;
            f.judgement.samplingJson = sampling;
            f.start = Clock::now();
            const Outcome first = send(f);
            if (first == Outcome::Done)
                finish(f);
            else if (first == Outcome::Pending)
                flight.push_back(std::move(f));  // Cancelled: judged on the next run
        }
    };
    while (true) {
        refill();
        if (flight.empty()) {
            if (cancelled() || next >= todo.size()) break;
            const auto since = Clock::now();  // paused with nothing in flight
            while (pause && pause->load() && !cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            pausedSeconds += std::chrono::duration<double>(Clock::now() - since).count();
            continue;
        }
        std::vector<InFlight> done;
        bool progressed = false;
        for (size_t i = 0; i < flight.size();) {
            if (!ready(flight[i].future, std::chrono::milliseconds(0))) {
                ++i;
                continue;
            }
            progressed = true;
            const Outcome out = receive(flight[i]);
            if (out == Outcome::Pending) {  // a retry went out
                ++i;
                continue;
            }
            if (out == Outcome::Done) done.push_back(std::move(flight[i]));
            flight.erase(flight.begin() + static_cast<std::ptrdiff_t>(i));  // cancelled: not written, judged on the next run
        }
        if (done.empty()) {
            if (!progressed) ready(flight.front().future, std::chrono::milliseconds(20));  // nothing finished yet: wait a little
            continue;
        }
        refill();  // the next items go out before this thread spends time writing the finished ones
        for (InFlight& f : done) finish(f);
    }
    if (!firstWriteError.empty()) progress.warning = "items could not be written and stay pending: " + firstWriteError;
    if (outage)
        progress.warning += (progress.warning.empty() ? "" : "; ") + std::string("stopped, the backend is unavailable (") +
                            progress.outage + "): the items not judged stay pending for the next run";
    // A signed (count, last hash) outside the database: a log cut short after this shows in verify.
    try {
        store.writeCheckpoint();
    } catch (const std::exception& e) {
        progress.warning += (progress.warning.empty() ? "" : "; ") + std::string("audit checkpoint not written: ") + e.what();
    }
    if (!progress.warning.empty() && onProgress) {
        try {
            onProgress(progress);
        } catch (...) {
        }
    }
}

}  // namespace sightline::moderation
