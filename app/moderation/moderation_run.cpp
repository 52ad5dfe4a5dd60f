// The moderation pipeline over a store's pending items.
#include <chrono>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <system_error>
#include <thread>

#include "moderation.h"
#include "sightline/untrusted.h"

namespace sightline::moderation {

std::vector<ChatMessage> buildItemMessages(const QueueItem& item, const Policy& policy, bool retry) {
    std::vector<ChatMessage> m;
    m.push_back(ChatMessage::text(Role::System, policy.render()));
    ChatMessage user;
    user.role = Role::User;
    ContentPart img;
    img.type = ContentPart::Type::Image;
    img.imageSource = item.imagePath;
    // Read once, safely (regular files only, size-capped, never blocking), then decoded from memory.
    const std::string bytes = readImageFile(item.imagePath);
    img.image = std::make_shared<RgbImage>(decodeImage(std::vector<uint8_t>(bytes.begin(), bytes.end()), item.imagePath));
    user.content.push_back(img);
    ContentPart t;
    t.text = "Listing title: " + item.title + "\nListing description: " + item.text + "\n\nJudge this listing. Reply with the JSON object only.";
    if (retry) t.text += " Your previous reply was not valid JSON of the required form: reply with exactly one JSON object.";
    user.content.push_back(t);
    m.push_back(std::move(user));
    return m;
}

void runModeration(ModerationStore& store, const JudgeFn& judge, const RunOptions& o, const std::function<void(const ItemRecord&)>& onItem,
                   const std::function<void(const RunProgress&)>& onProgress, const std::atomic<bool>* cancel,
                   const std::atomic<bool>* pause) {
    const std::vector<QueueItem> todo = store.pending();
    std::mutex mutex;  // guards next, progress, callbacks
    size_t next = 0;
    RunProgress progress;
    progress.total = static_cast<int64_t>(todo.size());
    const auto t0 = std::chrono::steady_clock::now();
    nlohmann::json sampling = {{"temperature", o.params.sampling.temperature}, {"top_p", o.params.sampling.topP},
                               {"top_k", o.params.sampling.topK}, {"repetition_penalty", o.params.sampling.repetitionPenalty},
                               {"max_new_tokens", o.params.maxNewTokens}, {"thinking", o.params.enableThinking}};

    // Judges one item into j. Returns false when the item was cancelled (left pending for the next
    // run). Any other failure is this item's error: the queue goes on.
    auto judgeItem = [&](const QueueItem& item, ModerationStore::Judgement& j) -> bool {
        GenerationParams params = o.params;
        params.topLogprobs = 0;
        try {
            for (int attempt = 0; attempt <= o.retries; ++attempt) {
                params.sampling.seed = o.params.sampling.seed + static_cast<uint64_t>(attempt);
                j.seed = params.sampling.seed;
                // Each item is its own request: a fresh conversation, no history between items.
                const GenerateResult r = judge(buildItemMessages(item, o.policy, attempt > 0), params, cancel);
                if (r.finishReason == FinishReason::Cancelled) return false;
                j.raw = r.text;
                j.promptTokens += r.promptTokens;
                j.outputTokens += static_cast<int64_t>(r.outputIds.size());
                std::string why;
                auto v = parseVerdict(r.text, &why);
                if (v) {
                    v->confidence = verdictTokenProbability(r);
                    j.verdict = v;
                    j.error.clear();
                    break;
                }
                j.error = "Model output could not be read: " + why;
            }
        } catch (const Error& e) {
            // A request that fails while the run is being cancelled (model unloading) is cancelled.
            if (e.kind() == ErrorKind::Cancelled || (cancel && cancel->load())) return false;
            j.verdict.reset();
            j.error = e.what();  // bad image, OOM, engine failure: this item fails, the queue goes on
        } catch (const std::exception& e) {
            if (cancel && cancel->load()) return false;
            j.verdict.reset();
            j.error = std::string("internal error: ") + e.what();
        } catch (...) {
            if (cancel && cancel->load()) return false;
            j.verdict.reset();
            j.error = "internal error (unknown exception)";
        }
        return true;
    };

    // Writes j; when that fails (the text could not be stored, the database refused), the item is
    // written again as an error that names why. Returns whether a record was written.
    std::string firstWriteError;  // guarded by mutex
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
            std::lock_guard lock(mutex);  // the database itself fails: the item stays pending for the next run
            if (firstWriteError.empty()) firstWriteError = e.what();
        } catch (...) {
            std::lock_guard lock(mutex);
            if (firstWriteError.empty()) firstWriteError = "unknown exception";
        }
        return false;
    };

    // Time spent paused does not count towards the rate (guarded by mutex).
    double pausedSeconds = 0;
    std::optional<std::chrono::steady_clock::time_point> pausedSince;
    auto notePause = [&](bool paused) {
        std::lock_guard lock(mutex);
        const auto now = std::chrono::steady_clock::now();
        if (paused && !pausedSince) pausedSince = now;
        if (!paused && pausedSince) {
            pausedSeconds += std::chrono::duration<double>(now - *pausedSince).count();
            pausedSince.reset();
        }
    };

    auto worker = [&] {
        while (true) {
            if (cancel && cancel->load()) return;
            if (pause && pause->load()) {
                notePause(true);
                while (pause->load() && !(cancel && cancel->load())) std::this_thread::sleep_for(std::chrono::milliseconds(50));
                notePause(false);
            }
            if (cancel && cancel->load()) return;
            QueueItem item;
            {
                std::lock_guard lock(mutex);
                if (next >= todo.size()) return;
                item = todo[next++];
            }
            ModerationStore::Judgement j;
            j.id = item.id;
            j.policyVersion = o.policy.version;
            j.modelId = o.modelId;
            j.samplingJson = sampling.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            const auto start = std::chrono::steady_clock::now();
            if (!judgeItem(item, j)) continue;  // cancelled: not written, judged on the next run
            j.latencyMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            const bool written = record(j);
            try {
                std::lock_guard lock(mutex);
                if (!written) {
                    ++progress.failedWrites;
                    continue;
                }
                ++progress.done;
                if (!j.verdict) ++progress.errors;
                const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() - pausedSeconds;
                progress.itemsPerMinute = elapsed > 0 ? 60.0 * static_cast<double>(progress.done) / elapsed : 0;
                progress.etaSeconds = progress.itemsPerMinute > 0
                                          ? 60.0 * static_cast<double>(progress.total - progress.done) / progress.itemsPerMinute
                                          : 0;
                if (onItem)
                    if (auto rec = store.item(j.id)) onItem(*rec);
                if (onProgress) onProgress(progress);
            } catch (...) {
                // A callback that throws (a closed pipe, a full GUI queue) must not end the run.
            }
        }
    };
    const int n = std::max(1, o.parallel);
    std::vector<std::thread> threads;
    for (int i = 1; i < n; ++i) {
        try {
            threads.emplace_back(worker);
        } catch (const std::system_error&) {
            break;  // no more threads: the run goes on with fewer in flight
        }
    }
    worker();
    for (auto& t : threads) t.join();
    if (!firstWriteError.empty())
        progress.warning = "items could not be written and stay pending: " + firstWriteError;
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
