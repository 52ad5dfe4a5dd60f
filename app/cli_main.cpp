// sightline-cli: ask / tokenize / inspect over the engine API. Errors go to stderr with exit code
// 2 (bad input) or 1 (internal); Ctrl+C cancels a generation and keeps what was produced.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_moderate_eval.h"
#include "cli_options.h"
#include "cli_serve.h"
#include "local_backend.h"
#include "moderation.h"
#include "openai_api.h"
#include "sightline/engine.h"
#include "sightline/request_rules.h"

using namespace sightline;
using nlohmann::json;

namespace {

std::atomic<bool> g_cancel{false};

void onSignal(int) {
    g_cancel.store(true);
}

const char* kUsage = R"(usage:
  sightline-cli ask --model DIR [--image PATH]... [--system TEXT] [--no-think] [--max-new-tokens N]
      [--temperature T] [--top-p P] [--top-k K] [--repetition-penalty R] [--seed S]
      [--device cpu|cuda] [--dtype auto|float32|bfloat16|float16] [--quantize int8] [--max-image-pixels N] [--ignore-eos] [--json] QUESTION
  sightline-cli ask --model DIR --messages CONV.json [same options]
  sightline-cli tokenize --model DIR TEXT
  sightline-cli inspect --model DIR [--image PATH]...
  sightline-cli moderate --model DIR --input QUEUE.(csv|jsonl|dir) --db FILE [--policy FILE] [--parallel N]
      [--device ...] [--dtype ...] [--max-new-tokens N] [--think] [--json] [AUDIT]
  sightline-cli decide --db FILE --id ID --decision approve|reject|escalate|undo --reviewer NAME [--note TEXT] [AUDIT]
  sightline-cli export --db FILE (--csv OUT | --jsonl OUT) [AUDIT]
  sightline-cli moderate-eval --db FILE --labels LABELS.csv [--bins N] [--json]
      precision/recall/F1 per label and reject category, macro-F1, agreement, confusion matrix, calibration (ECE)
  sightline-cli audit verify DB [AUDIT]       exit 0 intact, 3 tampered
  sightline-cli audit checkpoint DB [AUDIT]   appends a signed (count, last hash) to the checkpoint file
      AUDIT: [--audit-key FILE] (default $SIGHTLINE_AUDIT_KEY or ~/.config/sightline/audit.key, created 0600 on first use)
             [--checkpoints FILE] (default DB.checkpoints; keep a copy where the database's writers cannot reach)
  sightline-cli serve --model DIR [--host 127.0.0.1] [--port 8080] [--parallel N] [--slot-tokens N]
      [--kv-cache-mb MB] [--model-name NAME] [--allow-local-files DIR[,DIR]]... [--cors-origin ORIGIN]...
      [--max-input-pixels N] [--max-request-pixels N] [--max-connections N] [--device ...] [--dtype ...] [--quantize int8]
      [--api-key KEY | --api-key-file FILE | --no-auth] [--jwt-secret S | --jwt-public-key PEM] [--jwt-audience AUD]
      [--request-log FILE [--request-log-max-mb N] [--request-log-keep N] [--request-log-content masked|none]]
      [--max-image-side N] [--reencode-jpeg-above-kb K]
      OpenAI-compatible API: POST /v1/chat/completions (stream), GET /v1/models; POST /v1/multimodal/inference,
      GET /health (readiness), GET /health/live. A key is required: --api-key, $SIGHTLINE_API_KEY, or the key file
      (default ~/.config/sightline/api.key, created 0600 on first use); --no-auth only with a loopback --host.
)";

LoadOptions loadOptions(const cli::Args& a) {
    LoadOptions o = cli::loadOptionsFromArgs(a, "cpu");
    o.cancel = &g_cancel;
    return o;
}

int cmdAsk(const cli::Args& a) {
    const bool asJson = a.flag("--json");
    LoadOptions lo = loadOptions(a);
    // One request through the scheduler, as the app's and the API's take.
    app::LocalBackend backend(SchedulerOptions{.maxBatch = 1});
    backend.load(lo);
    GenerationParams p = backend.defaultParams();
    p.sampling.temperature = a.number("--temperature", p.sampling.temperature);
    p.sampling.topP = a.number("--top-p", p.sampling.topP);
    p.sampling.topK = a.integer("--top-k", p.sampling.topK);
    p.sampling.repetitionPenalty = a.number("--repetition-penalty", p.sampling.repetitionPenalty);
    p.sampling.seed = static_cast<uint64_t>(a.integer("--seed", 0));
    p.maxNewTokens = a.integer("--max-new-tokens", p.maxNewTokens);
    p.maxImagePixels = a.integer("--max-image-pixels", 0);
    p.enableThinking = !a.flag("--no-think");
    p.ignoreEos = a.flag("--ignore-eos");
    validateGenerationParams(p);  // the rules every front end shares (names as in the API: top_p, …)

    std::vector<ChatMessage> messages;
    if (auto conv = a.value("--messages")) {
        if (!a.positionals().empty()) throwBadInput("give either --messages or a QUESTION, not both");
        std::string text;
        {
            FILE* f = std::fopen(conv->c_str(), "rb");
            if (!f) throwBadInput("cannot open " + *conv);
            char buf[65536];
            size_t n;
            while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
            std::fclose(f);
        }
        const auto slash = conv->find_last_of('/');
        messages = parseChatJson(text, slash == std::string::npos ? "." : conv->substr(0, slash));
    } else {
        if (a.positionals().size() != 1) throwBadInput("ask needs exactly one QUESTION (quote it)");
        if (auto sys = a.value("--system")) messages.push_back(buildMessage(Role::System, *sys));
        std::vector<ContentPart> images;
        for (const auto& path : a.values("--image")) images.push_back(imageFilePart(path));
        messages.push_back(buildMessage(Role::User, a.positionals()[0], std::move(images)));
    }
    TokenCallback cb;
    if (!asJson)
        cb = [](const TokenEvent& ev) {
            std::fwrite(ev.textDelta.data(), 1, ev.textDelta.size(), stdout);
            std::fflush(stdout);
        };
    const GenerateResult r = backend.generate(RequestSource::Chat, messages, p, cb, &g_cancel);
    if (asJson) {
        json out = {{"text", r.text},
                    {"output_ids", r.outputIds},
                    {"prompt_tokens", r.promptTokens},
                    {"finish_reason", finishReasonName(r.finishReason)},
                    {"stats", requestStatsJson(r.stats)}};
        std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
    } else {
        std::cout << std::endl;
        const auto& s = r.stats;
        std::fprintf(
            stderr, "[%s] ttft %.1f ms, prefill %.0f tok/s, decode %.1f tok/s, %lld+%lld tokens, %.1f ms total, peak %.1f MiB, %s\n",
            finishReasonName(r.finishReason), s.ttftMs, s.prefillTokensPerS, s.decodeTokensPerS, static_cast<long long>(s.promptTokens),
            static_cast<long long>(s.generatedTokens), s.totalMs, static_cast<double>(s.peakMemoryBytes) / (1 << 20), s.device.c_str());
    }
    return 0;
}

int cmdTokenize(const cli::Args& a) {
    const std::string dir = a.required("--model");
    if (a.positionals().size() != 1) throwBadInput("tokenize needs exactly one TEXT");
    auto tok = Tokenizer::fromFile(dir + "/tokenizer.json");
    std::cout << json(tok->encode(a.positionals()[0])).dump() << std::endl;
    return 0;
}

int cmdInspect(const cli::Args& a) {
    const ModelConfig c = loadModelConfig(a.required("--model"));
    json out = {{"architecture", c.architecture},
                {"model_type", c.modelType},
                {"storage_dtype", c.storageDtype},
                {"text",
                 {{"layers", c.text.numLayers},
                  {"hidden_size", c.text.hiddenSize},
                  {"heads", c.text.numHeads},
                  {"kv_heads", c.text.numKvHeads},
                  {"head_dim", c.text.headDim},
                  {"intermediate_size", c.text.intermediateSize},
                  {"vocab_size", c.text.vocabSize},
                  {"rope_theta", c.text.ropeTheta},
                  {"mrope_section", c.text.mropeSection},
                  {"max_position_embeddings", c.text.maxPositionEmbeddings}}},
                {"vision",
                 {{"depth", c.vision.depth},
                  {"hidden_size", c.vision.hiddenSize},
                  {"heads", c.vision.numHeads},
                  {"patch_size", c.vision.patchSize},
                  {"merge_size", c.vision.spatialMergeSize}}},
                {"image_limits", {{"min_pixels", c.image.minPixels}, {"max_pixels", c.image.maxPixels}}},
                {"eos_token_ids", c.eosTokenIds}};
    json images = json::array();
    for (const auto& path : a.values("--image")) {
        const RgbImage img = decodeImageFile(path);
        const PreprocessedImage p = preprocessImage(img, c.image, a.integer("--max-image-pixels", 0));
        images.push_back({{"path", path},
                          {"original", {p.originalWidth, p.originalHeight}},
                          {"resized", {p.resizedWidth, p.resizedHeight}},
                          {"grid_thw", {p.gridT, p.gridH, p.gridW}},
                          {"tokens", p.numTokens}});
    }
    out["images"] = images;
    std::cout << out.dump(2) << std::endl;
    return 0;
}

sightline::moderation::StoreOptions storeOptions(const cli::Args& a) {
    sightline::moderation::StoreOptions o;
    o.keyPath = a.value("--audit-key").value_or("");
    o.checkpointPath = a.value("--checkpoints").value_or("");
    return o;
}

int cmdModerate(const cli::Args& a) {
    namespace mod = sightline::moderation;
    const bool asJson = a.flag("--json");
    mod::ModerationStore store(a.required("--db"), storeOptions(a));
    mod::ImportReport report;
    const auto queue = mod::importQueue(a.required("--input"), &report);
    if (const std::string warnings = report.summary(); !warnings.empty()) std::fprintf(stderr, "warning: %s\n", warnings.c_str());
    const int added = store.addItems(queue);
    mod::RunOptions o;
    if (auto p = a.value("--policy")) o.policy = mod::loadPolicy(*p);
    o.parallel = static_cast<int>(a.integer("--parallel", 1));
    // --parallel N: N items in flight, decoded together by the backend's continuous-batching scheduler.
    app::LocalBackend backend(SchedulerOptions{.maxBatch = std::max(1, o.parallel)});
    backend.load(loadOptions(a));
    o.modelId = backend.modelInfo().id;
    o.params.sampling.temperature = a.number("--temperature", 0.0);
    o.params.sampling.seed = static_cast<uint64_t>(a.integer("--seed", 0));
    o.params.maxNewTokens = a.integer("--max-new-tokens", 256);
    o.params.enableThinking = a.flag("--think");
    validateGenerationParams(o.params);
    const auto pending = store.pending();
    std::fprintf(stderr, "queue: %zu items (%d new), %zu to judge, policy %s\n", queue.size(), added, pending.size(),
                 o.policy.version.c_str());
    mod::runModeration(
        store, mod::SubmitFn([&](const std::vector<ChatMessage>& m, const GenerationParams& p, const std::atomic<bool>* c) {
            return backend.submit(RequestSource::Moderation, m, p, {}, c);
        }),
        o,
        [&](const mod::ItemRecord& r) {
            if (!asJson) return;
            nlohmann::json j = {{"id", r.item.id},
                                {"status", r.status == "judged" ? "ok" : r.status},
                                {"latency_ms", r.latencyMs},
                                {"prompt_tokens", r.promptTokens},
                                {"output_tokens", r.outputTokens},
                                {"policy_version", r.policyVersion},
                                {"duplicate_of", r.item.duplicateOf}};
            if (r.verdict) {
                j["verdict"] = mod::verdictName(r.verdict->verdict);
                j["reasons"] = r.verdict->reasons;
                j["categories"] = r.verdict->categories;
                j["confidence"] = r.verdict->confidence;
            } else {
                j["verdict"] = nullptr;
                j["reasons"] = nlohmann::json::array();
                j["categories"] = nlohmann::json::array();
                j["confidence"] = nullptr;
                j["raw"] = r.raw;
                j["error"] = r.error;
            }
            std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
        },
        [&](const mod::RunProgress& p) {
            if (!p.warning.empty()) std::fprintf(stderr, "\nwarning: %s\n", repairUtf8(p.warning).c_str());
            std::fprintf(stderr, "\r%lld/%lld judged, %lld errors, %.1f items/min, ETA %.0f s   ", static_cast<long long>(p.done),
                         static_cast<long long>(p.total), static_cast<long long>(p.errors), p.itemsPerMinute, p.etaSeconds);
        },
        &g_cancel);
    std::fprintf(stderr, "\n%s\n", g_cancel.load() ? "stopped: rerun the same command to continue" : "done");
    // Items the store could not write (a full disk, an unusable audit key) are not "done".
    if (!g_cancel.load() && !store.pending().empty()) {
        std::fprintf(stderr, "sightline-cli: error: %zu items could not be written; they stay pending\n", store.pending().size());
        return 1;
    }
    return 0;
}

int cmdDecide(const cli::Args& a) {
    namespace mod = sightline::moderation;
    mod::ModerationStore store(a.required("--db"), storeOptions(a));
    const std::string d = a.required("--decision");
    if (d == "undo") {
        store.undoDecision(a.required("--id"), a.required("--reviewer"));
    } else {
        const auto decision = d == "approve"    ? mod::HumanDecision::Approve
                              : d == "reject"   ? mod::HumanDecision::Reject
                              : d == "escalate" ? mod::HumanDecision::Escalate
                                                : throw Error(ErrorKind::BadInput, "--decision must be approve, reject, escalate or undo");
        store.recordDecision(a.required("--id"), decision, a.required("--reviewer"), a.value("--note").value_or(""), 0);
    }
    store.writeCheckpoint();
    return 0;
}

int cmdExport(const cli::Args& a) {
    sightline::moderation::ModerationStore store(a.required("--db"), storeOptions(a));
    auto write = [](const std::string& path, const std::string& data) {
        std::ofstream f(path, std::ios::binary);
        f << data;
        if (!f) throwBadInput("cannot write " + path);
    };
    if (auto p = a.value("--csv")) write(*p, store.exportCsv());
    if (auto p = a.value("--jsonl")) write(*p, store.exportJsonl());
    if (!a.value("--csv") && !a.value("--jsonl")) throwBadInput("export needs --csv OUT or --jsonl OUT");
    const auto m = store.metrics();
    std::fprintf(stderr,
                 "%lld items, %lld judged, %lld errors, %lld decided; agreement %.1f%%, override rate %.1f%%, median review %.0f ms\n",
                 static_cast<long long>(m.items), static_cast<long long>(m.judged), static_cast<long long>(m.errors),
                 static_cast<long long>(m.decided), 100 * m.agreement, 100 * m.overrideRate, m.medianReviewMs);
    return 0;
}

int cmdAudit(const cli::Args& a) {
    const auto& pos = a.positionals();
    if (pos.size() != 2 || (pos[0] != "verify" && pos[0] != "checkpoint")) throwBadInput("usage: sightline-cli audit verify|checkpoint DB");
    if (!std::ifstream(pos[1])) throwBadInput("cannot open " + pos[1]);
    sightline::moderation::ModerationStore store(pos[1], storeOptions(a));
    if (pos[0] == "checkpoint") {
        const int64_t n = store.writeCheckpoint();
        std::printf("checkpoint: %lld records, written to %s\n", static_cast<long long>(n), store.checkpointPath().c_str());
        return 0;
    }
    const auto c = store.verifyAudit();
    std::printf("%s: %s\n", c.ok ? "OK" : "TAMPERED", repairUtf8(c.message).c_str());
    return c.ok ? 0 : 3;
}

// The local API until Ctrl+C / SIGTERM: requests in flight are cancelled, connections closed.
// The server listens before the model loads, so /health answers "loading" (then "error" with the
// reason if the load fails: the server stays up for the readiness probe) and /health/live "alive";
// "listening on …" on stdout means the model is ready.
int cmdServe(const cli::Args& a) {
    LoadOptions lo = loadOptions(a);
    SchedulerOptions so;
    so.maxBatch = static_cast<int>(a.integer("--parallel", 8));
    so.slotTokens = a.integer("--slot-tokens", 4096);
    so.kvCacheBytes = a.integer("--kv-cache-mb", 0) * (int64_t(1) << 20);
    auto backend = std::make_shared<app::LocalBackend>(so);
    server::ApiOptions ao;
    std::string name = lo.modelDir;
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    ao.modelName = a.value("--model-name").value_or(name.substr(name.find_last_of('/') + 1));
    ao.localFileFolders = server::resolveAllowedFolders(a.list("--allow-local-files"));
    ao.imageLimits.maxImagePixels = a.integer("--max-input-pixels", ao.imageLimits.maxImagePixels);
    ao.imageLimits.maxRequestPixels = a.integer("--max-request-pixels", ao.imageLimits.maxRequestPixels);
    if (ao.imageLimits.maxImagePixels <= 0 || ao.imageLimits.maxRequestPixels <= 0) throwBadInput("pixel limits must be positive");
    server::HttpLimits limits;
    limits.maxPendingConnections = static_cast<int>(a.integer("--max-connections", limits.maxPendingConnections));
    if (limits.maxPendingConnections < 1) throwBadInput("--max-connections must be at least 1");
    server::AccessOptions access;
    access.corsOrigins = a.list("--cors-origin");
    const std::string host = a.value("--host").value_or("127.0.0.1");
    cli::configureServeApi(a, host, ao);  // key / JWT / request log / preprocessing; refuses no auth off loopback
    server::ApiService api(backend, ao);
    server::HttpServer http([&api](const server::HttpRequest& r, server::HttpResponder& o) { api.handle(r, o); }, limits, access);
    http.setQuickPaths(server::ApiService::quickPaths());
    http.start(host, static_cast<int>(a.integer("--port", 8080)));
    std::fprintf(stderr, "sightline-cli: loading the model; http://%s:%d/health says when it is ready\n", host.c_str(), http.port());
    try {
        backend->load(lo);
        std::printf("listening on http://%s:%d/v1 (model %s on %s, up to %d requests decoded together)\n", host.c_str(), http.port(),
                    ao.modelName.c_str(), backend->modelInfo().device.c_str(), so.maxBatch);
        std::fflush(stdout);
    } catch (const Error& e) {
        if (g_cancel.load()) throw;
        api.setModelProblem(repairUtf8(e.what()));
        std::fprintf(stderr, "sightline-cli: error: %s\nsightline-cli: still serving /health (status \"error\") until stopped\n",
                     repairUtf8(e.what()).c_str());
    }
    while (!g_cancel.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::fprintf(stderr, "stopping the server\n");
    api.shutdown();
    http.stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const std::string cmd = argv[1];
    const std::set<std::string> common = {"--model", "--device", "--dtype", "--max-image-pixels", "--quantize"};
    try {
        if (cmd == "ask") {
            std::set<std::string> v = common;
            v.insert({"--image", "--system", "--max-new-tokens", "--temperature", "--top-p", "--top-k", "--repetition-penalty", "--seed",
                      "--messages"});
            return cmdAsk(cli::Args(argc, argv, 2, v, {"--no-think", "--json", "--ignore-eos"}));
        }
        if (cmd == "moderate") {
            std::set<std::string> v = common;
            v.insert({"--input", "--db", "--policy", "--parallel", "--max-new-tokens", "--temperature", "--seed", "--audit-key",
                      "--checkpoints"});
            return cmdModerate(cli::Args(argc, argv, 2, v, {"--json", "--think"}));
        }
        if (cmd == "serve") {
            std::set<std::string> v = common;
            v.insert({"--host", "--port", "--parallel", "--slot-tokens", "--kv-cache-mb", "--model-name", "--allow-local-files",
                      "--cors-origin", "--max-input-pixels", "--max-request-pixels", "--max-connections"});
            v.merge(cli::serveSecurityOptions());
            return cmdServe(cli::Args(argc, argv, 2, v, cli::serveSecurityFlags()));
        }
        if (cmd == "decide")
            return cmdDecide(
                cli::Args(argc, argv, 2, {"--db", "--id", "--decision", "--reviewer", "--note", "--audit-key", "--checkpoints"}, {}));
        if (cmd == "export") return cmdExport(cli::Args(argc, argv, 2, {"--db", "--csv", "--jsonl", "--audit-key", "--checkpoints"}, {}));
        if (cmd == "moderate-eval") return cli::moderateEval(cli::Args(argc, argv, 2, {"--db", "--labels", "--bins"}, {"--json"}));
        if (cmd == "audit") return cmdAudit(cli::Args(argc, argv, 2, {"--audit-key", "--checkpoints"}, {}));
        if (cmd == "tokenize") return cmdTokenize(cli::Args(argc, argv, 2, {"--model"}, {}));
        if (cmd == "inspect") return cmdInspect(cli::Args(argc, argv, 2, {"--model", "--image", "--max-image-pixels"}, {}));
        std::fprintf(stderr, "sightline-cli: unknown command \"%s\"\n%s", cmd.c_str(), kUsage);
        return 2;
    } catch (const Error& e) {
        std::fprintf(stderr, "sightline-cli: error: %s\n", repairUtf8(e.what()).c_str());
        return e.kind() == ErrorKind::Internal ? 1 : 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sightline-cli: internal error: %s\n", e.what());
        return 1;
    }
}
