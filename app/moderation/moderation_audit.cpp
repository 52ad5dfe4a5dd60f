// The audit log: an append-only table whose records are chained with HMAC-SHA256 under a key kept
// in a 0600 file outside the database, signed checkpoints in a separate file, and the check that
// ties them and the items table together. What this proves and what it does not is written in
// docs/reliability.md ("Moderation").
#include <fcntl.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "moderation.h"
#include "moderation_sql.h"
#include "sightline/untrusted.h"

namespace sightline::moderation {
using detail::dumpJson;
using detail::nowIso;
using detail::Stmt;
using nlohmann::json;

namespace {

constexpr const char* kAlgKeyed = "hmac-sha256";
constexpr const char* kAlgLegacy = "sha256";
constexpr size_t kKeyBytes = 32;
const std::string kGenesis(64, '0');

std::string keyId(const std::string& key) {
    return sha256Hex(key).substr(0, 16);
}

std::string checkpointMac(const std::string& key, int64_t count, const std::string& lastHash) {
    return hmacSha256Hex(key, "sightline-audit-checkpoint\n" + std::to_string(count) + "\n" + lastHash);
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The key file's bytes, "" when it does not exist. Throws Error(BadInput) for a malformed key or
// one that others may read.
std::string readKeyFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return {};
        throwBadInput("cannot open the audit key " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    const bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= 256;
    char buf[257] = {};
    const ssize_t n = ok ? ::read(fd, buf, 256) : -1;
    ::close(fd);
    if (!ok || n < 0) throwBadInput("the audit key " + path + " is not a small regular file");
    if (st.st_mode & 077) throwBadInput("the audit key " + path + " may be read by other users; make it private (chmod 600)");
    std::string hex(buf, static_cast<size_t>(n));
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) hex.pop_back();
    std::string key;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        const int hi = hexValue(hex[i]), lo = hexValue(hex[i + 1]);
        if (hi < 0 || lo < 0) break;
        key += static_cast<char>(hi * 16 + lo);
    }
    if (key.size() != kKeyBytes || hex.size() != 2 * kKeyBytes) throwBadInput("the audit key " + path + " is not 64 hex digits");
    return key;
}

// A new random key, published atomically (temp file + link) so that two processes starting at
// once end up with the same key.
std::string createKeyFile(const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(path).parent_path();
    std::error_code ec;
    if (!dir.empty() && !fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec) throwBadInput("cannot create the folder of the audit key " + dir.string() + ": " + ec.message());
        ::chmod(dir.c_str(), 0700);
    }
    unsigned char raw[kKeyBytes];
    if (RAND_bytes(raw, sizeof raw) != 1) throw Error(ErrorKind::Internal, "no random bytes for the audit key");
    std::string hex;
    static const char* digits = "0123456789abcdef";
    for (unsigned char b : raw) {
        hex += digits[b >> 4];
        hex += digits[b & 0xF];
    }
    hex += "\n";
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throwBadInput("cannot create the audit key " + path + ": " + std::strerror(errno));
    const bool written = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
        ::unlink(tmp.c_str());
        throwBadInput("cannot write the audit key " + path);
    }
    const int linked = ::link(tmp.c_str(), path.c_str());
    const int linkErr = errno;
    ::unlink(tmp.c_str());
    if (linked != 0 && linkErr != EEXIST) throwBadInput("cannot create the audit key " + path + ": " + std::strerror(linkErr));
    return readKeyFile(path);  // ours, or the one another process published first
}

bool hasColumn(sqlite3* db, const std::string& table, const std::string& column) {
    Stmt s(db, ("PRAGMA table_info(" + table + ")").c_str());
    while (s.step())
        if (s.text(1) == column) return true;
    return false;
}

std::string jsonString(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string defaultAuditKeyPath() {
    if (const char* p = std::getenv("SIGHTLINE_AUDIT_KEY"); p && *p) return p;
    std::string base;
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
        base = x;
    else {
        const char* home = std::getenv("HOME");
        if (!home || !*home)
            if (const passwd* pw = ::getpwuid(::getuid())) home = pw->pw_dir;
        base = std::string(home ? home : ".") + "/.config";
    }
    return base + "/sightline/audit.key";
}

const std::string& ModerationStore::auditKey() {
    if (m_key.empty()) {
        m_key = readKeyFile(m_options.keyPath);
        if (m_key.empty()) m_key = createKeyFile(m_options.keyPath);
    }
    return m_key;
}

void ModerationStore::appendAudit(const std::string& itemId, const std::string& recordJson) {
    std::string prev = kGenesis;
    {
        Stmt s(m_db, "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1");
        if (s.step()) prev = s.text(0);
    }
    const std::string hash = hmacSha256Hex(auditKey(), prev + "\n" + recordJson);
    Stmt s(m_db, "INSERT INTO audit(item_id, record, prev_hash, hash, alg) VALUES(?,?,?,?,?)");
    s.bind(1, itemId).bind(2, recordJson).bind(3, prev).bind(4, hash).bind(5, std::string(kAlgKeyed));
    s.step();
}

void ModerationStore::migrate() {
    std::lock_guard lock(m_mutex);
    if (!hasColumn(m_db, "items", "error")) {
        exec("ALTER TABLE items ADD COLUMN error TEXT NOT NULL DEFAULT ''");
        // The reason of older errors was only in the audit log.
        char* err = nullptr;
        sqlite3_exec(m_db,
                     "UPDATE items SET error = coalesce((SELECT json_extract(record, '$.error') FROM audit WHERE audit.item_id = items.id "
                     "ORDER BY seq DESC LIMIT 1), '') WHERE status = 'error'",
                     nullptr, nullptr, &err);
        sqlite3_free(err);
    }
    if (!hasColumn(m_db, "audit", "alg")) exec("ALTER TABLE audit ADD COLUMN alg TEXT NOT NULL DEFAULT 'sha256'");
    // Records from before keyed chaining are sealed by one keyed record over their last hash: from
    // then on, editing them breaks the keyed chain. (Read first: a database that needs nothing
    // is never written to, so a read-only copy can still be verified.)
    auto counts = [&](int64_t* legacy, int64_t* keyed, std::string* lastHash) {
        Stmt s(m_db,
               "SELECT (SELECT COUNT(*) FROM audit WHERE alg='sha256'), (SELECT COUNT(*) FROM audit WHERE alg<>'sha256'), "
               "(SELECT hash FROM audit ORDER BY seq DESC LIMIT 1)");
        s.step();
        *legacy = s.integer(0);
        *keyed = s.integer(1);
        *lastHash = s.text(2);
    };
    int64_t legacy = 0, keyed = 0;
    std::string lastHash;
    counts(&legacy, &keyed, &lastHash);
    if (legacy == 0 || keyed > 0) return;
    exec("BEGIN IMMEDIATE");
    try {
        counts(&legacy, &keyed, &lastHash);  // another process may have anchored meanwhile
        if (legacy > 0 && keyed == 0) {
            const json rec = {{"event", "audit_anchor"},
                              {"item_id", ""},
                              {"legacy_records", legacy},
                              {"legacy_last_hash", lastHash},
                              {"key_id", keyId(auditKey())},
                              {"note", "records before this one were chained with unkeyed SHA-256; this keyed record seals them"},
                              {"time", nowIso()}};
            appendAudit("", dumpJson(rec));
        }
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

int64_t ModerationStore::auditCount(const std::string& itemId) const {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, itemId.empty() ? "SELECT COUNT(*) FROM audit" : "SELECT COUNT(*) FROM audit WHERE item_id=?");
    if (!itemId.empty()) s.bind(1, itemId);
    s.step();
    return s.integer(0);
}

int64_t ModerationStore::writeCheckpoint() {
    std::lock_guard lock(m_mutex);
    int64_t count = 0;
    std::string lastHash;
    {
        Stmt s(m_db, "SELECT COUNT(*), (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1) FROM audit");
        s.step();
        count = s.integer(0);
        lastHash = s.text(1);
    }
    if (count == 0) return 0;
    const std::string& key = auditKey();
    const json line = {{"count", count},
                       {"last_hash", lastHash},
                       {"key_id", keyId(key)},
                       {"time", nowIso()},
                       {"mac", checkpointMac(key, count, lastHash)}};
    const std::string text = dumpJson(line) + "\n";
    const int fd = ::open(m_options.checkpointPath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throwBadInput("cannot open the audit checkpoint file " + m_options.checkpointPath + ": " + std::strerror(errno));
    // One write of one line (O_APPEND): a crash leaves at most a torn last line, which verify skips.
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throwBadInput("cannot write the audit checkpoint file " + m_options.checkpointPath);
    return count;
}

ModerationStore::AuditCheck ModerationStore::verifyAudit() const {
    std::lock_guard lock(m_mutex);
    AuditCheck c;
    std::vector<std::string> problems;
    auto problem = [&](const std::string& why, int64_t seq = -1) {
        if (seq >= 0 && c.firstBadSeq < 0) c.firstBadSeq = seq;
        problems.push_back(why);
    };
    std::string key;
    try {
        key = readKeyFile(m_options.keyPath);
    } catch (const Error& e) {
        problem(e.what());
    }

    // 1. The chain. Each item's latest verdict (any event) and latest decision (decision events).
    struct ItemState {
        bool judged = false;  // a model_verdict record exists
        std::string verdict, decision;
    };
    std::map<std::string, ItemState> state;
    std::map<int64_t, std::string> hashAt;
    std::string prev = kGenesis;
    int64_t expectedSeq = 1, keyed = 0;
    bool missingKeyReported = false;
    Stmt s(m_db, "SELECT seq, item_id, record, prev_hash, hash, alg FROM audit ORDER BY seq");
    while (s.step()) {
        ++c.records;
        const int64_t seq = s.integer(0);
        const std::string itemId = s.text(1), record = s.text(2), prevHash = s.text(3), hash = s.text(4), alg = s.text(5);
        const std::string at = "record " + std::to_string(seq);
        hashAt[seq] = hash;
        json j;
        try {
            j = parseJsonLimited(record);
        } catch (const json::exception&) {
        }
        if (seq != expectedSeq)
            problem("record " + std::to_string(expectedSeq) + " is missing", seq);
        else if (prevHash != prev)
            problem(at + " does not follow the previous record's hash", seq);
        else if (alg == kAlgLegacy) {
            if (keyed > 0)
                problem(at + " uses the unkeyed legacy hash after keyed records began", seq);
            else if (sha256Hex(prev + "\n" + record) != hash)
                problem(at + " was altered (hash mismatch)", seq);
            ++c.legacyRecords;
        } else if (alg == kAlgKeyed) {
            if (keyed++ == 0 && c.legacyRecords > 0 &&
                (jsonString(j, "event") != "audit_anchor" || j.value("legacy_records", int64_t(-1)) != c.legacyRecords ||
                 jsonString(j, "legacy_last_hash") != prev))
                problem(at + " should seal the " + std::to_string(c.legacyRecords) + " legacy records and does not", seq);
            if (key.empty()) {
                if (!missingKeyReported) problem("no audit key at " + m_options.keyPath + ": keyed records cannot be checked", seq);
                missingKeyReported = true;
            } else if (hmacSha256Hex(key, prev + "\n" + record) != hash) {
                problem(at + " was altered (HMAC mismatch: edited, recomputed without the key, or another key)", seq);
            }
        } else {
            problem(at + " has an unknown hash algorithm \"" + alg + "\"", seq);
        }
        if (!j.is_object())
            problem(at + " is not valid JSON", seq);
        else if (jsonString(j, "item_id") != itemId)
            problem(at + " names another item", seq);
        else if (!itemId.empty()) {
            ItemState& st = state[itemId];
            const std::string event = jsonString(j, "event");
            st.verdict = jsonString(j, "verdict");
            if (event == "model_verdict") st.judged = true;
            if (event == "human_decision" || event == "decision_undone") st.decision = jsonString(j, "human_decision");
        }
        prev = hash;
        expectedSeq = seq + 1;
    }

    // 2. Checkpoints: the log must still reach the latest signed (count, last hash).
    if (std::ifstream in{m_options.checkpointPath, std::ios::binary}) {
        std::string line;
        int n = 0;
        while (std::getline(in, line)) {
            ++n;
            const bool last = in.peek() == std::char_traits<char>::eof();
            json j;
            try {
                j = parseJsonLimited(line);
            } catch (const json::exception&) {
            }
            const int64_t count = j.is_object() ? j.value("count", int64_t(-1)) : -1;
            const std::string lastHash = j.is_object() ? jsonString(j, "last_hash") : std::string();
            if (count < 0) {
                if (last) continue;  // a torn last line (crash while writing) proves nothing either way
                problem("checkpoint line " + std::to_string(n) + " is malformed");
                continue;
            }
            if (key.empty()) continue;
            if (checkpointMac(key, count, lastHash) != jsonString(j, "mac")) {
                problem("checkpoint line " + std::to_string(n) + " is not signed with this audit key");
                continue;
            }
            if (count > c.checkpointCount) {
                c.checkpointCount = count;
                if (count > c.records)
                    problem("the log has " + std::to_string(c.records) + " records but a signed checkpoint counted " +
                                std::to_string(count) + ": records were removed from its end",
                            c.records + 1);
                else if (hashAt.count(count) && hashAt[count] != lastHash)
                    problem("record " + std::to_string(count) + " differs from the signed checkpoint", count);
            }
        }
    }

    // 3. The items table against the log: verdicts and decisions changed only in `items` show here.
    {
        Stmt it(m_db, "SELECT id, status, coalesce(verdict, ''), decision FROM items ORDER BY seq");
        std::map<std::string, bool> seen;
        while (it.step()) {
            const std::string id = it.text(0), status = it.text(1), verdict = it.text(2), decision = it.text(3);
            seen[id] = true;
            auto f = state.find(id);
            const ItemState st = f == state.end() ? ItemState{} : f->second;
            const std::string expectStatus = !st.judged ? "pending" : st.verdict.empty() ? "error" : "judged";
            const std::string name = "item \"" + toValidUtf8(id) + "\"";
            if (status != expectStatus)
                problem(name + " is " + status + " but its audit log says " + expectStatus);
            else if (verdict != st.verdict)
                problem(name + " has verdict \"" + verdict + "\" but its latest audit record says \"" + st.verdict + "\"");
            if (decision != st.decision)
                problem(name + " has decision \"" + decision + "\" but its latest audit record says \"" + st.decision + "\"");
        }
        for (const auto& [id, st] : state)
            if (!seen.count(id)) problem("item \"" + toValidUtf8(id) + "\" of the audit log is missing from the queue");
    }

    // 4. The append-only triggers (their removal alone changes no record, but it is how edits start).
    {
        Stmt t(m_db, "SELECT COUNT(*) FROM sqlite_master WHERE type='trigger' AND name IN ('audit_no_update', 'audit_no_delete')");
        t.step();
        if (t.integer(0) != 2) problem("the append-only triggers of the audit table were removed");
    }

    c.ok = problems.empty();
    if (c.ok) {
        c.message =
            std::to_string(c.records) + " audit records, chain intact (HMAC-SHA256, key id " + (key.empty() ? "-" : keyId(key)) + ")";
        if (c.legacyRecords > 0) c.message += ", " + std::to_string(c.legacyRecords) + " legacy records sealed by an anchor";
        c.message += c.checkpointCount >= 0 ? ", latest checkpoint " + std::to_string(c.checkpointCount) + " records reached"
                                            : ", no checkpoint yet";
    } else {
        for (size_t i = 0; i < problems.size(); ++i) c.message += (i ? "; " : "") + problems[i];
    }
    return c;
}

}  // namespace sightline::moderation
