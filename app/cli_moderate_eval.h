// `sightline-cli moderate-eval`: a moderation run's verdicts against a labels file (issue #13).
#pragma once

#include "cli_options.h"

namespace sightline::cli {

// --db DB --labels labels.csv [--json] [--bins N]: prints the evaluation (moderation_eval.h) to
// stdout; exits 0. Throws Error(BadInput) for a database that does not exist or a malformed labels
// file (the message names the row).
int moderateEval(const Args& args);

}  // namespace sightline::cli
