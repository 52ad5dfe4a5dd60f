#include "cli_moderate_eval.h"

#include <cstdio>
#include <filesystem>

#include "moderation_eval.h"

namespace sightline::cli {

int moderateEval(const Args& a) {
    namespace mod = sightline::moderation;
    const std::string db = a.required("--db");
    std::error_code ec;
    // Never create a database here: a mistyped path is an error, not an empty evaluation.
    if (!std::filesystem::is_regular_file(db, ec)) throwBadInput(db + ": no such moderation database");
    const auto labels = mod::loadLabels(a.required("--labels"));
    const long long bins = a.integer("--bins", 5);
    if (bins < 1 || bins > 100) throwBadInput("--bins must be 1 to 100");
    mod::ModerationStore store(db);
    const mod::EvalReport report = mod::evaluateModeration(store, labels, static_cast<int>(bins));
    const std::string out = a.flag("--json") ? mod::formatEvalJson(report) + "\n" : mod::formatEvalText(report);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace sightline::cli
