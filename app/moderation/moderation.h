// Moderation review station, the Qt-free part: queue import, policy, verdict parsing, SQLite store
// (WAL) with an append-only audit log chained with HMAC-SHA256 under a key kept outside the
// database, PII masking, export and metrics, and the pipeline that runs the model over a queue.
// Used by `sightline-cli moderate` and by the app.
//
// Everything from outside (queue files, policy files, model output) is untrusted: JSON is parsed
// with parseJsonLimited, text is made valid UTF-8 before it is written as JSON, image paths are
// read only when they name a regular file under kMaxImageFileBytes (never blocking on a FIFO).
//
// Threads: a ModerationStore is one SQLite connection guarded by its own mutex: any thread may
// call it. runModeration() may have several items in flight (one backend request each); an
// exception while judging or recording one item fails that item, never the run or the process.
#pragma once

#include <atomic>
#include <functional>
#include <future>
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

// What an import noticed without refusing the queue.
struct ImportReport {
    std::vector<std::string> warnings;         // e.g. a row whose text was not UTF-8 (named by row/line)
    int64_t missingImages = 0;                 // images that do not exist or cannot be read as a file
    std::vector<std::string> missingExamples;  // the first few of them, with the reason
    std::string summary() const;               // one line for a person; "" when there is nothing to say
};

// Folder of images (sorted by name), CSV with a header naming `image` and optional `title`,
// `text`, `id` columns (RFC 4180 quoting), or JSONL objects with the same keys. Relative image
// paths are resolved against the input's folder. Throws Error(BadInput) naming file and line.
// Text that is not UTF-8 is read as Windows-1252 (Latin-1) and converted, with a warning naming
// the row; missing or unreadable images are counted (the item fails with the reason when judged).
std::vector<QueueItem> importQueue(const std::string& path, ImportReport* report = nullptr);

// Image files: regular files only, at most this many bytes (the decoder's own limit).
inline constexpr int64_t kMaxImageFileBytes = int64_t(512) << 20;
// Reads an image file for judging or hashing. Opens without blocking (a FIFO is refused, not
// waited on), refuses anything that is not a regular file (/dev/zero, a folder) and files over
// maxBytes. Throws Error(BadInput) with the reason.
std::string readImageFile(const std::string& path, int64_t maxBytes = kMaxImageFileBytes);

// Any input file (queue, labels): the same rules as readImageFile; `what` names the file's role
// in the messages ("labels" → "no such labels file", "over the labels limit").
std::string readInputFile(const std::string& path, int64_t maxBytes, const std::string& what);

// RFC 4180 CSV (quoted fields may hold commas, "" and newlines): calls onRecord once per record
// with its 1-based number (a quoted newline does not start a record; a blank line is a record of
// one empty field). onRecord may move the fields out. Throws Error(BadInput) naming `where` for an
// unterminated quote. Memory: one record at a time.
void forEachCsvRecord(const std::string& text, const std::string& where,
                      const std::function<void(size_t number, std::vector<std::string>& fields)>& onRecord);

// The prefix of an item's error when the model answered but no verdict could be read from it (the
// other errors are the engine's or the image's).
inline constexpr const char* kUnparsedOutputError = "Model output could not be read: ";

std::string sha256Hex(const std::string& bytes);
// "" when the file cannot be read (with the reason in *error).
std::string sha256OfFile(const std::string& path, std::string* error = nullptr);
std::string hmacSha256Hex(const std::string& key, const std::string& data);

// Text of unknown encoding as UTF-8: valid UTF-8 unchanged, anything else decoded as
// Windows-1252 (Latin-1 with the 0x80-0x9F punctuation). *converted says whether it was.
std::string decodeLegacyText(const std::string& bytes, bool* converted = nullptr);

struct Policy {
    std::string version;  // explicit "version", or "sha256:<12 hex>" of the content
    std::string name;
    std::string systemPrompt;
    std::vector<std::string> rules;
    std::string render() const;  // the system prompt the model sees
};
Policy defaultPolicy();                      // e-commerce listings
Policy loadPolicy(const std::string& path);  // JSON {name, version?, system_prompt, rules[]} or plain text
// Writes the policy as JSON with version "sha256:<12 hex>" of its content; returns that version.
std::string savePolicy(const Policy& policy, const std::string& path);

enum class VerdictKind { Approve, Reject, Review };
const char* verdictName(VerdictKind v);

struct Verdict {
    VerdictKind verdict = VerdictKind::Review;
    std::vector<std::string> reasons;
    std::vector<std::string> categories;
    double confidence = 0;         // the model's probability of the verdict token
    double statedConfidence = -1;  // what the text claims (kept, not used)
    bool repaired = false;
};

// Extracts the verdict JSON from model output: ignores <think> blocks, code fences and text
// around the object; repairs trailing commas, single quotes, unquoted keys and truncation.
// Returns nullopt (with *error) when no valid verdict can be recovered.
std::optional<Verdict> parseVerdict(const std::string& output, std::string* error = nullptr);

// Masks phone numbers, e-mail addresses and ID-like numbers (for the audit log). Linear time and
// constant stack on any input (hand-written scanners, no backtracking regex).
std::string maskPersonalData(const std::string& text);

enum class HumanDecision { Approve, Reject, Escalate };
const char* decisionName(HumanDecision d);

struct ItemRecord {
    QueueItem item;
    std::string status;  // pending, judged, error
    std::optional<Verdict> verdict;
    std::string raw;
    std::string error;  // why status is "error": unreadable image, unparsable output, engine failure
    double latencyMs = 0;
    int64_t promptTokens = 0, outputTokens = 0;
    std::string policyVersion, modelId;
    std::string decision;  // "", approve, reject, escalate
    std::string note, reviewer;
    double reviewMs = 0;
};

struct Metrics {
    int64_t items = 0, judged = 0, errors = 0, decided = 0;
    double itemsPerHour = 0;  // model judgements per hour of judging time
    double agreement = 0;     // decided items where human == model (escalate vs review counts as agree)
    double overrideRate = 0;  // 1 - agreement over decided items
    double medianReviewMs = 0;
};

// Where the audit key lives: $SIGHTLINE_AUDIT_KEY, else $XDG_CONFIG_HOME/sightline/audit.key,
// else ~/.config/sightline/audit.key. The key is 32 random bytes (hex), file mode 0600, created
// on first use; whoever holds it can write (and forge) audit records, nobody else can.
std::string defaultAuditKeyPath();

struct StoreOptions {
    std::string keyPath;         // "" = defaultAuditKeyPath()
    std::string checkpointPath;  // "" = <database>.checkpoints (signed (count, last hash) lines)
};

class ModerationStore {
public:
    // Creates tables (WAL journal) and migrates older databases: an error column, and an audit log
    // written before keyed chaining is re-anchored by one keyed record over its last hash.
    explicit ModerationStore(const std::string& path, StoreOptions options = {});
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
    // that is already judged: no item is judged twice. All text is stored as valid UTF-8.
    bool recordJudgement(const Judgement& j);
    void recordDecision(const std::string& id, HumanDecision d, const std::string& reviewer, const std::string& note, double reviewMs);
    // Takes back the item's human decision (it is undecided again); audited as "decision_undone".
    void undoDecision(const std::string& id, const std::string& reviewer);

    // Audit log: record i's hash is HMAC-SHA256(key, hash(i-1) + "\n" + record JSON). Records from
    // before keyed chaining ("legacy", plain SHA-256) stay verifiable and are sealed by the first
    // keyed record (an "audit_anchor" over their last hash).
    struct AuditCheck {
        bool ok = true;
        int64_t records = 0;
        int64_t legacyRecords = 0;
        int64_t firstBadSeq = -1;
        int64_t checkpointCount = -1;  // the latest signed checkpoint's count, -1 when none
        std::string message;           // every problem found, "; "-separated, or a summary
    };
    // Checks the chain with the key, each item's current verdict and decision against its latest
    // audit record, that the log is not shorter than the latest signed checkpoint, and that the
    // append-only triggers are in place. Never creates a key.
    AuditCheck verifyAudit() const;
    int64_t auditCount(const std::string& itemId = {}) const;
    // Appends a signed checkpoint (count, last hash) to the checkpoint file; returns the count.
    int64_t writeCheckpoint();
    const std::string& checkpointPath() const { return m_options.checkpointPath; }
    const std::string& keyPath() const { return m_options.keyPath; }

    std::string exportCsv() const;
    std::string exportJsonl() const;
    Metrics metrics() const;

    sqlite3* rawHandle() { return m_db; }  // tests (tampering)

private:
    void exec(const std::string& sql) const;
    void migrate();
    std::optional<ItemRecord> findLocked(const std::string& id) const;           // caller holds m_mutex
    void appendAudit(const std::string& itemId, const std::string& recordJson);  // caller holds m_mutex, in a transaction
    const std::string& auditKey();                                               // loads or creates the key file (caller holds m_mutex)
    mutable std::mutex m_mutex;                                                  // guards m_db and m_key
    sqlite3* m_db = nullptr;
    std::string m_path;
    StoreOptions m_options;
    std::string m_key;  // raw key bytes, "" until first needed
};

struct RunOptions {
    Policy policy = defaultPolicy();
    std::string modelId;
    GenerationParams params;  // temperature 0 (greedy) by default; seed recorded per item
    int parallel = 1;         // requests in flight
    int retries = 1;          // re-asks after malformed output
    // An error after which the run stops and leaves its item, and every item not yet judged,
    // pending for the next run (a remote server still unreachable after its own retries): an
    // outage is not the item's fault. Unset: every error is the item's (recorded as "error").
    std::function<bool(const std::exception&)> isOutage;
};

struct RunProgress {
    int64_t done = 0, total = 0, errors = 0;  // done counts errors too
    int64_t failedWrites = 0;                 // items not written: judged meanwhile by another process, or the store failed
    double itemsPerMinute = 0;
    double etaSeconds = 0;
    std::string warning;  // e.g. the checkpoint could not be written
    std::string outage;   // why the run stopped early (RunOptions::isOutage); its items stay pending
};

// What judges one item: queues the request and gives its future (the backend's submit in
// production). May throw for a request it cannot queue (that item fails).
using SubmitFn =
    std::function<std::future<GenerateResult>(const std::vector<ChatMessage>&, const GenerationParams&, const std::atomic<bool>*)>;
// The same, synchronous (a script in tests): run one item at a time, when its result is needed.
using JudgeFn = std::function<GenerateResult(const std::vector<ChatMessage>&, const GenerationParams&, const std::atomic<bool>*)>;

// Judges every pending item of the store; each result is written as it completes (resumable).
// onItem gets each finished record (for --json lines); pause is polled between items. Any
// exception for one item (bad image, engine error, a store write that fails) marks that item
// "error" with its message and the run goes on; only cancellation leaves items pending. A signed
// checkpoint is written when the run ends. Runs on the calling thread, which only submits, waits
// and writes: up to options.parallel items are in flight at once, decoded together by the
// backend's scheduler (no thread per item).
void runModeration(ModerationStore& store, const SubmitFn& submit, const RunOptions& options,
                   const std::function<void(const ItemRecord&)>& onItem = {},
                   const std::function<void(const RunProgress&)>& onProgress = {}, const std::atomic<bool>* cancel = nullptr,
                   const std::atomic<bool>* pause = nullptr);
void runModeration(ModerationStore& store, const JudgeFn& judge, const RunOptions& options,
                   const std::function<void(const ItemRecord&)>& onItem = {},
                   const std::function<void(const RunProgress&)>& onProgress = {}, const std::atomic<bool>* cancel = nullptr,
                   const std::atomic<bool>* pause = nullptr);

// The messages one item is judged with (no history: each item is an isolated request).
std::vector<ChatMessage> buildItemMessages(const QueueItem& item, const Policy& policy, bool retry);
// Probability of the verdict token, from per-token logprobs of the output.
double verdictTokenProbability(const GenerateResult& result);

}  // namespace sightline::moderation
