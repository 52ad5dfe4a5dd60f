// A moderation labels file (id,label,category CSV) → parseLabels, then the evaluation of a
// scripted queue against it (every outcome, confidences on and between the bin edges, one item
// without a label). What parses must hold: non-empty unique ids, known labels; the confusion
// matrix and the reliability bins count every labelled item once; every rate is in [0, 1]; the
// text and JSON reports are valid UTF-8 and the JSON reads back.
#include <algorithm>
#include <cmath>
#include <set>

#include "fuzz_support.h"
#include "moderation_eval.h"
#include "sightline/untrusted.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    using namespace sightline::moderation;
    return fuzz::refusalsAreFine([&] {
        const auto labels = parseLabels(std::string(fuzz::asText(data, size)), "labels.csv");
        std::set<std::string> ids;
        std::vector<EvalItem> items;
        for (size_t i = 0; i < labels.size(); ++i) {
            const LabelRow& l = labels[i];
            if (l.id.empty() || !ids.insert(l.id).second || !isValidUtf8(l.id) || !isValidUtf8(l.category) ||
                std::find(kEvalLabels.begin(), kEvalLabels.end(), l.label) == kEvalLabels.end()) {
                fprintf(stderr, "a label row that should have been refused\n");
                std::abort();
            }
            if (i % 7 == 6) continue;  // not in the queue
            const std::string& outcome = kEvalOutcomes[i % kEvalOutcomes.size()];
            items.push_back({l.id, outcome, outcome == "reject" ? l.category : "", static_cast<double>(i % 11) / 10.0});
        }
        items.push_back({"\xff-unlabelled-" + std::to_string(labels.size()), "approve", "", 0.5});
        const EvalReport r = evaluateModeration(labels, items, static_cast<int>(size % 12));
        int64_t cells = 0, binned = 0;
        for (const auto& row : r.confusion)
            for (int64_t c : row) cells += c;
        for (const auto& b : r.reliability) binned += b.n;
        auto unit = [](double v) { return std::isfinite(v) && v >= 0 && v <= 1 + 1e-12; };
        bool ok = cells == r.n && binned == r.n && r.n == static_cast<int64_t>(labels.size()) && r.correct <= r.n && unit(r.agreement) &&
                  unit(r.macroF1) && unit(r.ece) && r.unlabelled >= 1;
        for (const auto* group : {&r.perLabel, &r.perCategory})
            for (const auto& s : *group) ok = ok && unit(s.precision) && unit(s.recall) && unit(s.f1) && s.support <= r.n;
        if (!ok) {
            fprintf(stderr, "inconsistent evaluation of %lld labels\n", static_cast<long long>(r.n));
            std::abort();
        }
        const std::string text = formatEvalText(r), json = formatEvalJson(r);
        if (!isValidUtf8(text) || !isValidUtf8(json) || parseJsonLimited(json).value("n", int64_t(-1)) != r.n) {
            fprintf(stderr, "a report that is not valid UTF-8 or does not read back\n");
            std::abort();
        }
    });
}
