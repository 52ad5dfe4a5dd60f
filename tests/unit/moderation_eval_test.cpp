// The moderation evaluation (moderation_eval.h) on small cases computed by hand, and the labels
// file's refusals. tests/cli/check_moderate_eval.py compares the same numbers with
// tools/demo/evaluate.py on a real run.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "moderation_eval.h"
#include "test_support.h"

using namespace sightline;
using namespace sightline::moderation;

namespace {

LabelRow lab(const std::string& id, const std::string& label, const std::string& category = "") {
    return {id, label, category, 0};
}

EvalItem item(const std::string& id, const std::string& outcome, double conf = 0, const std::string& category = "") {
    return {id, outcome, category, conf};
}

const ClassScores& scores(const std::vector<ClassScores>& v, const std::string& name) {
    for (const auto& s : v)
        if (s.name == name) return s;
    throw std::runtime_error("no class " + name);
}

std::string errorOf(const std::string& csv) {
    try {
        parseLabels(csv, "labels.csv");
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST(ModerationEval, PerfectRun) {
    const auto r =
        evaluateModeration({lab("a", "approve"), lab("b", "reject", "prohibited_goods"), lab("c", "escalate", "review")},
                           {item("a", "approve", 1.0), item("b", "reject", 0.9, "prohibited_goods"), item("c", "escalate", 0.5)});
    EXPECT_EQ(r.n, 3);
    EXPECT_DOUBLE_EQ(r.agreement, 1.0);
    EXPECT_DOUBLE_EQ(r.macroF1, 1.0);
    for (const auto& s : r.perLabel) {
        EXPECT_DOUBLE_EQ(s.precision, 1.0) << s.name;
        EXPECT_DOUBLE_EQ(s.recall, 1.0) << s.name;
        EXPECT_EQ(s.support, 1) << s.name;
    }
    ASSERT_EQ(r.perCategory.size(), 1u);
    EXPECT_DOUBLE_EQ(r.perCategory[0].f1, 1.0);
    for (size_t i = 0; i < 3; ++i)
        for (size_t k = 0; k < kEvalOutcomes.size(); ++k) EXPECT_EQ(r.confusion[i][k], i == k ? 1 : 0);
    EXPECT_EQ(r.errors(), 0);
    EXPECT_EQ(r.unlabelled, 0);
    // 1.0 and 0.9 in the last bin (mean 0.95, all right), 0.5 in 0.4-0.6: (2 * 0.05 + 1 * 0.5) / 3.
    ASSERT_EQ(r.reliability.size(), 5u);
    EXPECT_EQ(r.reliability[4].n, 2);
    EXPECT_EQ(r.reliability[2].n, 1);
    EXPECT_NEAR(r.ece, 0.2, 1e-12);
}

TEST(ModerationEval, AllWrong) {
    const auto r = evaluateModeration({lab("a", "approve"), lab("b", "reject", "prohibited_goods"), lab("c", "escalate", "review")},
                                      {item("a", "reject", 0.8, "weird_rule"), item("b", "escalate", 0.6), item("c", "approve", 0.7)});
    EXPECT_DOUBLE_EQ(r.agreement, 0.0);
    EXPECT_DOUBLE_EQ(r.macroF1, 0.0);
    for (const auto& s : r.perLabel) {
        EXPECT_DOUBLE_EQ(s.f1, 0.0) << s.name;
        EXPECT_EQ(s.support, 1) << s.name;
    }
    // The label's category is missed, the model's invented one has no support: both listed.
    ASSERT_EQ(r.perCategory.size(), 2u);
    EXPECT_EQ(scores(r.perCategory, "prohibited_goods").support, 1);
    EXPECT_DOUBLE_EQ(scores(r.perCategory, "prohibited_goods").recall, 0.0);
    EXPECT_EQ(scores(r.perCategory, "weird_rule").support, 0);
    EXPECT_EQ(r.confusion[0][1], 1);  // approve labelled, rejected
    EXPECT_EQ(r.confusion[1][2], 1);  // reject labelled, escalated
    EXPECT_EQ(r.confusion[2][0], 1);  // escalate labelled, approved
    // Every answer wrong: ECE is the mean confidence, (0.8 + 0.6 + 0.7) / 3.
    EXPECT_NEAR(r.ece, 0.7, 1e-12);
}

TEST(ModerationEval, MissingAndUnlabelledItemsAreCountedAndNamed) {
    // b is pending, c is not in the store at all, z has no label.
    const auto r = evaluateModeration({lab("a", "approve"), lab("b", "reject", "prohibited_goods"), lab("c", "escalate")},
                                      {item("a", "approve", 0.8), item("b", "missing"), item("z", "reject", 0.9, "prohibited_goods")});
    EXPECT_EQ(r.n, 3);  // the missing ones count, as wrong answers
    EXPECT_EQ(r.missing, 2);
    EXPECT_EQ(r.missingIds, (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(r.unlabelled, 1);
    EXPECT_EQ(r.unlabelledIds, (std::vector<std::string>{"z"}));
    EXPECT_DOUBLE_EQ(r.agreement, 1.0 / 3.0);
    EXPECT_DOUBLE_EQ(scores(r.perLabel, "approve").f1, 1.0);
    EXPECT_DOUBLE_EQ(scores(r.perLabel, "reject").recall, 0.0);
    EXPECT_DOUBLE_EQ(r.macroF1, 1.0 / 3.0);
    EXPECT_EQ(r.confusion[1][5], 1);  // reject labelled, missing
    EXPECT_EQ(r.confusion[2][5], 1);
    // z's category is not scored: it has no label.
    ASSERT_EQ(r.perCategory.size(), 1u);
    EXPECT_EQ(r.perCategory[0].support, 1);
    // 0.8 right in 0.8-1.0 (|0.8 - 1| / 3), the two missing at 0 wrong in 0.0-0.2 (0).
    EXPECT_NEAR(r.ece, 0.2 / 3.0, 1e-12);
    EXPECT_NE(formatEvalText(r).find("not judged: b, c"), std::string::npos);
}

TEST(ModerationEval, BinEdgesBelongToTheUpperBin) {
    // 0.2 opens bin 1, 0.6 opens bin 3, 1.0 closes the last bin, 0 opens bin 0.
    const auto r = evaluateModeration({lab("a", "approve"), lab("b", "approve"), lab("c", "approve"), lab("d", "approve")},
                                      {item("a", "approve", 0.2), item("b", "reject", 0.6), item("c", "approve", 1.0), item("d", "error")});
    ASSERT_EQ(r.reliability.size(), 5u);
    EXPECT_EQ(r.reliability[0].n, 1);
    EXPECT_EQ(r.reliability[1].n, 1);
    EXPECT_EQ(r.reliability[2].n, 0);
    EXPECT_EQ(r.reliability[3].n, 1);
    EXPECT_EQ(r.reliability[4].n, 1);
    EXPECT_DOUBLE_EQ(r.reliability[1].accuracy, 1.0);
    EXPECT_DOUBLE_EQ(r.reliability[3].accuracy, 0.0);
    // |0.2 - 1| / 4 + |0.6 - 0| / 4.
    EXPECT_NEAR(r.ece, 0.35, 1e-12);
    EXPECT_EQ(r.failed, 1);
    // Ten bins: 0.2 still opens its bin (2 / 10), 0.6 too (6 / 10).
    const auto ten =
        evaluateModeration({lab("a", "approve"), lab("b", "approve")}, {item("a", "approve", 0.2), item("b", "approve", 0.6)}, 10);
    ASSERT_EQ(ten.reliability.size(), 10u);
    EXPECT_EQ(ten.reliability[2].n, 1);
    EXPECT_EQ(ten.reliability[6].n, 1);
}

TEST(ModerationEval, NoLabelsIsEmptyNotADivisionByZero) {
    const auto r = evaluateModeration({}, {item("a", "approve", 0.9)});
    EXPECT_EQ(r.n, 0);
    EXPECT_DOUBLE_EQ(r.agreement, 0.0);
    EXPECT_DOUBLE_EQ(r.ece, 0.0);
    EXPECT_EQ(r.unlabelled, 1);
    EXPECT_NE(formatEvalJson(r).find("\"n\":0"), std::string::npos);
}

TEST(ModerationEval, StoreOutcomes) {
    const std::string dir = test::scratchDir("sightline-eval", "store");
    ModerationStore store(dir + "/m.sqlite3", {dir + "/audit.key", ""});  // never the user's key, even run by hand
    std::vector<QueueItem> q;
    for (const char* id : {"ok", "bad", "fail", "wait"}) q.push_back({id, "/nonexistent.png", "t", "", "", ""});
    store.addItems(q);
    ModerationStore::Judgement j;
    j.id = "ok";
    j.verdict = Verdict{VerdictKind::Review, {"unclear"}, {}, 0.75, -1, false};
    ASSERT_TRUE(store.recordJudgement(j));
    j = {};
    j.id = "bad";
    j.raw = "not json";
    j.error = std::string(kUnparsedOutputError) + "no JSON object";
    ASSERT_TRUE(store.recordJudgement(j));
    j.id = "fail";
    j.error = "image too large";
    ASSERT_TRUE(store.recordJudgement(j));
    const auto r =
        evaluateModeration(store, {lab("ok", "escalate"), lab("bad", "reject", "x"), lab("fail", "approve"), lab("wait", "approve")});
    EXPECT_EQ(r.confusion[2][2], 1);  // review is escalate
    EXPECT_EQ(r.confusion[1][3], 1);  // unparsed
    EXPECT_EQ(r.confusion[0][4], 1);  // error
    EXPECT_EQ(r.confusion[0][5], 1);  // pending
    EXPECT_EQ(r.unparsed, 1);
    EXPECT_EQ(r.failed, 1);
    EXPECT_EQ(r.missing, 1);
    EXPECT_EQ(r.correct, 1);
}

TEST(ModerationEval, LabelsFileReadsWhatListingsPyWrites) {
    const auto rows = parseLabels(
        "\xEF\xBB\xBFid,label,category\r\nitem0000,approve,\r\n\r\nitem0001,reject,prohibited_goods\r\n\"item,2\",escalate,review\r\n"
        "item0003, Review ,\r\n",
        "labels.csv");
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[1].category, "prohibited_goods");
    EXPECT_EQ(rows[2].id, "item,2");
    EXPECT_EQ(rows[2].label, "escalate");
    EXPECT_EQ(rows[3].label, "escalate");
    EXPECT_EQ(rows[3].row, 6u);
    // Columns in another order; no category column.
    const auto other = parseLabels("Label,ID\nreject,x\n", "l.csv");
    ASSERT_EQ(other.size(), 1u);
    EXPECT_EQ(other[0].id, "x");
    EXPECT_EQ(other[0].label, "reject");
}

TEST(ModerationEval, MalformedLabelsNameTheRow) {
    EXPECT_NE(errorOf("id,label,category\na,approve,\nb,reject,\xff\xfe\n").find("row 3: field 3 is not UTF-8"), std::string::npos);
    EXPECT_NE(errorOf("id,category\na,\n").find("no \"label\" column"), std::string::npos);
    EXPECT_NE(errorOf("id,label,category\na,approve,\nb,reject,x\na,reject,y\n").find("row 4: id \"a\" is already labelled on row 2"),
              std::string::npos);
    EXPECT_NE(errorOf("id,label,category\na,approve\n").find("row 2: has 2 fields"), std::string::npos);
    EXPECT_NE(errorOf("id,label,category\na,maybe,\n").find("row 2: label \"maybe\""), std::string::npos);
    EXPECT_NE(errorOf("id,label,category\n,approve,\n").find("row 2: empty id"), std::string::npos);
    EXPECT_NE(errorOf("id,label,category\n\"a,approve,\n").find("unterminated"), std::string::npos);
    EXPECT_NE(errorOf("").find("empty labels file"), std::string::npos);
    EXPECT_NE(errorOf(std::string("\0\0\0", 3)).find("no \"id\" column"), std::string::npos);
}

TEST(ModerationEval, HugeOrSpecialLabelsFilesAreRefusedUnread) {
    namespace fs = std::filesystem;
    const std::string dir = test::scratchDir("sightline-eval", "files");
    const std::string huge = dir + "/huge.csv";
    test::writeFile(huge, "id,label,category\n");
    fs::resize_file(huge, static_cast<uintmax_t>(kMaxLabelsFileBytes) + 1);  // sparse: nothing is written
    try {
        loadLabels(huge);
        FAIL() << "a labels file over the limit was read";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("over the labels limit"), std::string::npos) << e.what();
    }
    const std::string fifo = dir + "/fifo.csv";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_THROW(loadLabels(fifo), Error);  // refused, never waited on
    EXPECT_THROW(loadLabels(dir + "/absent.csv"), Error);
    EXPECT_THROW(loadLabels(dir), Error);
}
