// Labels file parsing and the evaluation arithmetic (the tables are written in
// moderation_eval_format.cpp).
#include "moderation_eval.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "sightline/untrusted.h"

namespace sightline::moderation {

namespace {

std::string trimmed(const std::string& s) {
    const size_t a = s.find_first_not_of(" \t");
    if (a == std::string::npos) return {};
    return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

std::string lowered(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// A value from the file quoted in a message: valid UTF-8, at most 60 bytes of it.
std::string shown(const std::string& v) {
    const std::string head = v.substr(0, 60);
    std::string out = "\"";
    out += toValidUtf8(std::string_view(head).substr(0, utf8CompletePrefix(head)));
    if (v.size() > 60) out += "…";
    out += "\"";
    return out;
}

std::vector<ClassScores> f1Table(const std::vector<std::string>& truth, const std::vector<std::string>& pred,
                                 const std::vector<std::string>& classes) {
    std::vector<ClassScores> out;
    for (const auto& c : classes) {
        int64_t tp = 0, fp = 0, fn = 0;
        for (size_t i = 0; i < truth.size(); ++i) {
            tp += truth[i] == c && pred[i] == c;
            fp += truth[i] != c && pred[i] == c;
            fn += truth[i] == c && pred[i] != c;
        }
        ClassScores s;
        s.name = c;
        s.precision = tp + fp ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0.0;
        s.recall = tp + fn ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 0.0;
        s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
        s.support = tp + fn;
        out.push_back(s);
    }
    return out;
}

}  // namespace

std::vector<LabelRow> parseLabels(const std::string& csvText, const std::string& where) {
    std::vector<LabelRow> out;
    std::unordered_map<std::string, size_t> rowOfId;
    size_t columns = 0, idCol = 0, labelCol = 0, categoryCol = SIZE_MAX;
    bool haveHeader = false;
    auto fail = [&where](size_t row, const std::string& why) { throwBadInput(where + ": row " + std::to_string(row) + ": " + why); };
    forEachCsvRecord(csvText, where, [&](size_t row, std::vector<std::string>& f) {
        if (f.size() == 1 && trimmed(f[0]).empty()) return;  // a blank line
        for (size_t i = 0; i < f.size(); ++i)
            if (!isValidUtf8(f[i])) fail(row, "field " + std::to_string(i + 1) + " is not UTF-8 text");
        if (!haveHeader) {
            if (!f.empty() && f[0].rfind("\xEF\xBB\xBF", 0) == 0) f[0] = f[0].substr(3);  // UTF-8 BOM
            std::map<std::string, size_t> col;
            for (size_t i = 0; i < f.size(); ++i) col.emplace(lowered(trimmed(f[i])), i);
            for (const char* need : {"id", "label"})
                if (!col.count(need))
                    fail(row,
                         std::string("the header has no \"") + need + "\" column (expected id,label,category, as " + "listings.py writes)");
            idCol = col["id"];
            labelCol = col["label"];
            if (col.count("category")) categoryCol = col["category"];
            columns = f.size();
            haveHeader = true;
            return;
        }
        if (f.size() != columns)
            fail(row, "has " + std::to_string(f.size()) + " fields, the header has " + std::to_string(columns) +
                          " (a comma inside a value needs quotes)");
        if (out.size() >= kMaxLabels) fail(row, "more than " + std::to_string(kMaxLabels) + " labels; split the file");
        LabelRow r;
        r.row = row;
        r.id = f[idCol];
        if (r.id.empty()) fail(row, "empty id");
        const std::string label = lowered(trimmed(f[labelCol]));
        if (label == "review")
            r.label = "escalate";
        else if (std::find(kEvalLabels.begin(), kEvalLabels.end(), label) != kEvalLabels.end())
            r.label = label;
        else
            fail(row, "label " + shown(f[labelCol]) + " is not approve, reject or escalate");
        if (categoryCol != SIZE_MAX) r.category = trimmed(f[categoryCol]);
        const auto [it, fresh] = rowOfId.emplace(r.id, row);
        if (!fresh) fail(row, "id " + shown(r.id) + " is already labelled on row " + std::to_string(it->second));
        out.push_back(std::move(r));
    });
    if (!haveHeader) throwBadInput(where + ": empty labels file (expected a header id,label,category)");
    return out;
}

std::vector<LabelRow> loadLabels(const std::string& path) {
    return parseLabels(readInputFile(path, kMaxLabelsFileBytes, "labels"), path);
}

EvalItem evalItemOf(const ItemRecord& r) {
    EvalItem e;
    e.id = r.item.id;
    if (r.status == "pending") {
        e.outcome = "missing";
    } else if (r.verdict) {
        e.outcome = r.verdict->verdict == VerdictKind::Approve  ? "approve"
                    : r.verdict->verdict == VerdictKind::Reject ? "reject"
                                                                : "escalate";
        if (r.verdict->verdict == VerdictKind::Reject && !r.verdict->categories.empty()) e.category = r.verdict->categories.front();
        const double c = r.verdict->confidence;
        e.confidence = std::isfinite(c) ? std::clamp(c, 0.0, 1.0) : 0.0;
    } else {
        e.outcome = r.error.rfind(kUnparsedOutputError, 0) == 0 ? "unparsed" : "error";
    }
    return e;
}

EvalReport evaluateModeration(const std::vector<LabelRow>& labels, const std::vector<EvalItem>& items, int bins) {
    bins = std::clamp(bins, 1, 100);
    EvalReport rep;
    std::unordered_map<std::string, const EvalItem*> byId;
    for (const auto& it : items) byId.emplace(it.id, &it);
    std::set<std::string> labelled;
    for (const auto& l : labels) labelled.insert(l.id);
    for (const auto& it : items)
        if (!labelled.count(it.id)) {
            ++rep.unlabelled;
            if (rep.unlabelledIds.size() < EvalReport::kExampleIds) rep.unlabelledIds.push_back(it.id);
        }

    std::vector<std::string> truth, pred, catTruth, catPred;
    std::vector<double> conf;
    std::vector<bool> right;
    rep.confusion.assign(kEvalLabels.size(), std::vector<int64_t>(kEvalOutcomes.size(), 0));
    std::set<std::string> categories;
    for (const auto& l : labels) {
        const auto found = byId.find(l.id);
        const EvalItem none{l.id, "missing", "", 0.0};
        const EvalItem& it = found != byId.end() ? *found->second : none;
        if (it.outcome == "missing") {
            ++rep.missing;
            if (rep.missingIds.size() < EvalReport::kExampleIds) rep.missingIds.push_back(l.id);
        }
        rep.unparsed += it.outcome == "unparsed";
        rep.failed += it.outcome == "error";
        const size_t row = static_cast<size_t>(std::find(kEvalLabels.begin(), kEvalLabels.end(), l.label) - kEvalLabels.begin());
        const size_t col = static_cast<size_t>(std::find(kEvalOutcomes.begin(), kEvalOutcomes.end(), it.outcome) - kEvalOutcomes.begin());
        if (row < kEvalLabels.size() && col < kEvalOutcomes.size()) ++rep.confusion[row][col];
        truth.push_back(l.label);
        pred.push_back(it.outcome);
        catTruth.push_back(l.label == "reject" ? l.category : "");
        catPred.push_back(it.outcome == "reject" ? it.category : "");
        if (!catTruth.back().empty()) categories.insert(catTruth.back());
        if (!catPred.back().empty()) categories.insert(catPred.back());
        conf.push_back(it.confidence);
        right.push_back(l.label == it.outcome);
        rep.correct += right.back();
    }
    rep.n = static_cast<int64_t>(labels.size());
    rep.agreement = rep.n ? static_cast<double>(rep.correct) / static_cast<double>(rep.n) : 0.0;
    rep.perLabel = f1Table(truth, pred, kEvalLabels);
    for (const auto& s : rep.perLabel) rep.macroF1 += s.f1;
    rep.macroF1 /= static_cast<double>(rep.perLabel.size());
    rep.perCategory = f1Table(catTruth, catPred, std::vector<std::string>(categories.begin(), categories.end()));

    // evaluate.py's calibration(): bin b holds lo <= c < hi (the last also c == 1.0), with lo and
    // hi computed as b / bins and (b + 1) / bins so neighbouring bins share the same edge value.
    for (int b = 0; b < bins; ++b) {
        ReliabilityBin bin;
        bin.lo = static_cast<double>(b) / bins;
        bin.hi = static_cast<double>(b + 1) / bins;
        double sumConf = 0;
        int64_t sumRight = 0;
        for (size_t i = 0; i < conf.size(); ++i) {
            const double c = conf[i];
            if ((bin.lo <= c && c < bin.hi) || (b == bins - 1 && c == 1.0)) {
                ++bin.n;
                sumConf += c;
                sumRight += right[i];
            }
        }
        if (bin.n > 0) {
            bin.confidence = sumConf / static_cast<double>(bin.n);
            bin.accuracy = static_cast<double>(sumRight) / static_cast<double>(bin.n);
            rep.ece += static_cast<double>(bin.n) / static_cast<double>(conf.size()) * std::abs(bin.confidence - bin.accuracy);
        }
        rep.reliability.push_back(bin);
    }
    return rep;
}

EvalReport evaluateModeration(const ModerationStore& store, const std::vector<LabelRow>& labels, int bins) {
    std::vector<EvalItem> items;
    for (const auto& r : store.items()) items.push_back(evalItemOf(r));
    return evaluateModeration(labels, items, bins);
}

}  // namespace sightline::moderation
