// A moderation queue through the OpenAI Batch JSONL format that `vllm run-batch` and batch APIs
// read and write: export every pending item as one request line, import the output lines as
// verdicts written to the store and the audit log as a local run writes them.
//
// Export writes BATCH.jsonl, one {"custom_id": <item id>, "method": "POST", "url":
// "/v1/chat/completions", "body": {...}} a pending item (the body the remote backend would send:
// the same messages as a local run, the image as a PNG data: URI, logprobs for the confidence), and
// a manifest beside it, BATCH.jsonl.manifest.json: policy version, model, sampling, the ids, which
// the import needs to record the verdicts as the run would.
// Import reads {"id", "custom_id", "response": {"status_code", "body"}, "error"} lines: a 200 body
// becomes the item's verdict (the moderation verdict parser; unreadable output is the item's error,
// as after a local run's retries), an error or another status the item's error. A custom_id the
// manifest does not name, one seen twice in the file, or an item already judged is reported and
// never judged (again). Every line is untrusted (parseJsonLimited, capped at kMaxBatchLine).
//
// Threads: the calling thread; the store is thread-safe.
#pragma once

#include <string>
#include <vector>

#include "moderation.h"

namespace sightline::moderation {

inline constexpr size_t kMaxBatchLine = size_t(256) << 20;

struct BatchExportOptions {
    Policy policy = defaultPolicy();
    std::string model = "glm-4.6v-flash";  // the "model" of every body: the name the batch server serves
    GenerationParams params;               // as the run's: greedy, 256 new tokens, thinking off by default
};

struct BatchExportReport {
    int64_t exported = 0;
    std::vector<std::string> skipped;  // "id: why" (an unreadable image: a run records the error)
    std::string manifestPath;
};

// Writes the batch file and its manifest (both replaced). Throws Error(BadInput) when a file
// cannot be written.
BatchExportReport exportBatch(const ModerationStore& store, const std::string& batchPath, const BatchExportOptions& options);

struct BatchImportReport {
    int64_t judged = 0, errors = 0;       // items written (errors counted in judged too)
    std::vector<std::string> unknown;     // custom_ids the manifest does not name
    std::vector<std::string> duplicates;  // custom_ids seen again, or items judged before
    std::vector<std::string> malformed;   // "line N: why"
    std::string summary() const;
};

// Reads the batch server's output file against the manifest the export wrote. Throws
// Error(BadInput) when either cannot be read or the manifest is not one; a bad line is reported.
BatchImportReport importBatch(ModerationStore& store, const std::string& outputPath, const std::string& manifestPath);

}  // namespace sightline::moderation
