// The evaluation report as terminal tables and as JSON (`sightline-cli moderate-eval [--json]`).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "moderation_eval.h"
#include "moderation_sql.h"
#include "sightline/untrusted.h"

namespace sightline::moderation {

namespace {

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string padded(std::string s, size_t width) {
    // Width in characters of UTF-8 text (continuation bytes take no column).
    size_t cols = 0;
    for (unsigned char c : s) cols += (c & 0xC0) != 0x80;
    if (cols < width) s.append(width - cols, ' ');
    return s;
}

std::string idList(const std::vector<std::string>& ids, int64_t total) {
    std::string s;
    for (size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + toValidUtf8(ids[i]);
    if (total > static_cast<int64_t>(ids.size())) s += ", …";
    return s;
}

void scoresTable(std::string& out, const std::string& title, const std::vector<ClassScores>& rows) {
    out += padded(title, 24) + " precision  recall      F1  support\n";
    for (const auto& r : rows)
        out += padded(toValidUtf8(r.name), 24) + fmt(" %9.3f", r.precision) + fmt(" %7.3f", r.recall) + fmt(" %7.3f", r.f1) +
               fmt(" %8.0f", static_cast<double>(r.support)) + "\n";
}

nlohmann::json scoresJson(const std::vector<ClassScores>& rows) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& r : rows)
        j[toValidUtf8(r.name)] = {{"precision", r.precision}, {"recall", r.recall}, {"f1", r.f1}, {"support", r.support}};
    return j;
}

std::string binName(const ReliabilityBin& b) {
    return fmt("%.2f", b.lo) + "-" + fmt("%.2f", b.hi);
}

}  // namespace

std::string formatEvalText(const EvalReport& r) {
    std::string out;
    out += "labelled items: " + std::to_string(r.n) + "   agreement (accuracy): " + fmt("%.3f", r.agreement) + " (" +
           std::to_string(r.correct) + "/" + std::to_string(r.n) + ")   macro-F1: " + fmt("%.3f", r.macroF1) + "\n";
    out += "without a verdict: " + std::to_string(r.errors()) + " (unparsed output " + std::to_string(r.unparsed) + ", failed " +
           std::to_string(r.failed) + ", not judged or not in the store " + std::to_string(r.missing) + "); each counts as wrong\n";
    if (r.missing > 0) out += "  labelled but not judged: " + idList(r.missingIds, r.missing) + "\n";
    if (r.unlabelled > 0)
        out += "items in the store without a label (not scored): " + std::to_string(r.unlabelled) + ": " +
               idList(r.unlabelledIds, r.unlabelled) + "\n";
    out += "\n";
    scoresTable(out, "label", r.perLabel);
    out += "\n";
    if (r.perCategory.empty())
        out += "reject categories: none in the labels or the verdicts\n";
    else
        scoresTable(out, "reject category", r.perCategory);
    out += "\nconfusion (rows: label, columns: model)\n" + padded("", 10);
    for (const auto& o : kEvalOutcomes) out += padded(" " + o, 10);
    out += "\n";
    for (size_t i = 0; i < r.confusion.size(); ++i) {
        out += padded(kEvalLabels[i], 10);
        for (int64_t v : r.confusion[i]) out += fmt(" %9.0f", static_cast<double>(v));
        out += "\n";
    }
    out += "\ncalibration of the verdict-token confidence: ECE " + fmt("%.3f", r.ece) + " (" + std::to_string(r.reliability.size()) +
           " bins; items without a verdict count at confidence 0)\n";
    out += "confidence        n  mean conf  accuracy\n";
    for (const auto& b : r.reliability) {
        out += padded(binName(b), 12) + fmt(" %7.0f", static_cast<double>(b.n));
        out += b.n ? fmt(" %10.3f", b.confidence) + fmt(" %9.3f", b.accuracy) : std::string("          -         -");
        out += "\n";
    }
    return out;
}

std::string formatEvalJson(const EvalReport& r) {
    nlohmann::json reliability = nlohmann::json::array();
    for (const auto& b : r.reliability)
        if (b.n > 0)
            reliability.push_back(
                {{"bin", binName(b)}, {"lo", b.lo}, {"hi", b.hi}, {"n", b.n}, {"confidence", b.confidence}, {"accuracy", b.accuracy}});
    nlohmann::json confusion = nlohmann::json::object();
    for (size_t i = 0; i < r.confusion.size(); ++i)
        for (size_t k = 0; k < kEvalOutcomes.size(); ++k) confusion[kEvalLabels[i]][kEvalOutcomes[k]] = r.confusion[i][k];
    nlohmann::json missingIds = nlohmann::json::array(), unlabelledIds = nlohmann::json::array();
    for (const auto& id : r.missingIds) missingIds.push_back(toValidUtf8(id));
    for (const auto& id : r.unlabelledIds) unlabelledIds.push_back(toValidUtf8(id));
    const nlohmann::json j = {{"n", r.n},
                              {"correct", r.correct},
                              {"agreement", r.agreement},
                              {"macro_f1", r.macroF1},
                              {"errors", r.errors()},
                              {"unparsed", r.unparsed},
                              {"failed", r.failed},
                              {"missing", r.missing},
                              {"missing_ids", missingIds},
                              {"unlabelled", r.unlabelled},
                              {"unlabelled_ids", unlabelledIds},
                              {"per_label", scoresJson(r.perLabel)},
                              {"per_category", scoresJson(r.perCategory)},
                              {"confusion", confusion},
                              {"calibration", {{"ece", r.ece}, {"bins", r.reliability.size()}, {"reliability", reliability}}}};
    return detail::dumpJson(j);
}

}  // namespace sightline::moderation
