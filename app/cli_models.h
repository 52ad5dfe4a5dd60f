// `sightline-cli models`: pull a checkpoint from Hugging Face or ModelScope (resumable, verified),
// list / import / remove the models folder's checkpoints, and check a folder — every tensor there
// and "will it fit?" — before loading it (issue #15; docs/models.md).
#pragma once

#include <atomic>

namespace sightline::cli {

// argv[2] is the subcommand (pull, list, import, rm, check). Exit codes: 0 done; 2 bad input, a
// hub or disk error, or a checkpoint with problems; 3 (check) a checkpoint that will not fit;
// 130 cancelled (the pull continues where it stopped when run again). Throws Error like every command.
int models(int argc, char** argv, const std::atomic<bool>& cancel);

}  // namespace sightline::cli
