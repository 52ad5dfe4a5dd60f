#include "cli_models.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cli_options.h"
#include "hub.h"
#include "model_store.h"
#include "sightline/checkpoint.h"
#include "sightline/engine.h"
#include "sightline/request_rules.h"

namespace sightline::cli {

using nlohmann::json;

namespace {

std::string gibText(int64_t b) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f GiB", double(b) / double(int64_t(1) << 30));
    return buf;
}

// The terminal progress: one redrawn bar line on a terminal, a line every few seconds otherwise;
// notes (a finished file, a retry) on lines of their own.
class ProgressPrinter {
public:
    ProgressPrinter() : m_tty(isatty(fileno(stderr)) != 0) {}
    void operator()(const app::PullProgress& p) {
        std::lock_guard lock(m_mu);
        const double frac = p.totalBytes > 0 ? double(p.doneBytes) / double(p.totalBytes) : 0;
        int active = 0;
        for (const auto& f : p.files) active += f.state == "downloading" || f.state == "resuming" || f.state == "verifying";
        char line[256];
        const int width = 28, filled = int(frac * width);
        std::string bar(size_t(filled), '#');
        bar += std::string(size_t(width - filled), '.');
        std::snprintf(line, sizeof line, "[%s] %5.1f%%  %s / %s  %s/s  ETA %s  (%d active)", bar.c_str(), frac * 100,
                      app::humanBytes(double(p.doneBytes)).c_str(), app::humanBytes(double(p.totalBytes)).c_str(),
                      app::humanBytes(p.bytesPerSecond).c_str(), app::humanDuration(p.etaSeconds).c_str(), active);
        if (!p.note.empty()) {
            if (m_tty) std::fprintf(stderr, "\r\033[K");
            std::fprintf(stderr, "  %s\n", p.note.c_str());
        }
        const auto now = std::chrono::steady_clock::now();
        if (m_tty) {
            std::fprintf(stderr, "\r\033[K%s", line);
        } else if (std::chrono::duration<double>(now - m_last).count() >= 5) {
            std::fprintf(stderr, "%s\n", line);
            m_last = now;
        }
        std::fflush(stderr);
    }
    void end() {
        if (m_tty) std::fprintf(stderr, "\n");
    }

private:
    std::mutex m_mu;
    bool m_tty;
    std::chrono::steady_clock::time_point m_last{};
};

json checkJson(const CheckpointCheck& c) {
    return {{"dir", c.config.modelDir}, {"architecture", c.config.architecture}, {"parameters", c.parameters},
            {"tensors", c.tensors},     {"storage_dtype", c.storageDtype},       {"file_bytes", c.fileBytes},
            {"problems", c.problems}};
}

json estimateJson(const MemoryEstimate& m) {
    return {{"device", m.device},
            {"weights_bytes", m.weights},
            {"kv_cache_bytes", m.kvCache},
            {"vision_bytes", m.vision},
            {"prefill_bytes", m.prefill},
            {"runtime_bytes", m.runtime},
            {"load_peak_bytes", m.loadPeak},
            {"total_bytes", m.total},
            {"free_bytes", m.free},
            {"fits", m.fits},
            {"suggestions", m.suggestions}};
}

int pull(const Args& a, const std::atomic<bool>& cancel) {
    if (a.positionals().size() != 1)
        throwBadInput("usage: sightline-cli models pull REPO [--revision REV] [--dir DIR] [--source huggingface|modelscope]");
    app::PullOptions o;
    o.repo = a.positionals()[0];
    o.source = app::hubSourceFromEnv(app::parseHubKind(a.value("--source").value_or("huggingface")));
    o.revision = a.value("--revision").value_or("");
    o.dir = a.value("--dir").value_or(app::defaultModelsDir() + "/" + app::folderNameForRepo(o.repo));
    o.parallel = int(a.integer("--parallel", 4));
    if (o.parallel < 1 || o.parallel > 16) throwBadInput("--parallel must be 1..16");
    o.retries = int(a.integer("--retries", 6));
    if (o.retries < 0 || o.retries > 100) throwBadInput("--retries must be 0..100");
    o.cancel = &cancel;
    ProgressPrinter printer;
    const bool quiet = a.flag("--json");
    if (!quiet) o.onProgress = [&](const app::PullProgress& p) { printer(p); };
    std::fprintf(stderr, "pulling %s from %s into %s\n", o.repo.c_str(), o.source.endpoint.c_str(), o.dir.c_str());
    app::PullResult r;
    try {
        r = app::pullModel(o);
    } catch (const Error& e) {
        if (!quiet) printer.end();
        if (e.kind() == ErrorKind::Cancelled) {
            std::fprintf(stderr, "sightline-cli: %s\n", e.what());
            return 130;
        }
        throw;
    }
    if (!quiet) printer.end();
    // Loadable? The same check as `models check`, without the memory part.
    const CheckpointCheck c = checkCheckpoint(o.dir);
    json out = {{"dir", o.dir},
                {"repo", o.repo},
                {"files", r.files.size()},
                {"downloaded_bytes", r.downloadedBytes},
                {"resumed_bytes", r.resumedBytes},
                {"seconds", r.seconds},
                {"check", checkJson(c)}};
    if (quiet)
        std::cout << out.dump(2) << std::endl;
    else
        std::fprintf(stderr, "pulled %zu files (%s downloaded, %s already here) in %s; %s parameters, %s\n", r.files.size(),
                     app::humanBytes(double(r.downloadedBytes)).c_str(), app::humanBytes(double(r.resumedBytes)).c_str(),
                     app::humanDuration(r.seconds).c_str(), std::to_string(c.parameters).c_str(), c.storageDtype.c_str());
    if (!c.problems.empty()) {
        for (const auto& p : c.problems) std::fprintf(stderr, "  problem: %s\n", p.c_str());
        throwBadInput(o.dir + ": the pulled checkpoint does not match its config.json");
    }
    if (!quiet) std::fprintf(stderr, "ready: sightline-cli ask --model %s --image PHOTO \"What is in this image?\"\n", o.dir.c_str());
    return 0;
}

int list(const Args& a) {
    const std::string root = a.value("--models-dir").value_or(app::defaultModelsDir());
    const auto models = app::listLocalModels(root);
    if (a.flag("--json")) {
        json arr = json::array();
        for (const auto& m : models)
            arr.push_back({{"name", m.name},
                           {"dir", m.dir},
                           {"bytes", m.bytes},
                           {"source", m.hasOrigin ? m.origin.source : "unknown"},
                           {"repo", m.origin.repo},
                           {"revision", m.origin.revision},
                           {"verified", m.hasOrigin && m.origin.verified},
                           {"downloading", m.downloading},
                           {"has_config", m.hasConfig}});
        std::cout << json{{"models_dir", root}, {"models", arr}}.dump(2) << std::endl;
        return 0;
    }
    std::printf("models in %s\n", root.c_str());
    if (models.empty()) std::printf("  (none: sightline-cli models pull zai-org/GLM-4.6V-Flash)\n");
    for (const auto& m : models) {
        std::string state =
            m.downloading ? "incomplete pull (run the pull again)" : (m.hasOrigin && m.origin.verified ? "verified" : "not verified");
        std::string from = m.hasOrigin ? m.origin.source + (m.origin.repo.empty() ? "" : " " + m.origin.repo) : "unknown origin";
        // dtype and parameters come from the headers (cheap); a broken folder says why.
        std::string detail;
        if (m.hasConfig && !m.downloading) {
            try {
                const CheckpointCheck c = checkCheckpoint(m.dir);
                char buf[96];
                std::snprintf(buf, sizeof buf, "%.2fB params, %s", double(c.parameters) / 1e9, c.storageDtype.c_str());
                detail = buf;
                if (!c.problems.empty()) detail += ", " + std::to_string(c.problems.size()) + " problems (models check)";
            } catch (const Error& e) {
                detail = std::string("unusable: ") + e.what();
            }
        }
        std::printf("  %-36s %10s  %-12s %s%s%s\n", m.name.c_str(), app::humanBytes(double(m.bytes)).c_str(), state.c_str(), from.c_str(),
                    detail.empty() ? "" : "; ", detail.c_str());
    }
    return 0;
}

int check(const Args& a) {
    if (a.positionals().size() != 1)
        throwBadInput(
            "usage: sightline-cli models check DIR|NAME|CONFIG.json [--device cpu|cuda] [--dtype …] [--quantize int8] [--max-image-pixels "
            "N] [--context N] [--slots N]");
    const std::string dir = app::resolveModelDir(a.value("--models-dir").value_or(app::defaultModelsDir()), a.positionals()[0]);
    FitQuery q;
    const std::string dev = a.value("--device").value_or(cudaAvailable() ? "cuda" : "cpu");
    const auto d = parseDevice(dev);
    if (!d) throwBadInput("--device must be cpu or cuda, got \"" + dev + "\"");
    q.device = *d;
    const std::string dt = a.value("--dtype").value_or("auto");
    const auto t = resolveDType(dt, q.device);
    if (!t) throwBadInput("--dtype must be auto, float32, bfloat16 or float16, got \"" + dt + "\"");
    q.dtype = *t;
    if (auto v = a.value("--quantize")) {
        if (*v != "int8") throwBadInput("--quantize supports int8");
        q.int8Weights = true;
    }
    q.maxImagePixels = a.integer("--max-image-pixels", 0);
    if (q.maxImagePixels < 0) throwBadInput("--max-image-pixels must be positive");
    q.context = a.integer("--context", 4096);
    if (q.context < 16 || q.context > (int64_t(1) << 22)) throwBadInput("--context must be 16..4194304");
    q.slots = int(a.integer("--slots", 8));
    if (q.slots < 1 || q.slots > 1024) throwBadInput("--slots must be 1..1024");
    const bool configOnly = dir.size() > 5 && dir.ends_with(".json") && std::filesystem::is_regular_file(dir);
    const CheckpointCheck c = configOnly ? checkConfigOnly(dir) : checkCheckpoint(dir);
    const MemoryEstimate m = estimateMemory(c, q);
    if (a.flag("--json")) {
        std::cout << json{{"check", checkJson(c)},
                          {"estimate", estimateJson(m)},
                          {"query",
                           {{"dtype", dtypeName(q.dtype)},
                            {"int8", q.int8Weights},
                            {"max_image_pixels", q.maxImagePixels},
                            {"context", q.context},
                            {"slots", q.slots}}}}
                         .dump(2)
                  << std::endl;
    } else {
        std::printf("%s: %s, %.3fB parameters in %lld tensors (%s), %s on disk\n", dir.c_str(), c.config.architecture.c_str(),
                    double(c.parameters) / 1e9, static_cast<long long>(c.tensors), c.storageDtype.c_str(),
                    app::humanBytes(double(c.fileBytes)).c_str());
        if (configOnly)
            std::printf("tensors: not checked (a config.json alone: the estimate is for the model it describes)\n");
        else if (c.problems.empty())
            std::printf("tensors: every tensor config.json implies is there, with its shape\n");
        for (const auto& p : c.problems) std::printf("problem: %s\n", p.c_str());
        std::printf("memory on %s, %s%s, context %lld × %d slots (+%d kept prefixes), images up to %lld pixels:\n", m.device.c_str(),
                    dtypeName(q.dtype), q.int8Weights ? " + int8 weights" : "", static_cast<long long>(q.context), q.slots, q.keptPrefixes,
                    static_cast<long long>(c.config.image.maxPixels <= 0 ? q.maxImagePixels
                                           : q.maxImagePixels > 0        ? std::min(q.maxImagePixels, c.config.image.maxPixels)
                                                                         : c.config.image.maxPixels));
        std::printf("  weights     %s\n  KV cache    %s\n  vision      %s (one image at the budget)\n  prefill     %s\n  runtime     %s\n",
                    gibText(m.weights).c_str(), gibText(m.kvCache).c_str(), gibText(m.vision).c_str(), gibText(m.prefill).c_str(),
                    gibText(m.runtime).c_str());
        std::printf("  while loading %s\n  total       %s, free %s: %s\n", gibText(m.loadPeak).c_str(), gibText(m.total).c_str(),
                    m.free < 0 ? "unknown" : gibText(m.free).c_str(), m.fits ? "fits" : "DOES NOT FIT");
        for (const auto& s : m.suggestions) std::printf("  would fit: %s\n", s.c_str());
    }
    if (!c.problems.empty()) return 2;
    return m.fits ? 0 : 3;
}

int importCmd(const Args& a) {
    if (a.positionals().size() != 1) throwBadInput("usage: sightline-cli models import DIR [--name NAME]");
    const std::string src = a.positionals()[0];
    const CheckpointCheck c = checkCheckpoint(src);  // validated before anything is copied
    if (!c.problems.empty()) {
        for (const auto& p : c.problems) std::fprintf(stderr, "  problem: %s\n", p.c_str());
        throwBadInput(src + " does not match its config.json; not imported");
    }
    const std::string root = a.value("--models-dir").value_or(app::defaultModelsDir());
    const std::string name =
        a.value("--name").value_or(std::filesystem::path(src).lexically_normal().filename().string().empty()
                                       ? std::filesystem::path(src).lexically_normal().parent_path().filename().string()
                                       : std::filesystem::path(src).lexically_normal().filename().string());
    std::filesystem::create_directories(root);
    app::importModel(src, root, name);
    std::printf("imported %s as %s/%s\n", src.c_str(), root.c_str(), name.c_str());
    return 0;
}

int rm(const Args& a) {
    if (a.positionals().size() != 1) throwBadInput("usage: sightline-cli models rm NAME");
    const std::string root = a.value("--models-dir").value_or(app::defaultModelsDir());
    app::removeModel(root, a.positionals()[0]);
    std::printf("removed %s from %s\n", a.positionals()[0].c_str(), root.c_str());
    return 0;
}

}  // namespace

int models(int argc, char** argv, const std::atomic<bool>& cancel) {
    const std::string sub = argc >= 3 ? argv[2] : "";
    if (sub == "pull") return pull(Args(argc, argv, 3, {"--revision", "--dir", "--source", "--parallel", "--retries"}, {"--json"}), cancel);
    if (sub == "list") return list(Args(argc, argv, 3, {"--models-dir"}, {"--json"}));
    if (sub == "check")
        return check(Args(argc, argv, 3,
                          {"--models-dir", "--device", "--dtype", "--quantize", "--max-image-pixels", "--context", "--slots"}, {"--json"}));
    if (sub == "import") return importCmd(Args(argc, argv, 3, {"--models-dir", "--name"}, {}));
    if (sub == "rm") return rm(Args(argc, argv, 3, {"--models-dir"}, {}));
    throwBadInput("sightline-cli models: pull, list, check, import or rm (got \"" + sub + "\")");
}

}  // namespace sightline::cli
