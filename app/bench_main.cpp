// sightline-bench: %timeit-style measurement of the engine (see bench_runner.h).
#include <cstdio>
#include <fstream>
#include <iostream>

#include "bench_runner.h"
#include "cli_options.h"
#include "local_backend.h"

using namespace sightline;

namespace {

const char* kUsage = R"(usage: sightline-bench --model DIR [--random-weights CONFIG.json] [--image PATH | --image-size WxH|none]
    [--prompt TEXT] [--max-new-tokens N] [--warmup W] [-n LOOPS] [-r REPEATS] [--concurrency C]
    [--device cuda|cpu] [--dtype auto|bfloat16|float16|float32] [--quantize int8] [--ignore-eos] [--monitor-sampling] [--json OUT]
  --random-weights: the architecture from CONFIG.json (e.g. tools/configs/glm-4.6v-flash.config.json) with
  random weights; tokenizer and image processor from --model. Greedy; token count fixed (EOS ignored).
)";

int run(const cli::Args& a) {
    LoadOptions lo = cli::loadOptionsFromArgs(a, cudaAvailable() ? "cuda" : "cpu");
    if (auto rc = a.value("--random-weights")) {
        lo.randomWeights = true;
        lo.randomConfigPath = *rc;
    }
    bench::Options o;
    o.warmup = static_cast<int>(a.integer("--warmup", 2));
    o.loops = static_cast<int>(a.integer("-n", 5));
    o.repeats = static_cast<int>(a.integer("-r", 3));
    o.concurrency = static_cast<int>(a.integer("--concurrency", 1));
    o.maxNewTokens = a.integer("--max-new-tokens", 64);
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
    std::fprintf(stderr, "loading %s%s on %s (%s)...\n", lo.modelDir.c_str(), lo.randomWeights ? " with random weights" : "",
                 lo.device == DeviceKind::Cuda ? "cuda" : "cpu", dtypeName(lo.dtype));
    app::LocalBackend backend(bench::schedulerOptions(o));
    backend.load(lo);
    auto report = bench::run(backend, o, [](const bench::Progress& p) {
        std::fprintf(stderr, "\r%s %d/%d   ", p.phase.c_str(), p.done + 1, p.total);
        std::fflush(stderr);
    });
    std::fprintf(stderr, "\n");
    report["settings"]["model"] = lo.modelDir;
    report["settings"]["random_weights"] = lo.randomWeights ? lo.randomConfigPath : "";
    std::fputs(bench::formatReport(report).c_str(), stdout);
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
                             {"--model", "--random-weights", "--image", "--image-size", "--prompt", "--max-new-tokens", "--warmup", "-n",
                              "-r", "--concurrency", "--device", "--dtype", "--json", "--quantize"},
                             {"--ignore-eos", "--monitor-sampling"}));
    } catch (const Error& e) {
        std::fprintf(stderr, "sightline-bench: error: %s\n%s", repairUtf8(e.what()).c_str(), kUsage);
        return e.kind() == ErrorKind::Internal ? 1 : 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sightline-bench: internal error: %s\n", e.what());
        return 1;
    }
}
