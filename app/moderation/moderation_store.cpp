// SQLite store (WAL) for the queue, verdicts and decisions. The audit log is moderation_audit.cpp.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "moderation.h"
#include "moderation_sql.h"
#include "sightline/untrusted.h"

namespace sightline::moderation {
using nlohmann::json;

using detail::dumpJson;
using detail::nowIso;
using detail::Stmt;

std::string detail::nowIso() {
    const auto t = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                  tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

namespace {

constexpr const char* kItemColumns =
    "id, image_path, image_sha256, title, text, duplicate_of, status, verdict, reasons, categories, confidence, raw, latency_ms, "
    "prompt_tokens, output_tokens, policy_version, model_id, decision, note, reviewer, review_ms, error";

// A JSON list of strings written by this store; anything else (a damaged row) reads as empty.
std::vector<std::string> stringList(const std::string& text) {
    std::vector<std::string> out;
    try {
        const json j = parseJsonLimited(text);
        if (j.is_array())
            for (const auto& x : j)
                if (x.is_string()) out.push_back(x.get<std::string>());
    } catch (const json::exception&) {
    }
    return out;
}

std::vector<std::string> validUtf8(const std::vector<std::string>& v) {
    std::vector<std::string> out;
    out.reserve(v.size());
    for (const auto& s : v) out.push_back(toValidUtf8(s));
    return out;
}

ItemRecord readItem(const Stmt& s) {
    ItemRecord r;
    r.item = {s.text(0), s.text(1), s.text(3), s.text(4), s.text(2), s.text(5)};
    r.status = s.text(6);
    if (!s.null(7)) {
        Verdict v;
        const std::string name = s.text(7);
        v.verdict = name == "approve" ? VerdictKind::Approve : name == "reject" ? VerdictKind::Reject : VerdictKind::Review;
        v.reasons = stringList(s.text(8));
        v.categories = stringList(s.text(9));
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
    r.error = s.text(21);
    return r;
}

json recordJson(const ItemRecord& r) {
    json j = {{"id", r.item.id},
              {"image", r.item.imagePath},
              {"image_sha256", r.item.imageSha256},
              {"title", r.item.title},
              {"text", r.item.text},
              {"duplicate_of", r.item.duplicateOf},
              {"status", r.status},
              {"raw", r.raw},
              {"latency_ms", r.latencyMs},
              {"prompt_tokens", r.promptTokens},
              {"output_tokens", r.outputTokens},
              {"policy_version", r.policyVersion},
              {"model_id", r.modelId},
              {"decision", r.decision},
              {"note", r.note},
              {"reviewer", r.reviewer},
              {"error", r.error}};
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

ModerationStore::ModerationStore(const std::string& path, StoreOptions options) : m_path(path), m_options(std::move(options)) {
    if (m_options.keyPath.empty()) m_options.keyPath = defaultAuditKeyPath();
    if (m_options.checkpointPath.empty()) m_options.checkpointPath = path + ".checkpoints";
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
        exec(
            "CREATE TABLE IF NOT EXISTS items(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, image_path TEXT, "
            "image_sha256 TEXT, title TEXT, text TEXT, duplicate_of TEXT, status TEXT NOT NULL DEFAULT 'pending', verdict TEXT, "
            "reasons TEXT, categories TEXT, confidence REAL, raw TEXT, latency_ms REAL, prompt_tokens INTEGER, output_tokens INTEGER, "
            "policy_version TEXT, model_id TEXT, judged_at TEXT, decision TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '', "
            "reviewer TEXT NOT NULL DEFAULT '', review_ms REAL NOT NULL DEFAULT 0, decided_at TEXT, error TEXT NOT NULL DEFAULT '')");
        // alg: "hmac-sha256" (keyed), or "sha256" for records written before keyed chaining.
        exec(
            "CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL, record TEXT NOT NULL, "
            "prev_hash TEXT NOT NULL, hash TEXT NOT NULL, alg TEXT NOT NULL DEFAULT 'hmac-sha256')");
        // Append-only: the database itself refuses edits and deletes of audit records.
        exec(
            "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); "
            "END");
        exec(
            "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); "
            "END");
    } catch (const Error& e) {
        sqlite3_close(m_db);
        m_db = nullptr;
        throwBadInput(path + ": not a Sightline moderation database (" + e.what() + ")");
    }
    try {
        migrate();
    } catch (...) {
        sqlite3_close(m_db);
        m_db = nullptr;
        throw;
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
            Stmt s(m_db,
                   "UPDATE items SET status=?, verdict=?, reasons=?, categories=?, confidence=?, raw=?, latency_ms=?, prompt_tokens=?, "
                   "output_tokens=?, policy_version=?, model_id=?, judged_at=? WHERE id=?");
            s.bind(1, std::string(j.verdict ? "judged" : "error"));
            if (j.verdict) {
                s.bind(2, std::string(verdictName(j.verdict->verdict)))
                    .bind(3, dumpJson(json(validUtf8(j.verdict->reasons))))
                    .bind(4, dumpJson(json(validUtf8(j.verdict->categories))))
                    .bind(5, j.verdict->confidence);
            }
            s.bind(6, toValidUtf8(j.raw)).bind(7, j.latencyMs).bind(8, j.promptTokens).bind(9, j.outputTokens);
            s.bind(10, toValidUtf8(j.policyVersion)).bind(11, toValidUtf8(j.modelId));
            s.bind(12, nowIso()).bind(13, j.id);
            s.step();
        }
        {
            Stmt s(m_db, "UPDATE items SET error=? WHERE id=?");
            s.bind(1, j.verdict ? std::string() : toValidUtf8(j.error.empty() ? std::string("no verdict") : j.error)).bind(2, j.id);
            s.step();
        }
        json sampling = json::object();
        try {
            if (!j.samplingJson.empty()) sampling = parseJsonLimited(j.samplingJson);
        } catch (const json::exception&) {
            sampling = toValidUtf8(j.samplingJson);
        }
        // Every string is made valid UTF-8 first: model output, imported titles and parser messages
        // quoting either may hold any bytes, and json::dump throws type_error 316 on invalid UTF-8.
        json rec = {{"event", "model_verdict"},
                    {"item_id", toValidUtf8(j.id)},
                    {"image_sha256", before.item.imageSha256},
                    {"title", toValidUtf8(maskPersonalData(before.item.title))},
                    {"text", toValidUtf8(maskPersonalData(before.item.text))},
                    {"policy_version", toValidUtf8(j.policyVersion)},
                    {"model_id", toValidUtf8(j.modelId)},
                    {"sampling", sampling},
                    {"seed", j.seed},
                    {"verdict", j.verdict ? json(verdictName(j.verdict->verdict)) : json(nullptr)},
                    {"confidence", j.verdict ? json(j.verdict->confidence) : json(nullptr)},
                    {"error", toValidUtf8(maskPersonalData(j.error))},
                    {"human_decision", nullptr},
                    {"reviewer", nullptr},
                    {"time", nowIso()}};
        appendAudit(j.id, dumpJson(rec));
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
            s.bind(1, std::string(decisionName(d)))
                .bind(2, toValidUtf8(note))
                .bind(3, toValidUtf8(reviewer))
                .bind(4, reviewMs)
                .bind(5, nowIso());
            s.bind(6, id);
            s.step();
        }
        json rec = {{"event", "human_decision"},
                    {"item_id", toValidUtf8(id)},
                    {"image_sha256", r.item.imageSha256},
                    {"title", toValidUtf8(maskPersonalData(r.item.title))},
                    {"text", toValidUtf8(maskPersonalData(r.item.text))},
                    {"policy_version", toValidUtf8(r.policyVersion)},
                    {"model_id", toValidUtf8(r.modelId)},
                    {"verdict", r.verdict ? json(verdictName(r.verdict->verdict)) : json(nullptr)},
                    {"human_decision", decisionName(d)},
                    {"note", toValidUtf8(maskPersonalData(note))},
                    {"reviewer", toValidUtf8(reviewer)},
                    {"review_ms", reviewMs},
                    {"time", nowIso()}};
        appendAudit(id, dumpJson(rec));
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

void ModerationStore::undoDecision(const std::string& id, const std::string& reviewer) {
    std::lock_guard lock(m_mutex);
    exec("BEGIN IMMEDIATE");
    try {
        auto found = findLocked(id);
        if (!found) throwBadInput("no item \"" + id + "\" in the queue");
        const ItemRecord r = *found;
        if (r.decision.empty()) throwBadInput("item \"" + id + "\" has no decision to undo");
        {
            Stmt s(m_db, "UPDATE items SET decision='', note='', reviewer='', review_ms=0, decided_at=NULL WHERE id=?");
            s.bind(1, id);
            s.step();
        }
        json rec = {{"event", "decision_undone"},         {"item_id", toValidUtf8(id)},
                    {"image_sha256", r.item.imageSha256}, {"verdict", r.verdict ? json(verdictName(r.verdict->verdict)) : json(nullptr)},
                    {"human_decision", nullptr},          {"undone_decision", r.decision},
                    {"reviewer", toValidUtf8(reviewer)},  {"time", nowIso()}};
        appendAudit(id, dumpJson(rec));
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

std::string ModerationStore::exportCsv() const {
    std::string out =
        "id,image,image_sha256,title,text,duplicate_of,status,verdict,reasons,categories,confidence,latency_ms,prompt_tokens,"
        "output_tokens,policy_version,model_id,decision,note,reviewer,error\n";
    for (const auto& r : items()) {
        char conf[32] = "";
        if (r.verdict) std::snprintf(conf, sizeof conf, "%.4f", r.verdict->confidence);
        out += csvField(r.item.id) + "," + csvField(r.item.imagePath) + "," + r.item.imageSha256 + "," + csvField(r.item.title) + "," +
               csvField(r.item.text) + "," + csvField(r.item.duplicateOf) + "," + r.status + "," +
               (r.verdict ? verdictName(r.verdict->verdict) : "") + "," + csvField(r.verdict ? dumpJson(json(r.verdict->reasons)) : "") +
               "," + csvField(r.verdict ? dumpJson(json(r.verdict->categories)) : "") + "," + conf + "," + std::to_string(r.latencyMs) +
               "," + std::to_string(r.promptTokens) + "," + std::to_string(r.outputTokens) + "," + csvField(r.policyVersion) + "," +
               csvField(r.modelId) + "," + r.decision + "," + csvField(r.note) + "," + csvField(r.reviewer) + "," + csvField(r.error) +
               "\n";
    }
    return out;
}

std::string ModerationStore::exportJsonl() const {
    std::string out;
    for (const auto& r : items()) out += dumpJson(recordJson(r)) + "\n";
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
