#include "bench_runner.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "sightline/request_rules.h"
#include "sightline/stats.h"
#include "sightline/untrusted.h"

namespace sightline::bench {
namespace {

using nlohmann::json;

enum class Better { Lower, Higher };

// Times are better when lower (best = minimum); rates when higher (best = maximum).
json summaryJson(const Summary& s, Better better = Better::Lower) {
    const double best = better == Better::Lower ? s.best : s.worst;
    const double worst = better == Better::Lower ? s.worst : s.best;
    return {{"count", s.count}, {"best", best}, {"median", s.median}, {"mean", s.mean}, {"stddev", s.stddev},
            {"p50", s.p50},     {"p95", s.p95}, {"p99", s.p99},       {"worst", worst}};
}

std::string gib(double b) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1ull << 30));
    return buf;
}

// N identical requests submitted at once to the backend's scheduler (N slots): one untimed round
// (graph captures, allocator), then a timed one. Decode rate of the batch = tokens produced by
// decode steps over the time spent in them (the scheduler's counters); end to end = all tokens over
// the wall time from the first submit (vision and prefill of every request included).
json runConcurrent(const app::InferenceBackend& backend, const std::vector<ChatMessage>& messages, const GenerationParams& gp,
                   const Options& o, double singleRate, const std::function<void(const Progress&)>& progress,
                   const std::function<void()>& check) {
    json out;
    for (int round = 0; round < 2; ++round) {
        const SchedulerCounters before = backend.counters().value_or(SchedulerCounters{});
        check();
        if (progress) progress({"concurrent", round, 2});
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<std::future<GenerateResult>> futures;
        for (int i = 0; i < o.concurrency; ++i) futures.push_back(backend.submit(RequestSource::Benchmark, messages, gp));
        int64_t tokens = 0;
        std::vector<double> ttft;
        for (auto& f : futures) {
            const GenerateResult r = f.get();  // throws the request's error
            tokens += r.stats.generatedTokens;
            ttft.push_back(r.stats.ttftMs);
        }
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const SchedulerCounters after = backend.counters().value_or(SchedulerCounters{});
        const int64_t rows = after.decodedRows - before.decodedRows, steps = after.decodeSteps - before.decodeSteps;
        const double decodeS = after.decodeSeconds - before.decodeSeconds;
        // A backend without decode counters (a remote server): the client-side end-to-end rate.
        const bool counted = steps > 0 && decodeS > 0;
        const double decodeRate = counted ? static_cast<double>(rows) / decodeS : static_cast<double>(tokens) / wall;
        out = {{"requests", o.concurrency},
               {"wall_s", wall},
               {"generated_tokens", tokens},
               {"aggregate_tokens_per_s", static_cast<double>(tokens) / wall},
               {"aggregate_decode_tokens_per_s", decodeRate},
               {"speedup_vs_single_stream", singleRate > 0 ? decodeRate / singleRate : 0},
               {"ttft_ms", summaryJson(summarize(ttft))},
               {"decode_steps", steps},
               {"decode_s", decodeS},
               {"peak_batch", after.peakBatch},
               {"mean_batch", steps ? static_cast<double>(rows) / static_cast<double>(steps) : 0},
               {"note", counted ? "continuous batching: one scheduler, " + std::to_string(o.concurrency) + " KV slots"
                                : std::to_string(o.concurrency) + " requests at once, measured client-side (end to end)"}};
    }
    return out;
}

}  // namespace

RgbImage syntheticImage(int w, int h) {
    RgbImage img;
    img.width = w;
    img.height = h;
    img.pixels.resize(size_t(w) * h * 3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {  // the same pattern tools/bench_hf.py draws
            uint8_t* p = &img.pixels[(size_t(y) * w + x) * 3];
            p[0] = static_cast<uint8_t>(x * 255 / std::max(1, w - 1));
            p[1] = static_cast<uint8_t>(y * 255 / std::max(1, h - 1));
            p[2] = static_cast<uint8_t>((x ^ y) & 0xFF);
        }
    return img;
}

SchedulerOptions schedulerOptions(const Options& o) {
    SchedulerOptions so;
    so.maxBatch = std::max(1, o.concurrency);
    so.slotTokens = 4096 + o.maxNewTokens;       // the prompt (a 1024x768 image is ~1,000 tokens) and the answer
    so.prefillTokensPerStep = int64_t(1) << 40;  // all N admitted before the first step: a full batch is measured
    so.keptPrefixes = 0;                         // identical requests: reuse would time a prefill of nothing
    return so;
}

json run(const app::InferenceBackend& backend, const Options& o, const std::function<void(const Progress&)>& progress,
         const std::atomic<bool>* cancel) {
    if (o.loops < 1 || o.repeats < 1 || o.warmup < 0 || o.concurrency < 1)
        throwBadInput("loops, repeats and concurrency must be >= 1, warm-up >= 0");
    if (!backend.loaded()) throwBadInput("no model is loaded");
    if (o.concurrency > backend.batchSlots())
        throwBadInput("concurrency " + std::to_string(o.concurrency) + " is more than the " + std::to_string(backend.batchSlots()) +
                      " requests the backend decodes together");
    const app::ModelInfo model = backend.modelInfo();
    const DeviceKind kind = model.deviceKind;
    std::string imageDesc = "none";
    std::vector<ContentPart> images;
    if (!o.noImage) {
        if (!o.imagePath.empty()) {
            images.push_back(imageFilePart(o.imagePath));
            imageDesc = o.imagePath;
        } else {
            images.push_back(imagePart(std::make_shared<RgbImage>(syntheticImage(o.imageWidth, o.imageHeight))));
            imageDesc = std::to_string(o.imageWidth) + "x" + std::to_string(o.imageHeight) + " (synthetic)";
        }
    }
    const std::vector<ChatMessage> messages = {buildMessage(Role::User, o.prompt, std::move(images))};
    GenerationParams gp;
    gp.sampling.temperature = 0;
    gp.maxNewTokens = o.maxNewTokens;
    gp.ignoreEos = o.ignoreEos;
    gp.useImageCache = false;   // every timed request encodes its image
    gp.usePrefixCache = false;  // and prefills its whole prompt (an identical prompt would reuse all but one token)
    auto check = [&] {
        if (cancel && cancel->load()) throw Error(ErrorKind::Cancelled, "benchmark cancelled");
    };
    const DeviceMemory idle = queryDeviceMemory(kind);

    for (int i = 0; i < o.warmup; ++i) {
        check();
        if (progress) progress({"warmup", i, o.warmup});
        backend.generate(RequestSource::Benchmark, messages, gp);  // includes an image encode: the first is always slower
    }

    std::atomic<bool> sampling{o.monitorSampling};
    std::atomic<int64_t> samples{0};
    std::thread sampler;
    if (o.monitorSampling)
        sampler = std::thread([&] {
            while (sampling.load()) {
                queryDeviceMemory(kind);
                queryGpuUtilization(0);
                ++samples;
                std::this_thread::sleep_for(std::chrono::milliseconds(250));
            }
        });
    std::vector<double> pre, vis, prefill, ttft, perTok, total, rate, peak, repeatMeans;
    int64_t promptTokens = 0, imageTokens = 0, generated = 0, cachedPromptTokens = 0;
    try {
        for (int r = 0; r < o.repeats; ++r) {
            double sum = 0;
            for (int n = 0; n < o.loops; ++n) {
                check();
                if (progress) progress({"timed", r * o.loops + n, o.repeats * o.loops});
                const auto res = backend.generate(RequestSource::Benchmark, messages, gp);
                const auto& s = res.stats;
                pre.push_back(s.preprocessMs);
                vis.push_back(s.visionMs);
                prefill.push_back(s.prefillMs);
                ttft.push_back(s.ttftMs);
                if (s.generatedTokens > 1) perTok.push_back(s.decodeMs / static_cast<double>(s.generatedTokens - 1));
                total.push_back(s.totalMs);
                rate.push_back(s.decodeTokensPerS);
                peak.push_back(static_cast<double>(s.peakMemoryBytes));
                promptTokens = s.promptTokens;
                imageTokens = s.imageTokens;
                generated = s.generatedTokens;
                cachedPromptTokens = std::max(cachedPromptTokens, s.cachedPromptTokens);
                sum += s.totalMs;
            }
            repeatMeans.push_back(sum / o.loops);
        }
    } catch (...) {
        sampling = false;
        if (sampler.joinable()) sampler.join();
        throw;
    }
    sampling = false;
    if (sampler.joinable()) sampler.join();

    json concurrent;
    if (o.concurrency > 1) concurrent = runConcurrent(backend, messages, gp, o, summarize(rate).median, progress, check);
    const DeviceMemory mem = queryDeviceMemory(kind);
    const GpuUtilization util = queryGpuUtilization(0);
    json report = {
        {"hardware",
         {{"device", model.device},
          {"device_total_bytes", mem.deviceTotalBytes},
          {"libtorch", libtorchVersion()},
          {"cpu_threads", std::thread::hardware_concurrency()},
          {"nvml", util.note.empty() ? "available" : util.note}}},
        {"settings",
         {{"backend", model.dtype == "remote" ? model.summary : "local engine"},
          {"dtype", model.dtype},
          {"int8_weights", model.int8Weights},
          {"image", imageDesc},
          {"prompt_tokens", promptTokens},
          {"image_tokens", imageTokens},
          {"generated_tokens", generated},
          {"max_new_tokens", o.maxNewTokens},
          {"warmup", o.warmup},
          {"loops", o.loops},
          {"repeats", o.repeats},
          {"parameters", model.parameters},
          {"weight_bytes", model.weightBytes},
          // > 0 when the backend reused a prompt's KV (the app's shared scheduler keeps prefixes):
          // prefill then covers only the rest of the prompt.
          {"cached_prompt_tokens", cachedPromptTokens},
          {"monitor_sampling", o.monitorSampling},
          {"monitor_samples", samples.load()}}},
        {"ms",
         {{"preprocess", summaryJson(summarize(pre))},
          {"vision", summaryJson(summarize(vis))},
          {"prefill", summaryJson(summarize(prefill))},
          {"ttft", summaryJson(summarize(ttft))},
          {"decode_per_token", summaryJson(summarize(perTok))},
          {"total", summaryJson(summarize(total))},
          {"total_best_of_repeats", *std::min_element(repeatMeans.begin(), repeatMeans.end())}}},
        {"decode_tokens_per_s", summaryJson(summarize(rate), Better::Higher)},
        {"memory",
         {{"peak_bytes", summarize(peak).worst},
          {"idle_allocated_bytes", idle.allocatedBytes},
          {"idle_reserved_bytes", idle.reservedBytes},
          {"device_used_bytes", mem.deviceUsedBytes}}},
    };
    if (!concurrent.is_null()) report["concurrency"] = concurrent;
    return report;
}

std::string formatReport(const json& r) {
    std::string out;
    char line[512];
    const auto& s = r["settings"];
    const std::string backend = s.value("backend", std::string("local engine"));
    std::snprintf(line, sizeof line, "sightline-bench  %s  %s  libtorch %s\n",
                  (backend == "local engine" ? r["hardware"]["device"].get<std::string>() : backend).c_str(),
                  s["dtype"].get<std::string>().c_str(), r["hardware"]["libtorch"].get<std::string>().c_str());
    out += line;
    std::snprintf(line, sizeof line,
                  "  %lld params (%s), image %s, %lld prompt tokens (%lld image), %lld generated; %d warm-up, %d x %d loops\n",
                  s["parameters"].get<long long>(), gib(s["weight_bytes"].get<double>()).c_str(), s["image"].get<std::string>().c_str(),
                  s["prompt_tokens"].get<long long>(), s["image_tokens"].get<long long>(), s["generated_tokens"].get<long long>(),
                  s["warmup"].get<int>(), s["repeats"].get<int>(), s["loops"].get<int>());
    out += line;
    std::snprintf(line, sizeof line, "  %-18s %10s %10s %10s %10s %10s %10s\n", "phase (ms)", "best", "median", "mean", "stddev", "p95",
                  "p99");
    out += line;
    for (auto [key, name] : {std::pair{"preprocess", "preprocess"},
                             {"vision", "vision encode"},
                             {"prefill", "prefill"},
                             {"ttft", "time to 1st token"},
                             {"decode_per_token", "decode / token"},
                             {"total", "total"}}) {
        const auto& m = r["ms"][key];
        std::snprintf(line, sizeof line, "  %-18s %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f\n", name, m["best"].get<double>(),
                      m["median"].get<double>(), m["mean"].get<double>(), m["stddev"].get<double>(), m["p95"].get<double>(),
                      m["p99"].get<double>());
        out += line;
    }
    const auto& d = r["decode_tokens_per_s"];
    std::snprintf(line, sizeof line, "  decode tokens/s: median %.2f, best %.2f; peak memory %s; idle allocated %s\n",
                  d["median"].get<double>(), d["best"].get<double>(), gib(r["memory"]["peak_bytes"].get<double>()).c_str(),
                  gib(r["memory"]["idle_allocated_bytes"].get<double>()).c_str());
    out += line;
    if (r.contains("concurrency")) {
        const auto& c = r["concurrency"];
        char how[64];
        if (c["decode_steps"].get<long long>() > 0)
            std::snprintf(how, sizeof how, "continuous batching, mean batch %.1f", c["mean_batch"].get<double>());
        else
            std::snprintf(how, sizeof how, "at once, client-side");
        std::snprintf(line, sizeof line,
                      "  concurrency %d (%s): decode %.2f tokens/s aggregate (%.2fx single stream), "
                      "%.2f tokens/s end to end, TTFT median %.1f ms\n",
                      c["requests"].get<int>(), how, c["aggregate_decode_tokens_per_s"].get<double>(),
                      c["speedup_vs_single_stream"].get<double>(), c["aggregate_tokens_per_s"].get<double>(),
                      c["ttft_ms"]["median"].get<double>());
        out += line;
    }
    return out;
}

json answerQuestions(const app::InferenceBackend& backend, const std::string& questionsPath, int64_t maxNewTokens) {
    std::ifstream in(questionsPath);
    if (!in) throwBadInput("cannot open " + questionsPath);
    const std::filesystem::path folder = std::filesystem::path(questionsPath).parent_path();
    GenerationParams gp = backend.defaultParams();
    gp.sampling.temperature = 0;
    gp.enableThinking = false;
    gp.maxNewTokens = maxNewTokens;
    validateGenerationParams(gp);
    struct Pending {
        std::future<GenerateResult> result;
        std::string error;  // the request could not be made (its image, say): that question fails
    };
    std::vector<Pending> pending;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = questionsPath + " line " + std::to_string(n);
        json q;
        try {
            q = parseJsonLimited(line);
        } catch (const json::exception& e) {
            throwBadInput(where + ": " + e.what());
        }
        if (!q.is_object() || !q.contains("image") || !q["image"].is_string() || !q.contains("question") || !q["question"].is_string())
            throwBadInput(where + ": expected {\"image\": PATH, \"question\": TEXT}");
        std::filesystem::path image = q["image"].get<std::string>();
        if (image.is_relative()) image = folder / image;
        // One question per request, the image first, as the CLI and the API build it.
        Pending p;
        try {
            const std::vector<ChatMessage> messages = {
                buildMessage(Role::User, q["question"].get<std::string>(), {imageFilePart(image.string())})};
            p.result = backend.submit(RequestSource::Benchmark, messages, gp);
        } catch (const std::exception& e) {
            p.error = e.what();
        }
        pending.push_back(std::move(p));
    }
    json out = json::array();
    for (Pending& p : pending) {
        if (!p.result.valid()) {
            out.push_back({{"error", p.error}});
            continue;
        }
        try {
            const GenerateResult r = p.result.get();
            out.push_back({{"answer", r.text}, {"generated_tokens", r.stats.generatedTokens}});
        } catch (const std::exception& e) {  // that question fails, the others are still scored
            out.push_back({{"error", e.what()}});
        }
    }
    return out;
}

}  // namespace sightline::bench
