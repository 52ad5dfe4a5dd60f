// SQLite store (WAL) for the queue, verdicts, decisions and the hash-chained audit log.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "moderation.h"

namespace sightline::moderation {
using nlohmann::json;

namespace {

std::string nowIso() {
    const auto t = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                  tm.tm_sec, static_cast<int>(ms));
    return buf;
}

// Prepared statement with RAII and typed binds.
class Stmt {
public:
    Stmt(sqlite3* db, const char* sql) : m_db(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &m_s, nullptr) != SQLITE_OK)
            throw Error(ErrorKind::Internal, std::string("SQL prepare: ") + sqlite3_errmsg(db));
    }
    ~Stmt() { sqlite3_finalize(m_s); }
    Stmt& bind(int i, const std::string& v) {
        sqlite3_bind_text(m_s, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(int i, double v) {
        sqlite3_bind_double(m_s, i, v);
        return *this;
    }
    Stmt& bind(int i, int64_t v) {
        sqlite3_bind_int64(m_s, i, v);
        return *this;
    }
    bool step() {
        const int rc = sqlite3_step(m_s);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw Error(ErrorKind::Internal, std::string("SQL: ") + sqlite3_errmsg(m_db));
    }
    std::string text(int c) const {
        const auto* p = sqlite3_column_text(m_s, c);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(m_s, c))) : std::string();
    }
    double real(int c) const { return sqlite3_column_double(m_s, c); }
    int64_t integer(int c) const { return sqlite3_column_int64(m_s, c); }
    bool null(int c) const { return sqlite3_column_type(m_s, c) == SQLITE_NULL; }

private:
    sqlite3* m_db;
    sqlite3_stmt* m_s = nullptr;
};

constexpr const char* kItemColumns =
    "id, image_path, image_sha256, title, text, duplicate_of, status, verdict, reasons, categories, confidence, raw, latency_ms, "
    "prompt_tokens, output_tokens, policy_version, model_id, decision, note, reviewer, review_ms";

ItemRecord readItem(const Stmt& s) {
    ItemRecord r;
    r.item = {s.text(0), s.text(1), s.text(3), s.text(4), s.text(2), s.text(5)};
    r.status = s.text(6);
    if (!s.null(7)) {
        Verdict v;
        const std::string name = s.text(7);
        v.verdict = name == "approve" ? VerdictKind::Approve : name == "reject" ? VerdictKind::Reject : VerdictKind::Review;
        v.reasons = json::parse(s.text(8)).get<std::vector<std::string>>();
        v.categories = json::parse(s.text(9)).get<std::vector<std::string>>();
        v.confidence = s.real(10);
        r.verdict = v;
    }
    r.raw = s.text(11);
    r.latencyMs = s.real(12);
    r.promptTokens = s.integer(13);
    r.outputTokens = s.integer(14);
    r.policyVersion = s.text(15);
    r.modelId = s.text(16);
    r.decision = s.text(17);
    r.note = s.text(18);
    r.reviewer = s.text(19);
    r.reviewMs = s.real(20);
    return r;
}

json recordJson(const ItemRecord& r) {
    json j = {{"id", r.item.id}, {"image", r.item.imagePath}, {"image_sha256", r.item.imageSha256}, {"title", r.item.title},
              {"text", r.item.text}, {"duplicate_of", r.item.duplicateOf}, {"status", r.status}, {"raw", r.raw},
              {"latency_ms", r.latencyMs}, {"prompt_tokens", r.promptTokens}, {"output_tokens", r.outputTokens},
              {"policy_version", r.policyVersion}, {"model_id", r.modelId}, {"decision", r.decision}, {"note", r.note},
              {"reviewer", r.reviewer}};
    if (r.verdict) {
        j["verdict"] = verdictName(r.verdict->verdict);
        j["reasons"] = r.verdict->reasons;
        j["categories"] = r.verdict->categories;
        j["confidence"] = r.verdict->confidence;
    } else {
        j["verdict"] = nullptr;
    }
    return j;
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

}  // namespace

ModerationStore::ModerationStore(const std::string& path) : m_path(path) {
    if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
        const std::string msg = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        m_db = nullptr;
        throwBadInput("cannot open moderation database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(m_db, 5000);
    try {
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");  // a judged item survives a power cut, not just a kill
        exec("CREATE TABLE IF NOT EXISTS items(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, image_path TEXT, "
             "image_sha256 TEXT, title TEXT, text TEXT, duplicate_of TEXT, status TEXT NOT NULL DEFAULT 'pending', verdict TEXT, "
             "reasons TEXT, categories TEXT, confidence REAL, raw TEXT, latency_ms REAL, prompt_tokens INTEGER, output_tokens INTEGER, "
             "policy_version TEXT, model_id TEXT, judged_at TEXT, decision TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '', "
             "reviewer TEXT NOT NULL DEFAULT '', review_ms REAL NOT NULL DEFAULT 0, decided_at TEXT)");
        exec("CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL, record TEXT NOT NULL, "
             "prev_hash TEXT NOT NULL, hash TEXT NOT NULL)");
        // Append-only: the database itself refuses edits and deletes of audit records.
        exec("CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END");
        exec("CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END");
    } catch (const Error& e) {
        sqlite3_close(m_db);
        m_db = nullptr;
        throwBadInput(path + ": not a Sightline moderation database (" + e.what() + ")");
    }
}

ModerationStore::~ModerationStore() {
    if (m_db) sqlite3_close(m_db);
}

void ModerationStore::exec(const std::string& sql) const {
    char* err = nullptr;
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string msg = err ? err : "unknown";
        sqlite3_free(err);
        throw Error(ErrorKind::Internal, "SQL: " + msg);
    }
}

int ModerationStore::addItems(const std::vector<QueueItem>& items) {
    std::lock_guard lock(m_mutex);
    exec("BEGIN IMMEDIATE");
    int added = 0;
    try {
        for (const auto& it : items) {
            Stmt s(m_db, "INSERT OR IGNORE INTO items(id, image_path, image_sha256, title, text, duplicate_of) VALUES(?,?,?,?,?,?)");
            s.bind(1, it.id).bind(2, it.imagePath).bind(3, it.imageSha256).bind(4, it.title).bind(5, it.text).bind(6, it.duplicateOf);
            s.step();
            added += sqlite3_changes(m_db);
        }
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
    return added;
}

std::vector<QueueItem> ModerationStore::pending() const {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, "SELECT id, image_path, image_sha256, title, text, duplicate_of FROM items WHERE status='pending' ORDER BY seq");
    std::vector<QueueItem> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(3), s.text(4), s.text(2), s.text(5)});
    return out;
}

std::vector<ItemRecord> ModerationStore::items() const {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, (std::string("SELECT ") + kItemColumns + " FROM items ORDER BY seq").c_str());
    std::vector<ItemRecord> out;
    while (s.step()) out.push_back(readItem(s));
    return out;
}

std::optional<ItemRecord> ModerationStore::findLocked(const std::string& id) const {
    Stmt s(m_db, (std::string("SELECT ") + kItemColumns + " FROM items WHERE id=?").c_str());
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return readItem(s);
}

std::optional<ItemRecord> ModerationStore::item(const std::string& id) const {
    std::lock_guard lock(m_mutex);
    return findLocked(id);
}

void ModerationStore::appendAudit(const std::string& itemId, const std::string& recordJson) {
    std::string prev(64, '0');
    {
        Stmt s(m_db, "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1");
        if (s.step()) prev = s.text(0);
    }
    const std::string hash = sha256Hex(prev + "\n" + recordJson);
    Stmt s(m_db, "INSERT INTO audit(item_id, record, prev_hash, hash) VALUES(?,?,?,?)");
    s.bind(1, itemId).bind(2, recordJson).bind(3, prev).bind(4, hash);
    s.step();
}

bool ModerationStore::recordJudgement(const Judgement& j) {
    std::lock_guard lock(m_mutex);
    exec("BEGIN IMMEDIATE");
    try {
        auto found = findLocked(j.id);
        if (!found) throw Error(ErrorKind::Internal, "unknown item " + j.id);
        const ItemRecord before = *found;
        if (before.status != "pending") {  // judged already (e.g. by a second process): never twice
            exec("ROLLBACK");
            return false;
        }
        {
            Stmt s(m_db, "UPDATE items SET status=?, verdict=?, reasons=?, categories=?, confidence=?, raw=?, latency_ms=?, prompt_tokens=?, "
                         "output_tokens=?, policy_version=?, model_id=?, judged_at=? WHERE id=?");
            s.bind(1, std::string(j.verdict ? "judged" : "error"));
            if (j.verdict) {
                s.bind(2, std::string(verdictName(j.verdict->verdict)))
                    .bind(3, json(j.verdict->reasons).dump())
                    .bind(4, json(j.verdict->categories).dump())
                    .bind(5, j.verdict->confidence);
            }
            s.bind(6, j.raw).bind(7, j.latencyMs).bind(8, j.promptTokens).bind(9, j.outputTokens).bind(10, j.policyVersion).bind(11, j.modelId);
            s.bind(12, nowIso()).bind(13, j.id);
            s.step();
        }
        json rec = {{"event", "model_verdict"},
                    {"item_id", j.id},
                    {"image_sha256", before.item.imageSha256},
                    {"title", maskPersonalData(before.item.title)},
                    {"text", maskPersonalData(before.item.text)},
                    {"policy_version", j.policyVersion},
                    {"model_id", j.modelId},
                    {"sampling", json::parse(j.samplingJson.empty() ? "{}" : j.samplingJson)},
                    {"seed", j.seed},
                    {"verdict", j.verdict ? json(verdictName(j.verdict->verdict)) : json(nullptr)},
                    {"confidence", j.verdict ? json(j.verdict->confidence) : json(nullptr)},
                    {"error", j.error},
                    {"human_decision", nullptr},
                    {"reviewer", nullptr},
                    {"time", nowIso()}};
        appendAudit(j.id, rec.dump());
        exec("COMMIT");
        return true;
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

void ModerationStore::recordDecision(const std::string& id, HumanDecision d, const std::string& reviewer, const std::string& note,
                                     double reviewMs) {
    std::lock_guard lock(m_mutex);
    exec("BEGIN IMMEDIATE");
    try {
        auto found = findLocked(id);
        if (!found) throwBadInput("no item \"" + id + "\" in the queue");
        const ItemRecord r = *found;
        {
            Stmt s(m_db, "UPDATE items SET decision=?, note=?, reviewer=?, review_ms=?, decided_at=? WHERE id=?");
            s.bind(1, std::string(decisionName(d))).bind(2, note).bind(3, reviewer).bind(4, reviewMs).bind(5, nowIso()).bind(6, id);
            s.step();
        }
        json rec = {{"event", "human_decision"},
                    {"item_id", id},
                    {"image_sha256", r.item.imageSha256},
                    {"title", maskPersonalData(r.item.title)},
                    {"text", maskPersonalData(r.item.text)},
                    {"policy_version", r.policyVersion},
                    {"model_id", r.modelId},
                    {"verdict", r.verdict ? json(verdictName(r.verdict->verdict)) : json(nullptr)},
                    {"human_decision", decisionName(d)},
                    {"note", maskPersonalData(note)},
                    {"reviewer", reviewer},
                    {"review_ms", reviewMs},
                    {"time", nowIso()}};
        appendAudit(id, rec.dump());
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

ModerationStore::AuditCheck ModerationStore::verifyAudit() const {
    std::lock_guard lock(m_mutex);
    AuditCheck c;
    std::string prev(64, '0');
    Stmt s(m_db, "SELECT seq, item_id, record, prev_hash, hash FROM audit ORDER BY seq");
    int64_t expectedSeq = 1;
    while (s.step()) {
        ++c.records;
        const int64_t seq = s.integer(0);
        const std::string record = s.text(2), prevHash = s.text(3), hash = s.text(4);
        std::string why;
        if (seq != expectedSeq) why = "record " + std::to_string(expectedSeq) + " is missing";
        else if (prevHash != prev) why = "record " + std::to_string(seq) + " does not follow the previous record's hash";
        else if (sha256Hex(prev + "\n" + record) != hash) why = "record " + std::to_string(seq) + " was altered (hash mismatch)";
        else {
            try {
                if (json::parse(record).value("item_id", std::string()) != s.text(1)) why = "record " + std::to_string(seq) + " names another item";
            } catch (const json::exception&) {
                why = "record " + std::to_string(seq) + " is not valid JSON";
            }
        }
        if (!why.empty() && c.ok) {
            c.ok = false;
            c.firstBadSeq = seq;
            c.message = why;
        }
        prev = hash;
        expectedSeq = seq + 1;
    }
    if (c.ok) c.message = std::to_string(c.records) + " audit records, chain intact";
    return c;
}

int64_t ModerationStore::auditCount(const std::string& itemId) const {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, itemId.empty() ? "SELECT COUNT(*) FROM audit" : "SELECT COUNT(*) FROM audit WHERE item_id=?");
    if (!itemId.empty()) s.bind(1, itemId);
    s.step();
    return s.integer(0);
}

std::string ModerationStore::exportCsv() const {
    std::string out = "id,image,image_sha256,title,text,duplicate_of,status,verdict,reasons,categories,confidence,latency_ms,prompt_tokens,"
                      "output_tokens,policy_version,model_id,decision,note,reviewer\n";
    for (const auto& r : items()) {
        const auto j = recordJson(r);
        char conf[32] = "";
        if (r.verdict) std::snprintf(conf, sizeof conf, "%.4f", r.verdict->confidence);
        out += csvField(r.item.id) + "," + csvField(r.item.imagePath) + "," + r.item.imageSha256 + "," + csvField(r.item.title) + "," +
               csvField(r.item.text) + "," + csvField(r.item.duplicateOf) + "," + r.status + "," +
               (r.verdict ? verdictName(r.verdict->verdict) : "") + "," + csvField(r.verdict ? json(r.verdict->reasons).dump() : "") + "," +
               csvField(r.verdict ? json(r.verdict->categories).dump() : "") + "," + conf + "," + std::to_string(r.latencyMs) + "," +
               std::to_string(r.promptTokens) + "," + std::to_string(r.outputTokens) + "," + csvField(r.policyVersion) + "," +
               csvField(r.modelId) + "," + r.decision + "," + csvField(r.note) + "," + csvField(r.reviewer) + "\n";
    }
    return out;
}

std::string ModerationStore::exportJsonl() const {
    std::string out;
    for (const auto& r : items()) out += recordJson(r).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    return out;
}

Metrics ModerationStore::metrics() const {
    Metrics m;
    std::vector<double> reviewTimes;
    double judgingMs = 0;
    int64_t agree = 0;
    for (const auto& r : items()) {
        ++m.items;
        if (r.status == "judged") ++m.judged;
        if (r.status == "error") ++m.errors;
        if (r.status != "pending") judgingMs += r.latencyMs;
        if (!r.decision.empty()) {
            ++m.decided;
            reviewTimes.push_back(r.reviewMs);
            const std::string model = r.verdict ? verdictName(r.verdict->verdict) : "";
            if (r.decision == model || (r.decision == "escalate" && model == "review")) ++agree;
        }
    }
    // Items per hour of model time, with requests in flight overlapping this is a lower bound.
    if (judgingMs > 0) m.itemsPerHour = 3.6e6 * static_cast<double>(m.judged + m.errors) / judgingMs;
    if (m.decided > 0) {
        m.agreement = static_cast<double>(agree) / static_cast<double>(m.decided);
        m.overrideRate = 1.0 - m.agreement;
        std::sort(reviewTimes.begin(), reviewTimes.end());
        const size_t n = reviewTimes.size();
        m.medianReviewMs = n % 2 ? reviewTimes[n / 2] : (reviewTimes[n / 2 - 1] + reviewTimes[n / 2]) / 2;
    }
    return m;
}

}  // namespace sightline::moderation
