// sightline-bench: %timeit-style measurement of the engine. Warm-up requests (with an image
// encode) are not counted; then -r repeats of -n loops, each loop one full request. Every phase is
// summarised separately; --concurrency C adds a run of C simultaneous requests.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_options.h"
#include "sightline/engine.h"
#include "sightline/stats.h"

using namespace sightline;
using nlohmann::json;

namespace {

const char* kUsage = R"(usage: sightline-bench --model DIR [--random-weights CONFIG.json] [--image PATH | --image-size WxH]
    [--prompt TEXT] [--max-new-tokens N] [--warmup W] [-n LOOPS] [-r REPEATS] [--concurrency C]
    [--device cuda|cpu] [--dtype bfloat16|float16|float32] [--ignore-eos] [--json OUT]
)";

RgbImage syntheticImage(int w, int h) {
    RgbImage img;
    img.width = w;
    img.height = h;
    img.pixels.resize(size_t(w) * h * 3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            uint8_t* p = &img.pixels[(size_t(y) * w + x) * 3];
            p[0] = static_cast<uint8_t>(x * 255 / std::max(1, w - 1));
            p[1] = static_cast<uint8_t>(y * 255 / std::max(1, h - 1));
            p[2] = static_cast<uint8_t>((x ^ y) & 0xFF);
        }
    return img;
}

json summaryJson(const Summary& s) {
    return {{"count", s.count}, {"best", s.best}, {"median", s.median}, {"mean", s.mean}, {"stddev", s.stddev},
            {"p50", s.p50},     {"p95", s.p95},   {"p99", s.p99},       {"worst", s.worst}};
}

std::string gib(int64_t b) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(b) / (1ull << 30));
    return buf;
}

int run(const cli::Args& a) {
    LoadOptions lo;
    lo.modelDir = a.required("--model");
    const std::string dev = a.value("--device").value_or(cudaAvailable() ? "cuda" : "cpu");
    lo.device = parseDevice(dev).value_or(DeviceKind::Cpu);
    const std::string dt = a.value("--dtype").value_or(lo.device == DeviceKind::Cuda ? "bfloat16" : "float32");
    if (!parseDType(dt)) throwBadInput("--dtype must be float32, bfloat16 or float16");
    lo.dtype = *parseDType(dt);
    if (auto rc = a.value("--random-weights")) {
        lo.randomWeights = true;
        lo.randomConfigPath = *rc;
    }
    const int warmup = static_cast<int>(a.integer("--warmup", 2));
    const int loops = static_cast<int>(a.integer("-n", 5));
    const int repeats = static_cast<int>(a.integer("-r", 3));
    const int concurrency = static_cast<int>(a.integer("--concurrency", 1));
    if (loops < 1 || repeats < 1 || warmup < 0 || concurrency < 1) throwBadInput("-n, -r and --concurrency must be >= 1, --warmup >= 0");

    std::fprintf(stderr, "loading %s%s on %s (%s)...\n", lo.modelDir.c_str(), lo.randomWeights ? " with random weights" : "", dev.c_str(), dt.c_str());
    auto model = Model::load(lo);
    const DeviceMemory idle = queryDeviceMemory(lo.device);

    ChatMessage user;
    user.role = Role::User;
    std::string imageDesc = "none";
    if (auto path = a.value("--image")) {
        ContentPart p;
        p.type = ContentPart::Type::Image;
        p.image = std::make_shared<RgbImage>(decodeImageFile(*path));
        imageDesc = *path;
        user.content.push_back(p);
    } else {
        const std::string size = a.value("--image-size").value_or("1024x768");
        if (size != "none") {
            int w = 0, h = 0;
            if (std::sscanf(size.c_str(), "%dx%d", &w, &h) != 2 || w <= 0 || h <= 0) throwBadInput("--image-size expects WxH");
            ContentPart p;
            p.type = ContentPart::Type::Image;
            p.image = std::make_shared<RgbImage>(syntheticImage(w, h));
            imageDesc = size + " (synthetic)";
            user.content.push_back(p);
        }
    }
    ContentPart q;
    q.text = a.value("--prompt").value_or("Describe this image in detail, listing every object you can see and its colour.");
    user.content.push_back(q);
    const std::vector<ChatMessage> messages = {user};

    GenerationParams gp;
    gp.sampling.temperature = 0;
    gp.maxNewTokens = a.integer("--max-new-tokens", 64);
    gp.ignoreEos = a.flag("--ignore-eos") || lo.randomWeights;

    for (int i = 0; i < warmup; ++i) model->generate(messages, gp);

    std::vector<double> pre, vis, prefill, ttft, perTok, total, decodeRate, peak;
    std::vector<double> repeatMeans;
    int64_t promptTokens = 0, imageTokens = 0, generated = 0;
    for (int r = 0; r < repeats; ++r) {
        double sum = 0;
        for (int n = 0; n < loops; ++n) {
            const auto res = model->generate(messages, gp);
            const auto& s = res.stats;
            pre.push_back(s.preprocessMs);
            vis.push_back(s.visionMs);
            prefill.push_back(s.prefillMs);
            ttft.push_back(s.ttftMs);
            if (s.generatedTokens > 1) perTok.push_back(s.decodeMs / static_cast<double>(s.generatedTokens - 1));
            total.push_back(s.totalMs);
            decodeRate.push_back(s.decodeTokensPerS);
            peak.push_back(static_cast<double>(s.peakMemoryBytes));
            promptTokens = s.promptTokens;
            imageTokens = s.imageTokens;
            generated = s.generatedTokens;
            sum += s.totalMs;
        }
        repeatMeans.push_back(sum / loops);
    }

    json concurrent;
    if (concurrency > 1) {
        std::atomic<int64_t> tokens{0};
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread> threads;
        std::vector<double> rates(size_t(concurrency), 0);
        for (int i = 0; i < concurrency; ++i)
            threads.emplace_back([&, i] {
                const auto r = model->generate(messages, gp);
                tokens += r.stats.generatedTokens;
                rates[size_t(i)] = r.stats.decodeTokensPerS;
            });
        for (auto& t : threads) t.join();
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double single = summarize(decodeRate).median;
        concurrent = {{"requests", concurrency}, {"wall_s", wall}, {"generated_tokens", tokens.load()},
                      {"aggregate_tokens_per_s", static_cast<double>(tokens.load()) / wall},
                      {"speedup_vs_single_stream", single > 0 ? static_cast<double>(tokens.load()) / wall / single : 0},
                      {"note", "requests run as independent threads over one model (no batching yet)"}};
    }

    const DeviceMemory mem = queryDeviceMemory(lo.device);
    json report = {
        {"hardware", {{"device", model->deviceName()}, {"device_total_bytes", mem.deviceTotalBytes}, {"libtorch", libtorchVersion()},
                      {"cpu_threads", std::thread::hardware_concurrency()}}},
        {"settings", {{"model", lo.modelDir}, {"random_weights", lo.randomWeights ? lo.randomConfigPath : ""}, {"dtype", dt},
                      {"image", imageDesc}, {"prompt_tokens", promptTokens}, {"image_tokens", imageTokens},
                      {"generated_tokens", generated}, {"max_new_tokens", gp.maxNewTokens}, {"warmup", warmup}, {"loops", loops},
                      {"repeats", repeats}, {"parameters", model->parameterCount()}, {"weight_bytes", model->weightBytes()}}},
        {"ms", {{"preprocess", summaryJson(summarize(pre))}, {"vision", summaryJson(summarize(vis))},
                {"prefill", summaryJson(summarize(prefill))}, {"ttft", summaryJson(summarize(ttft))},
                {"decode_per_token", summaryJson(summarize(perTok))}, {"total", summaryJson(summarize(total))},
                {"total_best_of_repeats", *std::min_element(repeatMeans.begin(), repeatMeans.end())}}},
        {"decode_tokens_per_s", summaryJson(summarize(decodeRate))},
        {"memory", {{"peak_bytes", summarize(peak).worst}, {"idle_allocated_bytes", idle.allocatedBytes},
                    {"idle_reserved_bytes", idle.reservedBytes}, {"device_used_bytes", mem.deviceUsedBytes}}},
    };
    if (!concurrent.is_null()) report["concurrency"] = concurrent;

    std::printf("sightline-bench  %s  %s  libtorch %s\n", model->deviceName().c_str(), dt.c_str(), libtorchVersion().c_str());
    std::printf("  %lld params (%s), image %s, %lld prompt tokens (%lld image), %lld generated; %d warm-up, %d x %d loops\n",
                static_cast<long long>(model->parameterCount()), gib(model->weightBytes()).c_str(), imageDesc.c_str(),
                static_cast<long long>(promptTokens), static_cast<long long>(imageTokens), static_cast<long long>(generated), warmup,
                repeats, loops);
    std::printf("  %-18s %10s %10s %10s %10s %10s %10s\n", "phase (ms)", "best", "median", "mean", "stddev", "p95", "p99");
    auto row = [](const char* name, const Summary& s) {
        std::printf("  %-18s %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f\n", name, s.best, s.median, s.mean, s.stddev, s.p95, s.p99);
    };
    row("preprocess", summarize(pre));
    row("vision encode", summarize(vis));
    row("prefill", summarize(prefill));
    row("time to 1st token", summarize(ttft));
    row("decode / token", summarize(perTok));
    row("total", summarize(total));
    const Summary dr = summarize(decodeRate);
    std::printf("  decode tokens/s: median %.2f, best %.2f; peak memory %s; idle allocated %s\n", dr.median, dr.worst,
                gib(static_cast<int64_t>(summarize(peak).worst)).c_str(), gib(idle.allocatedBytes).c_str());
    if (!concurrent.is_null())
        std::printf("  concurrency %d: %.2f tokens/s aggregate (%.2fx single stream)\n", concurrency,
                    concurrent["aggregate_tokens_per_s"].get<double>(), concurrent["speedup_vs_single_stream"].get<double>());
    if (auto out = a.value("--json")) {
        std::ofstream f(*out);
        f << report.dump(2) << "\n";
        if (!f) throwBadInput("cannot write " + *out);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    try {
        return run(cli::Args(argc, argv, 1,
                             {"--model", "--random-weights", "--image", "--image-size", "--prompt", "--max-new-tokens", "--warmup", "-n", "-r",
                              "--concurrency", "--device", "--dtype", "--json"},
                             {"--ignore-eos"}));
    } catch (const Error& e) {
        std::fprintf(stderr, "sightline-bench: error: %s\n%s", repairUtf8(e.what()).c_str(), kUsage);
        return e.kind() == ErrorKind::Internal ? 1 : 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sightline-bench: internal error: %s\n", e.what());
        return 1;
    }
}
