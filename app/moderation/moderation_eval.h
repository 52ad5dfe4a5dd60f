// Moderation evaluation against human labels (issue #13): per label and per reject category
// precision, recall, F1 and support; macro-F1 and agreement; the confusion matrix of labels against
// the model's outcomes (verdicts, unreadable output, failures, items never judged); calibration of
// the verdict-token probability the store records (expected calibration error and a reliability
// table). Used by `sightline-cli moderate-eval` and the app's moderation dock. Qt-free, torch-free,
// pure: no thread rules beyond "one report, one thread".
//
// The numbers are those of tools/demo/evaluate.py (f1_table, calibration, moderation_eval) on the
// same data: every labelled item counts, an item without a usable verdict is a wrong answer with
// confidence 0; a predicted reject's category is its first category; items of the store that have
// no label are counted and named, never scored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moderation.h"

namespace sightline::moderation {

// The labels a person gives (the app's human decisions); the model's "review" is "escalate".
inline const std::vector<std::string> kEvalLabels = {"approve", "reject", "escalate"};
// The confusion matrix's columns: the model's verdicts, then the ways an item has none.
//   unparsed: the model answered but no verdict could be read; error: the item failed (image,
//   engine); missing: not judged (pending, or not in the store at all).
inline const std::vector<std::string> kEvalOutcomes = {"approve", "reject", "escalate", "unparsed", "error", "missing"};

struct LabelRow {
    std::string id;
    std::string label;     // one of kEvalLabels ("review" in the file is read as "escalate")
    std::string category;  // the rule of a reject; "", "review" or anything for the others (unused)
    size_t row = 0;        // its record number in the file (the header is row 1)
};

inline constexpr int64_t kMaxLabelsFileBytes = int64_t(64) << 20;
inline constexpr size_t kMaxLabels = 2'000'000;

// `id,label,category` CSV (tools/demo/listings.py write_queue): a header naming at least `id` and
// `label` (any order, any case, a UTF-8 BOM allowed), then one row per item; blank lines are
// skipped. Throws Error(BadInput) naming `where` and the row for: text that is not UTF-8, a row
// whose field count differs from the header's, an empty id, an unknown label, an id given twice
// (both rows named), more than kMaxLabels rows, an unterminated quote.
std::vector<LabelRow> parseLabels(const std::string& csvText, const std::string& where);
// The file (a regular file of at most kMaxLabelsFileBytes, never blocking on a FIFO), parsed.
std::vector<LabelRow> loadLabels(const std::string& path);

// One item of the store as the evaluation sees it.
struct EvalItem {
    std::string id;
    std::string outcome;    // one of kEvalOutcomes
    std::string category;   // a reject's first category, else ""
    double confidence = 0;  // the verdict token's probability in [0, 1]; 0 without a verdict
};
EvalItem evalItemOf(const ItemRecord& record);

struct ClassScores {
    std::string name;
    double precision = 0, recall = 0, f1 = 0;  // 0 where the denominator is 0 (as evaluate.py)
    int64_t support = 0;                       // items whose truth is this class
};

struct ReliabilityBin {
    double lo = 0, hi = 0;  // [lo, hi); the last bin includes 1.0
    int64_t n = 0;
    double confidence = 0;  // mean confidence of its items (0 when empty)
    double accuracy = 0;    // fraction right (0 when empty)
};

struct EvalReport {
    int64_t n = 0;                         // labelled items, every one of them (with or without a verdict)
    int64_t correct = 0;                   // outcome == label
    double agreement = 0;                  // correct / n (0 when n == 0)
    double macroF1 = 0;                    // mean F1 of the three labels
    std::vector<ClassScores> perLabel;     // kEvalLabels order
    std::vector<ClassScores> perCategory;  // reject categories seen in the labels or the verdicts, by name
    // confusion[i][j]: items labelled kEvalLabels[i] whose outcome is kEvalOutcomes[j].
    std::vector<std::vector<int64_t>> confusion;
    int64_t unparsed = 0, failed = 0, missing = 0;  // labelled items by the three "no verdict" outcomes
    int64_t errors() const { return unparsed + failed + missing; }
    std::vector<std::string> missingIds;      // the first kExampleIds of them
    int64_t unlabelled = 0;                   // items of the store that have no label (not scored)
    std::vector<std::string> unlabelledIds;   // the first kExampleIds of them
    double ece = 0;                           // expected calibration error over all n items
    std::vector<ReliabilityBin> reliability;  // every bin, empty ones included
    static constexpr size_t kExampleIds = 10;
};

// bins: reliability bins of equal width over [0, 1] (evaluate.py's default is 5); clamped to 1..100.
EvalReport evaluateModeration(const std::vector<LabelRow>& labels, const std::vector<EvalItem>& items, int bins = 5);
// The store's items, evaluated.
EvalReport evaluateModeration(const ModerationStore& store, const std::vector<LabelRow>& labels, int bins = 5);

// Plain-text tables for a terminal (valid UTF-8: ids are repaired).
std::string formatEvalText(const EvalReport& report);
// One JSON object with evaluate.py's keys (n, agreement, errors, macro_f1, per_label, per_category,
// calibration {ece, reliability: the non-empty bins}) plus confusion, unparsed, failed, missing,
// missing_ids, unlabelled, unlabelled_ids.
std::string formatEvalJson(const EvalReport& report);

}  // namespace sightline::moderation
