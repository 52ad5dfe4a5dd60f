// sightline-bench: %timeit-style measurement of the engine (see bench_runner.h).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "bench_runner.h"
#include "cli_options.h"
#include "local_backend.h"
#include "remote_backend.h"
#include "sightline/checkpoint.h"

using namespace sightline;

namespace {

const char* kUsage =
    R"(usage: sightline-bench (--model DIR [--random-weights CONFIG.json] | --remote URL [--api-key KEY] [--remote-model NAME]
    [--remote-concurrency N] [--remote-timeout S]) [--image PATH | --image-size WxH|none]
    [--prompt TEXT] [--max-new-tokens N] [--warmup W] [-n LOOPS] [-r REPEATS] [--concurrency C]
    [--device cuda|cpu] [--dtype auto|bfloat16|float16|float32] [--quantize int8] [--ignore-eos] [--monitor-sampling] [--json OUT]
  sightline-bench --model DIR --questions IN.jsonl --json OUT.jsonl [--device …] [--dtype …] [--quantize int8]
    [--concurrency C] [--max-new-tokens N]
  --questions: the accuracy mode. Each line {"image": PATH, "question": TEXT} is asked greedily, thinking
  off, all at once (C decoded together, default 16); OUT.jsonl gets one {"answer"} or {"error"} per line
  (tools/demo/score_answers.py scores them against the lines' expected answers).
  --random-weights: the architecture from CONFIG.json (e.g. tools/configs/glm-4.6v-flash.config.json) with
  random weights; tokenizer and image processor from --model. Greedy; token count fixed (EOS ignored).
  --remote: an OpenAI-compatible server's /v1 base (vLLM, SGLang, sightline-cli serve), measured client-side
  with the same prompts and report (key: --api-key, --remote-api-key or $SIGHTLINE_REMOTE_API_KEY).
)";

int run(const cli::Args& a) {
    const auto remote = cli::remoteOptionsFromArgs(a, true);
    LoadOptions lo;
    if (!remote) lo = cli::loadOptionsFromArgs(a, cudaAvailable() ? "cuda" : "cpu");
    if (remote && (a.value("--model") || a.value("--random-weights"))) throwBadInput("give either --model DIR or --remote URL, not both");
    if (auto rc = a.value("--random-weights")) {
        lo.randomWeights = true;
        lo.randomConfigPath = *rc;
    }
    const auto questions = a.value("--questions");  // the accuracy mode: answers, not timings
    const auto jsonOut = a.value("--json");
    if (questions && remote) throwBadInput("--questions runs the local engine (ask a remote server with tools/demo/evaluate.py)");
    if (questions && !jsonOut) throwBadInput("--questions needs --json OUT.jsonl for the answers");
    bench::Options o;
    o.warmup = static_cast<int>(a.integer("--warmup", 2));
    o.loops = static_cast<int>(a.integer("-n", 5));
    o.repeats = static_cast<int>(a.integer("-r", 3));
    o.concurrency = static_cast<int>(a.integer("--concurrency", questions ? 16 : 1));
    if (questions && o.concurrency < 1) throwBadInput("--concurrency must be at least 1");
    o.maxNewTokens = a.integer("--max-new-tokens", questions ? 48 : 64);
    o.ignoreEos = a.flag("--ignore-eos") || lo.randomWeights;
    o.monitorSampling = a.flag("--monitor-sampling");
    if (auto p = a.value("--prompt")) o.prompt = *p;
    if (auto path = a.value("--image")) {
        o.imagePath = *path;
    } else {
        const std::string size = a.value("--image-size").value_or("1024x768");
        if (size == "none")
            o.noImage = true;
        else if (std::sscanf(size.c_str(), "%dx%d", &o.imageWidth, &o.imageHeight) != 2 || o.imageWidth <= 0 || o.imageHeight <= 0)
            throwBadInput("--image-size expects WxH or none");
    }
    // The same prompts and report for a remote server (--remote): side by side with the local engine.
    std::shared_ptr<app::InferenceBackend> backend;
    if (remote) {
        app::RemoteOptions ro = *remote;
        if (!a.value("--remote-concurrency")) ro.concurrency = std::max(1, o.concurrency);
        if (ro.concurrency < o.concurrency) throwBadInput("--remote-concurrency must be at least --concurrency");
        backend = std::make_shared<app::RemoteBackend>(ro);
        backend->load({});
        std::fprintf(stderr, "remote backend: %s\n", backend->modelInfo().summary.c_str());
    } else {
        std::fprintf(stderr, "loading %s%s on %s (%s)...\n", lo.modelDir.c_str(), lo.randomWeights ? " with random weights" : "",
                     lo.device == DeviceKind::Cuda ? "cuda" : "cpu", dtypeName(lo.dtype));
        backend = std::make_shared<app::LocalBackend>(bench::schedulerOptions(o));
        backend->load(lo);
    }
    if (questions) {
        const auto t0 = std::chrono::steady_clock::now();
        const nlohmann::json answers = bench::answerQuestions(*backend, *questions, o.maxNewTokens);
        std::ofstream f(*jsonOut);
        int failed = 0;
        for (const auto& line : answers) {
            f << line.dump() << "\n";
            failed += line.contains("error") ? 1 : 0;
        }
        if (!f.flush()) throwBadInput("cannot write " + *jsonOut);
        std::fprintf(stderr, "%zu questions answered in %.1f s (%d failed) → %s\n", answers.size(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), failed, jsonOut->c_str());
        return 0;
    }
    auto report = bench::run(*backend, o, [](const bench::Progress& p) {
        std::fprintf(stderr, "\r%s %d/%d   ", p.phase.c_str(), p.done + 1, p.total);
        std::fflush(stderr);
    });
    std::fprintf(stderr, "\n");
    report["settings"]["model"] = remote ? backend->modelInfo().name : lo.modelDir;
    report["settings"]["random_weights"] = lo.randomWeights ? lo.randomConfigPath : "";
    if (!remote) {
        // The fit estimate (sightline-cli models check, docs/models.md) for these settings, beside the
        // measured peak: the benchmark is where the estimate meets a measurement on every machine.
        try {
            const CheckpointCheck c = lo.randomWeights ? checkConfigOnly(lo.randomConfigPath) : checkCheckpoint(lo.modelDir);
            const SchedulerOptions so = bench::schedulerOptions(o);
            FitQuery q;
            q.device = lo.device;
            q.dtype = lo.dtype;
            q.int8Weights = lo.int8Weights;
            q.maxImagePixels = o.noImage ? 1 : int64_t(o.imageWidth) * o.imageHeight;
            q.context = so.slotTokens;
            q.slots = so.maxBatch;
            q.keptPrefixes = so.keptPrefixes;
            const MemoryEstimate m = estimateMemory(c, q);
            report["memory_estimate"] = {{"total_bytes", m.total},
                                         {"runtime_bytes", m.runtime},
                                         {"weights_bytes", m.weights},
                                         {"kv_cache_bytes", m.kvCache},
                                         {"load_peak_bytes", m.loadPeak}};
        } catch (const std::exception& e) {
            report["memory_estimate"] = {{"error", e.what()}};
        }
    }
    std::fputs(bench::formatReport(report).c_str(), stdout);
    if (jsonOut) {
        std::ofstream f(*jsonOut);
        f << report.dump(2) << "\n";
        if (!f) throwBadInput("cannot write " + *jsonOut);
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
        std::set<std::string> v = {
            "--model", "--random-weights", "--image",  "--image-size", "--prompt", "--max-new-tokens", "--warmup",  "-n",
            "-r",      "--concurrency",    "--device", "--dtype",      "--json",   "--quantize",       "--api-key", "--questions"};
        v.insert(cli::kRemoteOptions.begin(), cli::kRemoteOptions.end());
        return run(cli::Args(argc, argv, 1, v, {"--ignore-eos", "--monitor-sampling"}));
    } catch (const Error& e) {
        std::fprintf(stderr, "sightline-bench: error: %s\n%s", repairUtf8(e.what()).c_str(), kUsage);
        return e.kind() == ErrorKind::Internal ? 1 : 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sightline-bench: internal error: %s\n", e.what());
        return 1;
    }
}
