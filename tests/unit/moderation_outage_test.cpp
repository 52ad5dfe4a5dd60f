// A remote moderation run whose server goes away (RunOptions::isOutage): the run stops, the item
// that met the outage and every item not yet judged stay pending (none is marked as an error), and
// the next run judges each of them exactly once.
#include <gtest/gtest.h>

#include <stdexcept>

#include "moderation.h"
#include "moderation_scripted.h"
#include "test_support.h"

using namespace sightline;
using namespace sightline::moderation;

namespace {

struct ServerGone : std::runtime_error {
    ServerGone() : std::runtime_error("cannot reach the remote server (gave up after 5 retries)") {}
};

// Approves everything; from the `failFrom`-th call on, the server is gone.
struct FlakyJudge {
    int* calls;
    int failFrom;
    GenerateResult operator()(const std::vector<ChatMessage>&, const GenerationParams&, const std::atomic<bool>*) const {
        if (++*calls >= failFrom) throw ServerGone();
        return scriptedAnswer(R"({"verdict": "approve", "reasons": [], "categories": []})");
    }
};

}  // namespace

TEST(ModerationOutage, StopsTheRunLeavesItemsPendingAndTheRerunJudgesEachOnce) {
    const std::string dir = test::scratchDir("sightline-modoutage", "run");
    ModerationStore store(dir + "/m.db", {dir + "/audit.key", dir + "/m.db.checkpoints"});
    std::string csv = "id,image,title\n";
    for (const char* id : {"a", "b", "c", "d", "e"}) csv += std::string(id) + "," + test::fixturesDir() + "/cases/images/img_1x1.png,T\n";
    test::writeFile(dir + "/q.csv", csv);
    store.addItems(importQueue(dir + "/q.csv"));

    RunOptions o;
    o.isOutage = [](const std::exception& e) { return dynamic_cast<const ServerGone*>(&e) != nullptr; };
    int calls = 0;
    RunProgress last;
    runModeration(store, JudgeFn(FlakyJudge{&calls, 3}), o, {}, [&](const RunProgress& p) { last = p; });
    EXPECT_EQ(calls, 3) << "the run goes on after the outage";
    EXPECT_EQ(store.item("a")->status, "judged");
    EXPECT_EQ(store.item("b")->status, "judged");
    for (const char* id : {"c", "d", "e"}) EXPECT_EQ(store.item(id)->status, "pending") << id << ": " << store.item(id)->error;
    EXPECT_NE(last.outage.find("cannot reach"), std::string::npos);
    EXPECT_NE(last.warning.find("stay pending"), std::string::npos) << last.warning;

    calls = 0;
    runModeration(store, JudgeFn(FlakyJudge{&calls, 1000}), o);
    EXPECT_EQ(calls, 3) << "only the pending items are judged again";
    EXPECT_TRUE(store.pending().empty());
    for (const char* id : {"a", "b", "c", "d", "e"}) {
        EXPECT_EQ(store.item(id)->status, "judged") << id;
        EXPECT_EQ(store.auditCount(id), 1) << id << " judged exactly once";
    }
    const auto check = store.verifyAudit();
    EXPECT_TRUE(check.ok) << check.message;
}

// Without isOutage every error is the item's: nothing changes for the local engine.
TEST(ModerationOutage, WithoutThePredicateErrorsAreTheItems) {
    const std::string dir = test::scratchDir("sightline-modoutage", "plain");
    ModerationStore store(dir + "/m.db", {dir + "/audit.key", dir + "/m.db.checkpoints"});
    test::writeFile(dir + "/q.csv", "id,image,title\na," + test::fixturesDir() + "/cases/images/img_1x1.png,T\n");
    store.addItems(importQueue(dir + "/q.csv"));
    int calls = 0;
    runModeration(store, JudgeFn(FlakyJudge{&calls, 1}), RunOptions{});
    EXPECT_EQ(store.item("a")->status, "error");
}
