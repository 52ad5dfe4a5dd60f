// The %timeit-style benchmark shared by sightline-bench and the app's Benchmark tab.
// Runs on the calling thread; progress is reported on it too.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "sightline/engine.h"

namespace sightline::bench {

struct Options {
    std::string imagePath;           // or a synthetic image of imageWidth x imageHeight
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

// Throws sightline::Error; Error(Cancelled) when cancel is set between requests.
nlohmann::json run(const std::shared_ptr<const Model>& model, const Options& options, const std::function<void(const Progress&)>& progress = {},
                   const std::atomic<bool>* cancel = nullptr);
std::string formatReport(const nlohmann::json& report);

}  // namespace sightline::bench
