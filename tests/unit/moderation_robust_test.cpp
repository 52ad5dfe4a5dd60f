// Untrusted input through the moderation pipeline (issue #11): model output and imported text that
// are not UTF-8, exceptions on worker threads, huge titles through the PII masker, device files and
// FIFOs as images, deeply nested JSON. Each case once crashed, hung or aborted a run.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <future>
#include <map>
#include <random>
#include <regex>
#include <thread>

#include "moderation.h"
#include "moderation_scripted.h"
#include "sightline/untrusted.h"
#include "test_support.h"

using namespace sightline;
using namespace sightline::moderation;

namespace {

std::string tempDir(const std::string& tag) {
    return test::scratchDir("sightline-modrobust", tag);
}
std::string img(const std::string& name) {
    return test::fixturesDir() + "/cases/images/" + name;
}

StoreOptions keyIn(const std::string& dir) {
    return {dir + "/audit.key", dir + "/m.db.checkpoints"};
}

// Answers by listing title; a title starting with "throw" throws, as a broken engine would.
struct TitleJudge {
    std::map<std::string, std::string> answers;
    GenerateResult operator()(const std::vector<ChatMessage>& m, const GenerationParams&, const std::atomic<bool>*) const {
        const std::string prompt = m.back().content.back().text;
        const std::string title = prompt.substr(15, prompt.find('\n') - 15);
        if (title.rfind("throw", 0) == 0) throw std::runtime_error("engine exploded \xff\xfe");
        auto it = answers.find(title);
        return scriptedAnswer(it != answers.end() ? it->second : R"({"verdict": "approve", "reasons": [], "categories": []})");
    }
};

std::string queueOf(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& rows) {
    std::string csv = "id,image,title\n";
    for (const auto& [id, title] : rows) csv += id + "," + img("img_1x1.png") + "," + title + "\n";
    test::writeFile(dir + "/q.csv", csv);
    return dir + "/q.csv";
}

class ParallelRuns : public ::testing::TestWithParam<int> {};

// Issue #11 (1): a verdict the parser rejects with a message that quotes invalid UTF-8 made
// recordJudgement throw json type_error 316 on the worker thread: std::terminate for the app, exit 1
// for the CLI, at the same item on every later run.
TEST_P(ParallelRuns, InvalidUtf8OutputFailsOnlyThatItem) {
    const auto dir = tempDir("utf8-" + std::to_string(GetParam()));
    ModerationStore store(dir + "/m.db", keyIn(dir));
    store.addItems(importQueue(queueOf(dir, {{"a", "First"}, {"b", "Bad"}, {"c", "Third"}, {"d", "throw now"}, {"e", "Fifth"}})));
    TitleJudge judge;
    judge.answers["Bad"] = "{\"verdict\": \"\xff\xfe reject\", \"reasons\": [\"\xc3\"]}";
    RunOptions o;
    o.parallel = GetParam();
    runModeration(store, judge, o);
    EXPECT_TRUE(store.pending().empty());
    for (const char* id : {"a", "c", "e"}) EXPECT_EQ(store.item(id)->status, "judged") << id;
    const auto b = store.item("b");
    EXPECT_EQ(b->status, "error");
    EXPECT_NE(b->error.find("Model output could not be read"), std::string::npos) << b->error;
    EXPECT_TRUE(isValidUtf8(b->error));
    EXPECT_TRUE(isValidUtf8(b->raw));
    const auto d = store.item("d");  // a non-sightline exception from the judge: that item only
    EXPECT_EQ(d->status, "error");
    EXPECT_NE(d->error.find("engine exploded"), std::string::npos) << d->error;
    const auto check = store.verifyAudit();
    EXPECT_TRUE(check.ok) << check.message;
    EXPECT_EQ(check.records, 5);
    EXPECT_TRUE(isValidUtf8(store.exportJsonl()));
}

INSTANTIATE_TEST_SUITE_P(Moderation, ParallelRuns, ::testing::Values(1, 2));

// A store that cannot write at all (here: the audit key cannot be created) leaves the items pending
// and says why; the run neither throws nor terminates.
TEST(ModerationRun, UnwritableStoreLeavesItemsPendingWithAWarning) {
    const auto dir = tempDir("unwritable");
    test::writeFile(dir + "/file", "x");
    ModerationStore store(dir + "/m.db", {dir + "/file/audit.key", dir + "/m.db.checkpoints"});
    store.addItems(importQueue(queueOf(dir, {{"a", "First"}, {"b", "Second"}})));
    std::string warning;
    RunOptions o;
    o.parallel = 2;
    EXPECT_NO_THROW(runModeration(store, TitleJudge{}, o, {}, [&](const RunProgress& p) { warning = p.warning; }));
    EXPECT_EQ(store.pending().size(), 2u);
    EXPECT_NE(warning.find("could not be written"), std::string::npos) << warning;
    EXPECT_NE(warning.find("audit key"), std::string::npos) << warning;
}

// Issue #11 (2): Latin-1 text in a queue is converted (CSV and JSONL) with a warning naming the row.
TEST(ModerationImportEncoding, Latin1IsConvertedAndNamed) {
    const auto dir = tempDir("latin1");
    test::writeFile(dir + "/q.csv", "id,image,title,text\nx," + img("img_1x1.png") + ",caf\xe9,\x93quoted\x94 na\xefve\ny," +
                                        img("img_1x1.png") + ",plain,caf\xc3\xa9\n");
    ImportReport report;
    const auto items = importQueue(dir + "/q.csv", &report);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].title, "caf\xc3\xa9");
    EXPECT_EQ(items[0].text, "\xe2\x80\x9cquoted\xe2\x80\x9d na\xc3\xafve");  // Windows-1252 quotes
    EXPECT_EQ(items[1].text, "caf\xc3\xa9");                                  // UTF-8 stays as it is
    ASSERT_EQ(report.warnings.size(), 1u);
    EXPECT_NE(report.warnings[0].find("row 2"), std::string::npos) << report.warnings[0];
    EXPECT_NE(report.warnings[0].find("title, text"), std::string::npos) << report.warnings[0];

    test::writeFile(dir + "/q.jsonl", "{\"image\": \"" + img("img_1x1.png") + "\", \"title\": \"caf\xe9\", \"id\": \"j1\"}\n");
    ImportReport jr;
    const auto j = importQueue(dir + "/q.jsonl", &jr);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0].title, "caf\xc3\xa9");
    ASSERT_EQ(jr.warnings.size(), 1u);
    EXPECT_NE(jr.warnings[0].find("q.jsonl:1"), std::string::npos) << jr.warnings[0];
    EXPECT_EQ(decodeLegacyText("\x80\x81"), "\xe2\x82\xac\xef\xbf\xbd");  // euro; an undefined byte is U+FFFD
}

// The std::regex masker these scanners replace; the reference on short inputs (where it is safe).
std::string regexMask(const std::string& text) {
    static const std::regex email(R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})");
    static const std::regex nationalId(R"(\b\d{17}[\dXx]\b|\b\d{15}\b|\b\d{3}-\d{2}-\d{4}\b)");
    static const std::regex phone(R"((\+?\d[\d\s().\-]{6,}\d))");
    std::string s = std::regex_replace(text, email, "[email]");
    s = std::regex_replace(s, nationalId, "[id]");
    std::string out;
    size_t last = 0;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), phone); it != std::sregex_iterator(); ++it) {
        const std::string m = it->str();
        const auto digits = std::count_if(m.begin(), m.end(), ::isdigit);
        out += s.substr(last, static_cast<size_t>(it->position()) - last);
        out += digits >= 7 ? "[phone]" : m;
        last = static_cast<size_t>(it->position() + it->length());
    }
    return out + s.substr(last);
}

TEST(ModerationMasking, Corpus) {
    const std::vector<std::pair<std::string, std::string>> corpus = {
        {"call +1 (555) 123-4567 now", "call [phone] now"},
        {"mail a.b+c@example.co.uk!", "mail [email]!"},
        {"ID 110105199001011234 and SSN 123-45-6789", "ID [id] and SSN [id]"},
        {"138 0013 8000", "[phone]"},
        {"Price 1299, year 2024, size 42", "Price 1299, year 2024, size 42"},
        {"id 11010519900101123X end", "id [id] end"},
        {"15 digits 123456789012345.", "15 digits [id]."},
        {"16 digits 1234567890123456", "16 digits [phone]"},
        {"x@y@b.com", "x@[email]"},
        {"a@b.com.x1", "[email].x1"},
        {"bad@nodot and @lonely", "bad@nodot and @lonely"},
        {"card 4111 1111 1111 1111", "card [phone]"},
        {"tel: 555.123.4567; fax +44 20 7946 0958", "tel: [phone]; fax [phone]"},
        {"short 12-34-56", "short 12-34-56"},
        {"SSN123-45-6789", "SSN[phone]"},  // no word boundary for the ID pattern; the phone pattern has none
        {"mix user_1%x@sub-domain.example.org (555) 010-9999", "mix [email] ([phone]"},
        {"", ""},
    };
    for (const auto& [in, want] : corpus) {
        EXPECT_EQ(maskPersonalData(in), want) << in;
        EXPECT_EQ(regexMask(in), want) << "reference: " << in;
    }
    // Differential: random strings over the characters the patterns care about.
    std::mt19937 rng(1234);
    const std::string alphabet = "0123456789012345678901234567890123456789 -.()+@abcXx_%Z.-";
    for (int n = 0; n < 20000; ++n) {
        std::string s(rng() % 48, ' ');
        for (char& c : s) c = alphabet[rng() % alphabet.size()];
        ASSERT_EQ(maskPersonalData(s), regexMask(s)) << "input: \"" << s << "\"";
    }
}

// Issue #11 (3): std::regex overflowed the stack on a title over ~30,000 characters.
TEST(ModerationMasking, OneMegabyteInputs) {
    const size_t mb = size_t(1) << 20;
    std::string digitsAndSpaces;
    while (digitsAndSpaces.size() < mb) digitsAndSpaces += "1 ";
    EXPECT_EQ(maskPersonalData(digitsAndSpaces), "[phone] ");
    const std::string letters(mb, 'a');
    EXPECT_EQ(maskPersonalData(letters + "@example.com"), "[email]");
    EXPECT_EQ(maskPersonalData(letters), letters);
    std::string manyAts;
    while (manyAts.size() < mb) manyAts += "a@b@";
    EXPECT_EQ(maskPersonalData(manyAts), manyAts);
    std::string mixed;
    while (mixed.size() < mb) mixed += "Chair, mail me at a.b@example.com or +1 555 123 4567, price 12. ";
    const std::string masked = maskPersonalData(mixed);
    EXPECT_EQ(masked.find("example.com"), std::string::npos);
    EXPECT_NE(masked.find("or [phone], price 12."), std::string::npos);
    const std::string dots = "1" + std::string(mb, '.') + "1";
    EXPECT_EQ(maskPersonalData(dots), dots);  // matches the pattern but has 2 digits: kept
    // Through the store: a judged item with a 1 MB title writes its masked audit record.
    const auto dir = tempDir("bigtitle");
    test::writeFile(dir + "/q.jsonl",
                    "{\"id\": \"big\", \"image\": \"" + img("img_1x1.png") + "\", \"title\": \"" + digitsAndSpaces + "\"}\n");
    ModerationStore store(dir + "/m.db", keyIn(dir));
    store.addItems(importQueue(dir + "/q.jsonl"));
    runModeration(store, TitleJudge{}, RunOptions{});
    EXPECT_EQ(store.item("big")->status, "judged");
    EXPECT_TRUE(store.verifyAudit().ok);
}

// Runs f on a thread; fails (instead of hanging the suite) when it takes longer than 10 s.
template <class F>
bool finishesQuickly(F f) {
    auto task = std::make_shared<std::packaged_task<void()>>(f);
    auto done = task->get_future();
    std::thread([task] { (*task)(); }).detach();
    return done.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
}

// Issue #11 (4): /dev/zero was hashed forever; a FIFO blocked the import.
TEST(ModerationImages, DevicesAndFifosAreRefusedQuickly) {
    const auto dir = tempDir("devzero");
    const std::string fifo = dir + "/pipe.png";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string zeroWhy, fifoWhy;
    ASSERT_TRUE(finishesQuickly([&] {
        EXPECT_EQ(sha256OfFile("/dev/zero", &zeroWhy), "");
        EXPECT_EQ(sha256OfFile(fifo, &fifoWhy), "");
    })) << "hashing a device or FIFO did not return";
    EXPECT_NE(zeroWhy.find("not a regular file"), std::string::npos) << zeroWhy;
    EXPECT_NE(fifoWhy.find("not a regular file"), std::string::npos) << fifoWhy;
    EXPECT_THROW(readImageFile(dir), Error);  // a folder
    test::writeFile(dir + "/big.png", std::string(2000, 'x'));
    EXPECT_THROW(readImageFile(dir + "/big.png", 1000), Error);
    EXPECT_EQ(readImageFile(dir + "/big.png", 2000).size(), 2000u);

    test::writeFile(dir + "/q.csv", "id,image,title\nz,/dev/zero,Zero\nf," + fifo + ",Fifo\nm," + dir + "/missing.png,Gone\nok," +
                                        img("img_1x1.png") + ",Fine\n");
    ImportReport report;
    std::vector<QueueItem> items;
    ASSERT_TRUE(finishesQuickly([&] { items = importQueue(dir + "/q.csv", &report); })) << "import hung on /dev/zero or a FIFO";
    EXPECT_EQ(report.missingImages, 3);
    ASSERT_EQ(report.missingExamples.size(), 3u);
    EXPECT_NE(report.summary().find("3 images are missing or unreadable"), std::string::npos) << report.summary();
    EXPECT_NE(report.summary().find("missing.png"), std::string::npos) << report.summary();
    ModerationStore store(dir + "/m.db", keyIn(dir));
    store.addItems(items);
    ASSERT_TRUE(finishesQuickly([&] { runModeration(store, TitleJudge{}, RunOptions{}); })) << "judging hung on /dev/zero or a FIFO";
    EXPECT_NE(store.item("z")->error.find("not a regular file"), std::string::npos) << store.item("z")->error;
    EXPECT_NE(store.item("f")->error.find("not a regular file"), std::string::npos) << store.item("f")->error;
    EXPECT_NE(store.item("m")->error.find("no such image file"), std::string::npos) << store.item("m")->error;
    EXPECT_EQ(store.item("ok")->status, "judged");
    // The queue or policy file itself a device or a FIFO: refused at once, not read forever.
    ASSERT_EQ(::symlink("/dev/zero", (dir + "/zero.csv").c_str()), 0);
    ASSERT_EQ(::mkfifo((dir + "/pipe.jsonl").c_str(), 0600), 0);
    ASSERT_TRUE(finishesQuickly([&] {
        EXPECT_THROW(importQueue(dir + "/zero.csv"), Error);
        EXPECT_THROW(importQueue(dir + "/pipe.jsonl"), Error);
        EXPECT_THROW(loadPolicy("/dev/zero"), Error);
    })) << "reading a device or FIFO queue/policy did not return";
    const std::string csv = store.exportCsv();  // issue #10: the export says why an item failed
    EXPECT_EQ(csv.substr(0, csv.find('\n')).substr(csv.find('\n') - 6), ",error");
    EXPECT_NE(csv.find("no such image file"), std::string::npos);
}

std::string nested(size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

// Issue #11 (5): deeply nested JSON in a queue id, a policy rule or a verdict is a clear error.
TEST(ModerationJson, DeepNestingIsAClearError) {
    const auto dir = tempDir("deep");
    const std::string deep = nested(200000);
    test::writeFile(dir + "/q.jsonl", "{\"image\": \"" + img("img_1x1.png") + "\", \"id\": " + deep + "}\n");
    try {
        importQueue(dir + "/q.jsonl");
        ADD_FAILURE() << "a 200,000-deep id was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("q.jsonl:1"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("nest"), std::string::npos) << e.what();
    }
    test::writeFile(dir + "/q2.jsonl", "{\"image\": \"" + img("img_1x1.png") + "\", \"id\": [[1]]}\n");
    EXPECT_THROW(importQueue(dir + "/q2.jsonl"), Error);  // shallow but not an id
    test::writeFile(dir + "/p.json", "{\"system_prompt\": \"Be strict.\", \"rules\": [" + deep + "]}");
    try {
        loadPolicy(dir + "/p.json");
        ADD_FAILURE() << "a 200,000-deep rule was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("p.json"), std::string::npos) << e.what();
    }
    std::string why;
    EXPECT_FALSE(parseVerdict("{\"verdict\": \"reject\", \"reasons\": " + deep + "}", &why));
    EXPECT_NE(why.find("nest"), std::string::npos) << why;
}

}  // namespace
