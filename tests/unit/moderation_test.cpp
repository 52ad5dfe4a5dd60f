#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "moderation.h"
#include "moderation_scripted.h"
#include "test_support.h"

using namespace sightline;
using namespace sightline::moderation;
namespace fs = std::filesystem;

namespace {

std::string tempDir(const std::string& tag) {
    return test::scratchDir("sightline-mod", tag);
}

std::string img(const std::string& name) {
    return test::fixturesDir() + "/cases/images/" + name;
}

std::string writeQueueCsv(const std::string& dir) {
    const std::string path = dir + "/queue.csv";
    test::writeFile(path,
                    "id,image,title,text\n"
                    "a," +
                        img("img_300x200.png") +
                        ",\"Chair, red\",\"Mail x@y.com\"\n"
                        "b," +
                        img("img_57x91.png") +
                        ",Pills,\"Cures \"\"everything\"\"\nfast\"\n"
                        "c," +
                        img("img_300x200.png") +
                        ",\"Chair, red\",\"Mail x@y.com\"\n"
                        "d," +
                        img("img_1x1.png") + ",Dot,\n");
    return path;
}

// A scripted judge: answers per item from a table, counts calls, can stop after N items.
struct ScriptedJudge {
    std::map<std::string, std::string> answers;  // title → output text
    std::map<std::string, int> calls;
    std::atomic<int> budget{1000};
    std::atomic<bool>* cancel = nullptr;
    GenerateResult operator()(const std::vector<ChatMessage>& m, const GenerationParams&, const std::atomic<bool>*) {
        const std::string prompt = m.back().content.back().text;
        const std::string title = prompt.substr(15, prompt.find('\n') - 15);
        calls[title]++;
        if (--budget < 0 && cancel) {  // the process "dies" here: nothing is written for this item
            cancel->store(true);
            GenerateResult r;
            r.finishReason = FinishReason::Cancelled;
            return r;
        }
        return scriptedAnswer(answers.count(title) ? answers[title]
                                                   : R"({"verdict": "approve", "reasons": [], "categories": [], "confidence": 0.9})");
    }
};

TEST(ModerationImport, CsvJsonlFolderAndDuplicates) {
    const auto dir = tempDir("import");
    const auto items = importQueue(writeQueueCsv(dir));
    ASSERT_EQ(items.size(), 4u);
    EXPECT_EQ(items[0].title, "Chair, red");
    EXPECT_EQ(items[1].text, "Cures \"everything\"\nfast");
    EXPECT_EQ(items[2].duplicateOf, "a");  // same image hash and same text
    EXPECT_EQ(items[1].duplicateOf, "");
    EXPECT_EQ(items[0].imageSha256.size(), 64u);
    test::writeFile(dir + "/q.jsonl", "{\"image\": \"" + img("img_1x1.png") + "\", \"title\": \"t\", \"id\": 7}\n\n{\"image\": \"" +
                                          img("img_1x1.png") + "\"}\n");
    const auto j = importQueue(dir + "/q.jsonl");
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(j[0].id, "7");
    EXPECT_EQ(j[1].id, "line-3");
    EXPECT_EQ(j[1].duplicateOf, "");  // same image, different title
    const auto folder = importQueue(test::fixturesDir() + "/cases/images");
    EXPECT_EQ(folder.size(), 5u);
    EXPECT_EQ(folder[0].id, "img_1x1.png");
    test::writeFile(dir + "/bad.jsonl", "{\"image\": 1}\n");
    EXPECT_THROW(importQueue(dir + "/bad.jsonl"), Error);
    test::writeFile(dir + "/bad.csv", "title\nx\n");
    EXPECT_THROW(importQueue(dir + "/bad.csv"), Error);
    test::writeFile(dir + "/dup.csv", "id,image\n1," + img("img_1x1.png") + "\n1," + img("img_1x1.png") + "\n");
    EXPECT_THROW(importQueue(dir + "/dup.csv"), Error);
    EXPECT_THROW(importQueue(dir + "/queue.txt"), Error);
}

TEST(ModerationVerdict, GoodMalformedTruncatedAndWrapped) {
    auto v = parseVerdict(R"({"verdict": "reject", "reasons": ["weapon"], "categories": ["prohibited_goods"], "confidence": 0.8})");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->verdict, VerdictKind::Reject);
    EXPECT_EQ(v->reasons, std::vector<std::string>{"weapon"});
    EXPECT_DOUBLE_EQ(v->statedConfidence, 0.8);
    EXPECT_FALSE(v->repaired);
    // Extra text, code fences and reasoning around the object.
    v = parseVerdict("<think>hmm {not this}</think>Sure! ```json\n{\"verdict\": \"APPROVE\", \"reasons\": []}\n``` Hope that helps.");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->verdict, VerdictKind::Approve);
    // Malformed but repairable: single quotes, trailing comma, bare keys.
    v = parseVerdict("{'verdict': 'review', 'reasons': ['blurry',],}");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->verdict, VerdictKind::Review);
    EXPECT_TRUE(v->repaired);
    v = parseVerdict("{verdict: \"reject\", categories: [\"adult_content\"]}");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->categories, std::vector<std::string>{"adult_content"});
    // Truncated mid-list.
    v = parseVerdict(R"({"verdict": "reject", "reasons": ["fake discount", "mislead)");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->verdict, VerdictKind::Reject);
    EXPECT_EQ(v->reasons.size(), 2u);
    // Not recoverable.
    std::string why;
    EXPECT_FALSE(parseVerdict("I think it is fine.", &why));
    EXPECT_NE(why.find("no JSON"), std::string::npos);
    EXPECT_FALSE(parseVerdict(R"({"verdict": "maybe"})", &why));
    EXPECT_NE(why.find("maybe"), std::string::npos);
    EXPECT_FALSE(parseVerdict("<think>still thinking {", &why));
    EXPECT_FALSE(parseVerdict("{]]]", &why));
}

TEST(ModerationVerdict, ConfidenceIsTheVerdictTokenProbability) {
    GenerateResult r;
    const std::vector<std::pair<std::string, float>> toks = {
        {"{\"", -0.1f}, {"verdict", -0.01f}, {"\": \"", -0.02f}, {"rej", -0.3f}, {"ect\"}", -0.05f}};
    for (auto [t, lp] : toks) {
        TokenEvent ev;
        ev.textDelta = t;
        ev.logprob = lp;
        r.tokens.push_back(ev);
    }
    EXPECT_NEAR(verdictTokenProbability(r), std::exp(-0.3), 1e-6);
    EXPECT_EQ(verdictTokenProbability(GenerateResult{}), 0);
}

TEST(ModerationMasking, PhonesMailsAndIds) {
    EXPECT_EQ(maskPersonalData("call +1 (555) 123-4567 now"), "call [phone] now");
    EXPECT_EQ(maskPersonalData("mail a.b+c@example.co.uk!"), "mail [email]!");
    EXPECT_EQ(maskPersonalData("ID 110105199001011234 and SSN 123-45-6789"), "ID [id] and SSN [id]");
    EXPECT_EQ(maskPersonalData("138 0013 8000"), "[phone]");
    EXPECT_EQ(maskPersonalData("Price 1299, year 2024, size 42"), "Price 1299, year 2024, size 42");
}

TEST(ModerationStore, ResumeAfterKillJudgesEachItemOnce) {
    const auto dir = tempDir("resume");
    const auto queue = importQueue(writeQueueCsv(dir));
    ScriptedJudge judge;
    judge.answers["Pills"] = "not json at all";  // malformed twice → error with raw kept
    std::atomic<bool> cancel{false};
    judge.cancel = &cancel;
    judge.budget = 2;  // the third request "dies"
    RunOptions o;
    o.modelId = "test-model";
    {
        ModerationStore store(dir + "/m.db");
        EXPECT_EQ(store.addItems(queue), 4);
        runModeration(store, std::ref(judge), o, {}, {}, &cancel);
        // a judged, b failed on its first attempt and died on its retry: only a was written
        EXPECT_EQ(store.pending().size(), 3u);
    }
    cancel = false;
    judge.budget = 1000;
    std::vector<std::string> seen;
    {
        ModerationStore store(dir + "/m.db");  // restart
        EXPECT_EQ(store.addItems(queue), 0);   // re-import adds nothing
        runModeration(
            store, std::ref(judge), o, [&](const ItemRecord& r) { seen.push_back(r.item.id); }, {}, &cancel);
        EXPECT_EQ(seen, (std::vector<std::string>{"b", "c", "d"}));
        EXPECT_TRUE(store.pending().empty());
        for (const char* id : {"a", "b", "c", "d"}) EXPECT_EQ(store.auditCount(id), 1) << id;
        const auto b = store.item("b");
        EXPECT_EQ(b->status, "error");
        EXPECT_EQ(b->raw, "not json at all");
        const auto a = store.item("a");
        EXPECT_EQ(a->status, "judged");
        EXPECT_NEAR(a->verdict->confidence, 0.5, 1e-6);  // from the token, not the stated 0.9
        EXPECT_EQ(a->policyVersion, o.policy.version);
        // A second writer cannot judge an item twice.
        ModerationStore::Judgement again;
        again.id = "a";
        EXPECT_FALSE(store.recordJudgement(again));
        EXPECT_EQ(store.auditCount("a"), 1);
        runModeration(store, std::ref(judge), o);  // nothing pending: no calls
    }
    EXPECT_EQ(judge.calls["Chair, red"], 2);  // a and c, once each
    EXPECT_EQ(judge.calls["Dot"], 1);
}

TEST(ModerationStore, AuditChainDetectsAnEditedRecord) {
    const auto dir = tempDir("audit");
    ModerationStore store(dir + "/m.db");
    store.addItems(importQueue(writeQueueCsv(dir)));
    ScriptedJudge judge;
    runModeration(store, std::ref(judge), RunOptions{});
    store.recordDecision("a", HumanDecision::Reject, "alice", "call 555-123-4567", 1500);
    store.recordDecision("b", HumanDecision::Approve, "bob", "", 500);
    EXPECT_TRUE(store.verifyAudit().ok);
    EXPECT_EQ(store.verifyAudit().records, 6);
    // The log is append-only inside the database...
    EXPECT_NE(sqlite3_exec(store.rawHandle(), "UPDATE audit SET record='{}' WHERE seq=2", nullptr, nullptr, nullptr), SQLITE_OK);
    // ...and an edit made around that (trigger dropped, file edited) is detected by the chain.
    ASSERT_EQ(sqlite3_exec(store.rawHandle(), "DROP TRIGGER audit_no_update", nullptr, nullptr, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(store.rawHandle(), "UPDATE audit SET record=replace(record, 'approve', 'reject') WHERE seq=2", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    const auto c = store.verifyAudit();
    EXPECT_FALSE(c.ok);
    EXPECT_EQ(c.firstBadSeq, 2);
    EXPECT_NE(c.message.find("altered"), std::string::npos);
}

TEST(ModerationStore, AuditRecordsMaskPersonalData) {
    const auto dir = tempDir("mask");
    ModerationStore store(dir + "/m.db");
    store.addItems(importQueue(writeQueueCsv(dir)));
    ScriptedJudge judge;
    runModeration(store, std::ref(judge), RunOptions{});
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(store.rawHandle(), "SELECT record FROM audit WHERE item_id='a'", -1, &s, nullptr);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    const std::string rec = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    EXPECT_EQ(rec.find("x@y.com"), std::string::npos);
    EXPECT_NE(rec.find("[email]"), std::string::npos);
    for (const char* key : {"image_sha256", "policy_version", "model_id", "sampling", "seed", "verdict", "human_decision", "time"})
        EXPECT_NE(rec.find(key), std::string::npos) << key;
}

TEST(ModerationStore, ExportAndMetrics) {
    const auto dir = tempDir("export");
    ModerationStore store(dir + "/m.db");
    store.addItems(importQueue(writeQueueCsv(dir)));
    ScriptedJudge judge;
    judge.answers["Pills"] = R"({"verdict": "reject", "reasons": ["false medical claim"], "categories": ["false_medical_claims"]})";
    runModeration(store, std::ref(judge), RunOptions{});
    store.recordDecision("a", HumanDecision::Approve, "r", "", 1000);  // agrees
    store.recordDecision("b", HumanDecision::Approve, "r", "", 3000);  // overrides a reject
    store.recordDecision("d", HumanDecision::Approve, "r", "", 2000);  // agrees
    const Metrics m = store.metrics();
    EXPECT_EQ(m.items, 4);
    EXPECT_EQ(m.judged, 4);
    EXPECT_EQ(m.decided, 3);
    EXPECT_NEAR(m.agreement, 2.0 / 3.0, 1e-9);
    EXPECT_NEAR(m.overrideRate, 1.0 / 3.0, 1e-9);
    EXPECT_DOUBLE_EQ(m.medianReviewMs, 2000);
    const std::string csv = store.exportCsv();
    EXPECT_NE(csv.find("\"Chair, red\""), std::string::npos);
    EXPECT_NE(csv.find("false_medical_claims"), std::string::npos);
    const std::string jsonl = store.exportJsonl();
    EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 4);
    EXPECT_NE(jsonl.find("\"decision\":\"approve\""), std::string::npos);
}

TEST(ModerationPolicy, DefaultAndFiles) {
    const Policy p = defaultPolicy();
    EXPECT_EQ(p.rules.size(), 5u);
    EXPECT_NE(p.render().find("\"verdict\""), std::string::npos);
    const auto dir = tempDir("policy");
    test::writeFile(dir + "/p.json",
                    R"({"name": "strict", "version": "v7", "system_prompt": "Be strict.", "rules": ["no_pets: no animals"]})");
    const Policy j = loadPolicy(dir + "/p.json");
    EXPECT_EQ(j.version, "v7");
    EXPECT_EQ(j.rules.size(), 1u);
    test::writeFile(dir + "/p.txt", "Only approve books.");
    const Policy t = loadPolicy(dir + "/p.txt");
    EXPECT_EQ(t.version.rfind("sha256:", 0), 0u);
    Policy edited = j;
    edited.rules.push_back("no_food: no perishable food");
    const std::string v = savePolicy(edited, dir + "/saved.json");
    const Policy back = loadPolicy(dir + "/saved.json");
    EXPECT_EQ(back.version, v);
    EXPECT_EQ(back.rules.size(), 2u);
    EXPECT_NE(v, savePolicy(j, dir + "/other.json"));  // a different policy is a different version
    test::writeFile(dir + "/bad.json", "{\"name\": ");
    EXPECT_THROW(loadPolicy(dir + "/bad.json"), Error);
    // Found by fuzz_policy: whatever loads also saves and loads again (an empty text policy did not;
    // a Latin-1 one threw json::type_error 316 when saved).
    test::writeFile(dir + "/empty.txt", " \n\t");
    EXPECT_THROW(loadPolicy(dir + "/empty.txt"), Error);
    test::writeFile(dir + "/latin1.txt", "Refuse caf\xE9 listings.");
    const Policy l = loadPolicy(dir + "/latin1.txt");
    savePolicy(l, dir + "/latin1.json");
    EXPECT_EQ(loadPolicy(dir + "/latin1.json").systemPrompt, l.systemPrompt);
}

TEST(ModerationStore, ItemsMessagesAreIsolated) {
    QueueItem it{"x", img("img_1x1.png"), "T", "D", "", ""};
    const auto m = buildItemMessages(it, defaultPolicy(), false);
    ASSERT_EQ(m.size(), 2u);  // system policy + this item only
    EXPECT_EQ(m[0].role, Role::System);
    EXPECT_EQ(m[1].content[0].type, ContentPart::Type::Image);
    EXPECT_THROW(buildItemMessages({"y", "/nonexistent.png", "", "", "", ""}, defaultPolicy(), false), Error);
}

}  // namespace
