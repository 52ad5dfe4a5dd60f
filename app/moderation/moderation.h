// Moderation review station, the Qt-free part: queue import, policy, verdict parsing, SQLite store
// (WAL) with an append-only hash-chained audit log, PII masking, export and metrics, and the
// pipeline that runs the model over a queue. Used by `sightline-cli moderate` and by the app.
//
// Threads: a ModerationStore is one SQLite connection guarded by its own mutex: any thread may
// call it. runModeration() may judge several items at once (one engine request each).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sightline/engine.h"

struct sqlite3;

namespace sightline::moderation {

struct QueueItem {
    std::string id;  // the input's own id (or the file name / line number when absent)
    std::string imagePath;
    std::string title;
    std::string text;
    std::string imageSha256;
    std::string duplicateOf;  // id of an earlier item with the same image hash and text, or ""
};

// Folder of images (sorted by name), CSV with a header naming `image` and optional `title`,
// `text`, `id` columns (RFC 4180 quoting), or JSONL objects with the same keys. Relative image
// paths are resolved against the input's folder. Throws Error(BadInput) naming file and line.
std::vector<QueueItem> importQueue(const std::string& path);
std::string sha256Hex(const std::string& bytes);
std::string sha256OfFile(const std::string& path);

struct Policy {
    std::string version;  // explicit "version", or "sha256:<12 hex>" of the content
    std::string name;
    std::string systemPrompt;
    std::vector<std::string> rules;
    std::string render() const;  // the system prompt the model sees
};
Policy defaultPolicy();                        // e-commerce listings
Policy loadPolicy(const std::string& path);    // JSON {name, version?, system_prompt, rules[]} or plain text
// Writes the policy as JSON with version "sha256:<12 hex>" of its content; returns that version.
std::string savePolicy(const Policy& policy, const std::string& path);

enum class VerdictKind { Approve, Reject, Review };
const char* verdictName(VerdictKind v);

struct Verdict {
    VerdictKind verdict = VerdictKind::Review;
    std::vector<std::string> reasons;
    std::vector<std::string> categories;
    double confidence = 0;       // the model's probability of the verdict token
    double statedConfidence = -1;  // what the text claims (kept, not used)
    bool repaired = false;
};

// Extracts the verdict JSON from model output: ignores <think> blocks, code fences and text
// around the object; repairs trailing commas, single quotes, unquoted keys and truncation.
// Returns nullopt (with *error) when no valid verdict can be recovered.
std::optional<Verdict> parseVerdict(const std::string& output, std::string* error = nullptr);

// Masks phone numbers, e-mail addresses and ID-like numbers (for the audit log).
std::string maskPersonalData(const std::string& text);

enum class HumanDecision { Approve, Reject, Escalate };
const char* decisionName(HumanDecision d);

struct ItemRecord {
    QueueItem item;
    std::string status;  // pending, judged, error
    std::optional<Verdict> verdict;
    std::string raw;
    double latencyMs = 0;
    int64_t promptTokens = 0, outputTokens = 0;
    std::string policyVersion, modelId;
    std::string decision;  // "", approve, reject, escalate
    std::string note, reviewer;
    double reviewMs = 0;
};

struct Metrics {
    int64_t items = 0, judged = 0, errors = 0, decided = 0;
    double itemsPerHour = 0;       // model judgements per hour of judging time
    double agreement = 0;          // decided items where human == model (escalate vs review counts as agree)
    double overrideRate = 0;       // 1 - agreement over decided items
    double medianReviewMs = 0;
};

class ModerationStore {
public:
    explicit ModerationStore(const std::string& path);  // creates tables; WAL journal
    ~ModerationStore();
    ModerationStore(const ModerationStore&) = delete;
    ModerationStore& operator=(const ModerationStore&) = delete;

    // Adds items not yet in the queue (by id); returns how many were new.
    int addItems(const std::vector<QueueItem>& items);
    std::vector<QueueItem> pending() const;
    std::vector<ItemRecord> items() const;
    std::optional<ItemRecord> item(const std::string& id) const;

    struct Judgement {
        std::string id;
        std::optional<Verdict> verdict;  // nullopt: error
        std::string raw, error;
        double latencyMs = 0;
        int64_t promptTokens = 0, outputTokens = 0;
        std::string policyVersion, modelId;
        std::string samplingJson;
        uint64_t seed = 0;
    };
    // Writes the judgement and its audit record in one transaction. Refuses (returns false) an item
    // that is already judged: no item is judged twice.
    bool recordJudgement(const Judgement& j);
    void recordDecision(const std::string& id, HumanDecision d, const std::string& reviewer, const std::string& note, double reviewMs);

    // Audit chain: each record's hash covers its JSON and the previous hash.
    struct AuditCheck {
        bool ok = true;
        int64_t records = 0;
        int64_t firstBadSeq = -1;
        std::string message;
    };
    AuditCheck verifyAudit() const;
    int64_t auditCount(const std::string& itemId = {}) const;

    std::string exportCsv() const;
    std::string exportJsonl() const;
    Metrics metrics() const;

    sqlite3* rawHandle() { return m_db; }  // tests (tampering)

private:
    void exec(const std::string& sql) const;
    std::optional<ItemRecord> findLocked(const std::string& id) const;  // caller holds m_mutex
    void appendAudit(const std::string& itemId, const std::string& recordJson);
    mutable std::mutex m_mutex;
    sqlite3* m_db = nullptr;
    std::string m_path;
};

struct RunOptions {
    Policy policy = defaultPolicy();
    std::string modelId;
    GenerationParams params;   // temperature 0 (greedy) by default; seed recorded per item
    int parallel = 1;          // requests in flight
    int retries = 1;           // re-asks after malformed output
};

struct RunProgress {
    int64_t done = 0, total = 0, errors = 0;
    double itemsPerMinute = 0;
    double etaSeconds = 0;
};

// What judges one item: the engine in production, a script in tests.
using JudgeFn = std::function<GenerateResult(const std::vector<ChatMessage>&, const GenerationParams&, const std::atomic<bool>*)>;

// Judges every pending item of the store; each result is written as it completes (resumable).
// onItem gets each finished record (for --json lines); pause is polled between items.
void runModeration(ModerationStore& store, const JudgeFn& judge, const RunOptions& options,
                   const std::function<void(const ItemRecord&)>& onItem = {}, const std::function<void(const RunProgress&)>& onProgress = {},
                   const std::atomic<bool>* cancel = nullptr, const std::atomic<bool>* pause = nullptr);

// The messages one item is judged with (no history: each item is an isolated request).
std::vector<ChatMessage> buildItemMessages(const QueueItem& item, const Policy& policy, bool retry);
// Probability of the verdict token, from per-token logprobs of the output.
double verdictTokenProbability(const GenerateResult& result);

}  // namespace sightline::moderation
