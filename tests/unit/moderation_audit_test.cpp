// The keyed audit log (issue #11 (6)): each way of tampering with file access is detected, the key
// and checkpoints behave as documented, and databases from before keyed chaining migrate.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cmath>
#include <fstream>

#include "moderation.h"
#include "test_support.h"

using namespace sightline;
using namespace sightline::moderation;

namespace {

std::string img(const std::string& name) {
    return test::fixturesDir() + "/cases/images/" + name;
}

GenerateResult rejectAll(const std::vector<ChatMessage>&, const GenerationParams&, const std::atomic<bool>*) {
    GenerateResult r;
    r.text = R"({"verdict": "reject", "reasons": ["x"], "categories": []})";
    TokenEvent ev;
    ev.textDelta = r.text;
    ev.logprob = std::log(0.9f);
    r.tokens.push_back(ev);
    r.outputIds.push_back(1);
    return r;
}

void sql(ModerationStore& store, const std::string& statement) {
    char* err = nullptr;
    const int rc = sqlite3_exec(store.rawHandle(), statement.c_str(), nullptr, nullptr, &err);
    const std::string msg = err ? err : "";
    sqlite3_free(err);
    ASSERT_EQ(rc, SQLITE_OK) << statement << ": " << msg;
}

std::string scalar(ModerationStore& store, const std::string& query) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(store.rawHandle(), query.c_str(), -1, &s, nullptr);
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
}

// A judged queue of three items with two decisions and a checkpoint: 5 records.
struct Fixture {
    explicit Fixture(const std::string& tag) : dir(test::scratchDir("sightline-modaudit", tag)) {
        test::writeFile(dir + "/q.csv", "id,image,title\na," + img("img_1x1.png") + ",A\nb," + img("img_57x91.png") + ",B\nc," +
                                            img("img_300x200.png") + ",C\n");
        options = {dir + "/keys/audit.key", dir + "/m.db.checkpoints"};
        store = std::make_unique<ModerationStore>(dir + "/m.db", options);
        store->addItems(importQueue(dir + "/q.csv"));
        runModeration(*store, rejectAll, RunOptions{});  // writes a checkpoint at the end
        store->recordDecision("a", HumanDecision::Approve, "alice", "", 100);
        store->recordDecision("b", HumanDecision::Reject, "bob", "", 100);
        EXPECT_EQ(store->writeCheckpoint(), 5);
    }
    ModerationStore::AuditCheck verify() { return store->verifyAudit(); }
    std::string dir;
    StoreOptions options;
    std::unique_ptr<ModerationStore> store;
};

TEST(ModerationAudit, IntactLogVerifiesAndTheKeyIsPrivate) {
    Fixture f("intact");
    const auto c = f.verify();
    EXPECT_TRUE(c.ok) << c.message;
    EXPECT_EQ(c.records, 5);
    EXPECT_EQ(c.checkpointCount, 5);
    struct stat st {};
    ASSERT_EQ(::stat(f.options.keyPath.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // Keyed: the stored hash is not the plain SHA-256 anyone could recompute.
    const std::string record = scalar(*f.store, "SELECT record FROM audit WHERE seq=1");
    EXPECT_NE(scalar(*f.store, "SELECT hash FROM audit WHERE seq=1"), sha256Hex(std::string(64, '0') + "\n" + record));
    // Undo is audited and keeps the log consistent.
    f.store->undoDecision("b", "bob");
    EXPECT_EQ(f.store->item("b")->decision, "");
    EXPECT_EQ(f.store->auditCount("b"), 3);
    EXPECT_TRUE(f.verify().ok) << f.verify().message;
    EXPECT_THROW(f.store->undoDecision("b", "bob"), Error);  // nothing left to undo
}

TEST(ModerationAudit, EditAndRecomputeIsDetected) {
    Fixture f("recompute");
    // Without the key the best a forger can do is the old unkeyed chain: recompute every hash from
    // the edited record on.
    sql(*f.store, "DROP TRIGGER audit_no_update");
    sql(*f.store, "UPDATE audit SET record=replace(record, '\"human_decision\":\"reject\"', '\"human_decision\":\"approve\"') WHERE seq=5");
    sql(*f.store, "UPDATE items SET decision='approve' WHERE id='b'");
    const std::string prev = scalar(*f.store, "SELECT hash FROM audit WHERE seq=4");
    const std::string record = scalar(*f.store, "SELECT record FROM audit WHERE seq=5");
    ASSERT_NE(record.find("\"human_decision\":\"approve\""), std::string::npos);
    sql(*f.store, "UPDATE audit SET hash='" + sha256Hex(prev + "\n" + record) + "' WHERE seq=5");
    sql(*f.store, "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END");
    auto c = f.verify();
    EXPECT_FALSE(c.ok);
    EXPECT_EQ(c.firstBadSeq, 5);
    EXPECT_NE(c.message.find("altered"), std::string::npos) << c.message;
    // Relabelling the record as legacy (plain SHA-256) does not help either.
    sql(*f.store, "DROP TRIGGER audit_no_update");
    sql(*f.store, "UPDATE audit SET alg='sha256' WHERE seq=5");
    c = f.verify();
    EXPECT_FALSE(c.ok);
    EXPECT_NE(c.message.find("legacy"), std::string::npos) << c.message;
}

TEST(ModerationAudit, AnotherKeyIsDetected) {
    Fixture f("otherkey");
    test::writeFile(f.dir + "/other.key", std::string(64, 'a') + "\n");
    ::chmod((f.dir + "/other.key").c_str(), 0600);
    ModerationStore other(f.dir + "/m.db", {f.dir + "/other.key", f.options.checkpointPath});
    const auto c = other.verifyAudit();
    EXPECT_FALSE(c.ok);
    EXPECT_NE(c.message.find("HMAC mismatch"), std::string::npos) << c.message;
    ModerationStore noKey(f.dir + "/m.db", {f.dir + "/absent.key", f.options.checkpointPath});
    const auto n = noKey.verifyAudit();
    EXPECT_FALSE(n.ok);
    EXPECT_NE(n.message.find("no audit key"), std::string::npos) << n.message;
    struct stat st {};
    EXPECT_NE(::stat((f.dir + "/absent.key").c_str(), &st), 0);  // verify never creates a key
}

TEST(ModerationAudit, DroppedTriggersAreDetected) {
    Fixture f("triggers");
    sql(*f.store, "DROP TRIGGER audit_no_delete");
    const auto c = f.verify();
    EXPECT_FALSE(c.ok);
    EXPECT_NE(c.message.find("triggers"), std::string::npos) << c.message;
}

TEST(ModerationAudit, TruncatedTailIsDetectedByTheCheckpoint) {
    Fixture f("truncate");
    sql(*f.store, "DROP TRIGGER audit_no_delete");
    sql(*f.store, "DELETE FROM audit WHERE seq >= 4");
    sql(*f.store, "UPDATE items SET decision='', reviewer='' WHERE id IN ('a', 'b')");  // hide the decisions too
    sql(*f.store, "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END");
    const auto c = f.verify();
    EXPECT_FALSE(c.ok);
    EXPECT_NE(c.message.find("removed"), std::string::npos) << c.message;
    EXPECT_EQ(c.records, 3);
    EXPECT_EQ(c.checkpointCount, 5);
    // A forged checkpoint line (no key) is detected as well.
    std::ofstream(f.options.checkpointPath, std::ios::app) << "{\"count\":3,\"last_hash\":\"00\",\"mac\":\"00\"}\n";
    EXPECT_NE(f.verify().message.find("not signed"), std::string::npos);
}

TEST(ModerationAudit, ItemsChangedOutsideTheLogAreDetected) {
    Fixture f("items");
    sql(*f.store, "UPDATE items SET verdict='approve' WHERE id='c'");
    auto c = f.verify();
    EXPECT_FALSE(c.ok);
    EXPECT_NE(c.message.find("item \"c\" has verdict \"approve\""), std::string::npos) << c.message;
    sql(*f.store, "UPDATE items SET verdict='reject' WHERE id='c'");
    EXPECT_TRUE(f.verify().ok);
    sql(*f.store, "UPDATE items SET decision='reject' WHERE id='a'");
    c = f.verify();
    EXPECT_FALSE(c.ok);
    EXPECT_NE(c.message.find("item \"a\" has decision \"reject\""), std::string::npos) << c.message;
    sql(*f.store, "UPDATE items SET decision='approve' WHERE id='a'");
    sql(*f.store, "UPDATE items SET status='pending', verdict=NULL WHERE id='c'");  // to be judged again
    EXPECT_FALSE(f.verify().ok);
    sql(*f.store, "DELETE FROM items WHERE id='c'");
    EXPECT_NE(f.verify().message.find("missing from the queue"), std::string::npos);
}

// A database written before keyed chaining: its records stay verifiable and are sealed by an anchor.
TEST(ModerationAudit, LegacyDatabaseIsAnchored) {
    const std::string dir = test::scratchDir("sightline-modaudit", "legacy");
    const std::string db = dir + "/old.db";
    {
        sqlite3* h = nullptr;
        ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
        std::string prev(64, '0');
        std::string script =
            "CREATE TABLE items(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, image_path TEXT, image_sha256 TEXT, title "
            "TEXT, "
            "text TEXT, duplicate_of TEXT, status TEXT NOT NULL DEFAULT 'pending', verdict TEXT, reasons TEXT, categories TEXT, confidence "
            "REAL, "
            "raw TEXT, latency_ms REAL, prompt_tokens INTEGER, output_tokens INTEGER, policy_version TEXT, model_id TEXT, judged_at TEXT, "
            "decision TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '', reviewer TEXT NOT NULL DEFAULT '', review_ms REAL NOT NULL "
            "DEFAULT 0, decided_at TEXT);"
            "CREATE TABLE audit(seq INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL, record TEXT NOT NULL, prev_hash TEXT NOT "
            "NULL, "
            "hash TEXT NOT NULL);"
            "INSERT INTO items(id, status, verdict, reasons, categories, raw) VALUES('old1', 'judged', 'approve', '[]', '[]', ''), "
            "('old2', 'error', NULL, NULL, NULL, 'garbage');";
        const std::vector<std::pair<std::string, std::string>> records = {
            {"old1", R"({"event":"model_verdict","item_id":"old1","verdict":"approve","human_decision":null})"},
            {"old2",
             R"({"event":"model_verdict","item_id":"old2","verdict":null,"error":"no JSON object in the output","human_decision":null})"}};
        for (const auto& [id, rec] : records) {
            const std::string hash = sha256Hex(prev + "\n" + rec);
            script +=
                "INSERT INTO audit(item_id, record, prev_hash, hash) VALUES('" + id + "', '" + rec + "', '" + prev + "', '" + hash + "');";
            prev = hash;
        }
        ASSERT_EQ(sqlite3_exec(h, script.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(h);
    }
    const StoreOptions o{dir + "/audit.key", db + ".checkpoints"};
    {
        ModerationStore store(db, o);
        EXPECT_EQ(store.auditCount(), 3);                                      // two legacy records + the anchor
        EXPECT_EQ(store.item("old2")->error, "no JSON object in the output");  // the reason moved into the item
        const auto c = store.verifyAudit();
        EXPECT_TRUE(c.ok) << c.message;
        EXPECT_EQ(c.legacyRecords, 2);
        store.recordDecision("old1", HumanDecision::Approve, "r", "", 1);
        EXPECT_TRUE(store.verifyAudit().ok);
    }
    ModerationStore store(db, o);  // reopening anchors nothing twice
    EXPECT_EQ(store.auditCount(), 4);
    // Rewriting a legacy record and its unkeyed hash now breaks the seal.
    sql(store, "DROP TRIGGER audit_no_update");
    const std::string rec = R"({"event":"model_verdict","item_id":"old1","verdict":"reject","human_decision":null})";
    sql(store, "UPDATE audit SET record='" + rec + "', hash='" + sha256Hex(std::string(64, '0') + "\n" + rec) + "' WHERE seq=1");
    sql(store, "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END");
    const auto c = store.verifyAudit();
    EXPECT_FALSE(c.ok);
    EXPECT_EQ(c.firstBadSeq, 2);  // record 2 no longer follows record 1's hash
}

}  // namespace
