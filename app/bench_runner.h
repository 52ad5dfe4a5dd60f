// The %timeit-style benchmark shared by sightline-bench and the app's Benchmark tab. Every request
// goes through the InferenceBackend (the scheduler users' requests take too), one at a time for
// the single-stream figures, `concurrency` at once for the batch figures. Runs on the calling
// thread, which waits on the backend; progress is reported on it too.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "inference_backend.h"

namespace sightline::bench {

struct Options {
    std::string imagePath;  // or a synthetic image of imageWidth x imageHeight
    int imageWidth = 1024, imageHeight = 768;
    bool noImage = false;
    std::string prompt = "Describe this image in detail, listing every object you can see and its colour.";
    int64_t maxNewTokens = 64;
    int warmup = 2, loops = 5, repeats = 3, concurrency = 1;
    bool ignoreEos = true;
    // Sample device memory (and NVML utilisation) every 250 ms on another thread during the timed
    // loops, as the app's monitor does, so its cost shows in the figures.
    bool monitorSampling = false;
};

struct Progress {
    std::string phase;  // "warmup", "timed", "concurrent"
    int done = 0, total = 0;
};

RgbImage syntheticImage(int width, int height);

// The scheduler options sightline-bench gives its backend: `concurrency` slots long enough for the
// prompt and the answer, all requests admitted before the first step (a full batch is measured),
// and no prefix reuse (every timed request prefills its whole prompt).
SchedulerOptions schedulerOptions(const Options& options);

// Throws sightline::Error; Error(Cancelled) when cancel is set between requests; Error(BadInput)
// when the backend has no model or decodes fewer than options.concurrency requests together.
nlohmann::json run(const app::InferenceBackend& backend, const Options& options, const std::function<void(const Progress&)>& progress = {},
                   const std::atomic<bool>* cancel = nullptr);
std::string formatReport(const nlohmann::json& report);

// The accuracy mode (sightline-bench --questions): each line of a JSONL file, {"image": PATH,
// "question": TEXT} (other fields are kept for the scorer, tools/demo/score_answers.py), asked greedily
// with thinking off as `sightline-cli ask --no-think --temperature 0` asks it, all submitted at once
// (the scheduler batches them). Image paths are relative to the file's folder unless absolute.
// Returns one object per line, in order: {"answer", "generated_tokens"}, or {"error"} for a request
// that failed. Throws Error(BadInput) for a file that cannot be read or a line that is not a question.
nlohmann::json answerQuestions(const app::InferenceBackend& backend, const std::string& questionsPath, int64_t maxNewTokens);

}  // namespace sightline::bench
