// An evaluation report (app/moderation/moderation_eval.h) as the tables the moderation dock shows
// (ui::EvalView), and its one-line footer summary. Pure functions; any thread.
#pragma once

#include <QString>

#include "moderation_eval.h"
#include "moderation_eval_dialog.h"

namespace sightline::app {

ui::EvalView toEvalView(const moderation::EvalReport& report, const QString& labelsFile);
// "vs labels: macro-F1 0.88 · agreement 88% · ECE 0.08 · 2 without a verdict"
QString evalFooter(const moderation::EvalReport& report);

}  // namespace sightline::app
