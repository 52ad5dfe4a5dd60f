// sightline-cli: ask / tokenize / inspect over the engine API. Errors go to stderr with exit code
// 2 (bad input) or 1 (internal); Ctrl+C cancels a generation and keeps what was produced.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_models.h"
#include "cli_moderate_eval.h"
#include "cli_options.h"
#include "cli_serve.h"
#include "local_backend.h"
#include "moderation.h"
#include "moderation_batch.h"
#include "openai_api.h"
#include "pdf_pages.h"
#include "remote_backend.h"
#include "remote_protocol.h"
#include "sightline/engine.h"
#include "sightline/request_rules.h"
#include "sightline/thinking.h"

using namespace sightline;
using nlohmann::json;

namespace {

std::atomic<bool> g_cancel{false};

// --pdf FILE (repeatable) with --pages A-B: the pages as images, in order, after the --image ones.
std::vector<ContentPart> pdfParts(const cli::Args& a, int64_t maxPixels) {
    std::vector<ContentPart> parts;
    const auto files = a.values("--pdf");
    if (files.empty() && a.value("--pages")) throwBadInput("--pages needs --pdf FILE");
    const app::PdfPageRange range = a.value("--pages") ? app::parsePdfPageRange(*a.value("--pages")) : app::PdfPageRange{};
    for (const auto& file : files) {
        app::PdfDocumentPages doc = app::rasterizePdf(file, range, maxPixels);
        if (!doc.note.empty()) std::fprintf(stderr, "%s: %s\n", file.c_str(), doc.note.c_str());
        for (auto& p : doc.pages)
            parts.push_back(imagePart(std::make_shared<RgbImage>(std::move(p.image)), file + "#page=" + std::to_string(p.number)));
    }
    if (!files.empty() && parts.size() + a.values("--image").size() > size_t(app::kMaxPdfPages))
        throwBadInput("more than " + std::to_string(app::kMaxPdfPages) + " images in one question (GLM-4.6V's limit per conversation)");
    return parts;
}

void onSignal(int) {
    g_cancel.store(true);
}

const char* kUsage = R"(usage:
  sightline-cli ask --model DIR [--image PATH]... [--system TEXT] [--no-think] [--max-new-tokens N]
      [--temperature T] [--top-p P] [--top-k K] [--repetition-penalty R] [--seed S]
      [--device cpu|cuda] [--dtype auto|float32|bfloat16|float16] [--quantize int8] [--max-image-pixels N] [--image-resize torchvision|pil] [--ignore-eos] [--json [--top-logprobs N]] QUESTION
  sightline-cli ask --model DIR --messages CONV.json [same options]
  VIDEO (ask, inspect): --video FILE: one video (FFmpeg), its frames sampled as the checkpoint's video processor
      does (GLM-4.6V: 3 frames/s up to 30 s, fewer beyond, at most 640); --max-video-pixels N lowers the pixel
      budget of all sampled frames together (fewer tokens)
  DOCUMENTS (ask, inspect): --pdf FILE [--pages A-B]: the pages as images, in order (poppler; at most 10 images a
      question; the resolution fits --max-image-pixels, at most 150 dpi)
  sightline-cli render-pdf FILE [--pages A-B] [--max-image-pixels N] --out DIR   (the pages as the model gets them, PNG)
  REMOTE (instead of --model DIR, for ask, moderate, serve): --remote URL (an OpenAI-compatible server's /v1 base:
      vLLM, SGLang, sightline-cli serve) [--remote-api-key KEY] (or --api-key KEY for ask and moderate, or $SIGHTLINE_REMOTE_API_KEY)
      [--remote-model NAME] (default: the first model it lists) [--remote-concurrency N] [--remote-timeout S] [--remote-retries N]
      [--remote-ca-file PEM]   (docs/scale-out.md)
  sightline-cli tokenize --model DIR TEXT
  sightline-cli models pull REPO [--revision REV] [--dir DIR] [--source huggingface|modelscope] [--parallel N] [--json]
      (resumable, sha256-verified; $HF_ENDPOINT, $HF_TOKEN, $MODELSCOPE_ENDPOINT; default DIR: the models folder)
  sightline-cli models list [--json] | models import DIR [--name NAME] | models rm NAME      [--models-dir DIR]
  sightline-cli models check DIR|NAME|CONFIG.json [--device cpu|cuda] [--dtype ...] [--quantize int8] [--max-image-pixels N]
      [--context N] [--slots N] [--json]   (every tensor present, and will it fit? exit 3 when not; docs/models.md)
  sightline-cli inspect --model DIR [--image PATH]... [--video FILE] [--max-image-pixels N] [--max-video-pixels N] [--image-resize torchvision|pil]
      [--pixel-values OUT.f32] [--prompt QUESTION [--no-think]] (--prompt loads the model and prints the prompt ids)
      [--pixel-values OUT.f32]   (the preprocessed images' pixel values, float32, concatenated in order)
  --image-resize (ask, moderate, serve, inspect): the image-processor backend of transformers the pixels
      reproduce: torchvision (default, as transformers 5's AutoProcessor and vLLM) or pil (docs/vision.md)
  sightline-cli moderate --model DIR --input QUEUE.(csv|jsonl|dir) --db FILE [--policy FILE] [--parallel N]
      [--device ...] [--dtype ...] [--max-new-tokens N] [--think] [--json] [AUDIT]
  sightline-cli moderate-batch export --db FILE [--input QUEUE] --out BATCH.jsonl [--model NAME] [--policy FILE] [--max-new-tokens N] [--think]
      writes one OpenAI Batch request a pending item (vllm run-batch -i BATCH.jsonl) and BATCH.jsonl.manifest.json
  sightline-cli moderate-batch import --db FILE --in RESULTS.jsonl --manifest BATCH.jsonl.manifest.json [AUDIT]
      records the batch's answers as verdicts (audited); unknown or already judged ids are reported, never judged twice
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
      with REMOTE: a gateway forwarding to the remote server (its key: --remote-api-key or $SIGHTLINE_REMOTE_API_KEY)
)";

LoadOptions loadOptions(const cli::Args& a) {
    LoadOptions o = cli::loadOptionsFromArgs(a, "cpu");
    o.cancel = &g_cancel;
    return o;
}

// The local engine (--model, with these scheduler options), or with --remote URL a remote
// OpenAI-compatible server (connected: its model resolved).
std::shared_ptr<app::InferenceBackend> makeBackend(const cli::Args& a, const SchedulerOptions& so, bool apiKeyNamesRemote,
                                                   int defaultConcurrency = 0) {
    if (auto ro = cli::remoteOptionsFromArgs(a, apiKeyNamesRemote)) {
        if (a.value("--model")) throwBadInput("give either --model DIR (the local engine) or --remote URL, not both");
        if (defaultConcurrency > 0 && !a.value("--remote-concurrency")) ro->concurrency = defaultConcurrency;
        auto remote = std::make_shared<app::RemoteBackend>(*ro);
        LoadOptions lo;
        lo.cancel = &g_cancel;
        remote->load(lo);
        std::fprintf(stderr, "remote backend: %s (%d connections)\n", remote->modelInfo().summary.c_str(), ro->concurrency);
        return remote;
    }
    auto local = std::make_shared<app::LocalBackend>(so);
    local->load(loadOptions(a));
    return local;
}

int cmdAsk(const cli::Args& a) {
    const bool asJson = a.flag("--json");
    // One request through the scheduler, as the app's and the API's take.
    const auto backendPtr = makeBackend(a, SchedulerOptions{.maxBatch = 1}, true, 1);
    const app::InferenceBackend& backend = *backendPtr;
    GenerationParams p = backend.defaultParams();
    p.sampling.temperature = a.number("--temperature", p.sampling.temperature);
    p.sampling.topP = a.number("--top-p", p.sampling.topP);
    p.sampling.topK = a.integer("--top-k", p.sampling.topK);
    p.sampling.repetitionPenalty = a.number("--repetition-penalty", p.sampling.repetitionPenalty);
    p.sampling.seed = static_cast<uint64_t>(a.integer("--seed", 0));
    p.maxNewTokens = a.integer("--max-new-tokens", p.maxNewTokens);
    p.maxImagePixels = a.integer("--max-image-pixels", 0);
    p.maxVideoPixels = a.integer("--max-video-pixels", 0);
    p.topLogprobs = static_cast<int>(a.integer("--top-logprobs", 0));
    if (p.topLogprobs < 0 || p.topLogprobs > 20) throwBadInput("--top-logprobs must be in [0, 20]");
    p.enableThinking = !a.flag("--no-think");
    p.ignoreEos = a.flag("--ignore-eos");
    validateGenerationParams(p);  // the rules every front end shares (names as in the API: top_p, …)

    std::vector<ChatMessage> messages;
    if (auto conv = a.value("--messages")) {
        if (!a.positionals().empty()) throwBadInput("give either --messages or a QUESTION, not both");
        if (!a.values("--pdf").empty())
            throwBadInput("--pdf goes with a QUESTION, not --messages (put the pages in the messages as images)");
        if (a.value("--video")) throwBadInput("--video goes with a QUESTION, not --messages (put it in the messages as a video part)");
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
        for (auto& part : pdfParts(a, p.maxImagePixels)) images.push_back(std::move(part));
        if (auto video = a.value("--video")) {
            if (!images.empty()) throwBadInput("--video goes alone: GLM-4.6V takes images or one video in a question, not both");
            images.push_back(videoFilePart(*video));
        }
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
        if (p.topLogprobs > 0) {  // per generated token: its logprob and the top alternatives (parity checks)
            json toks = json::array();
            for (const TokenEvent& t : r.tokens) {
                json top = json::array();
                for (const TokenLogprob& l : t.top) top.push_back({{"id", l.id}, {"logprob", l.logprob}});
                toks.push_back({{"id", t.tokenId}, {"logprob", t.logprob}, {"top", top}});
            }
            out["tokens"] = toks;
        }
        // The answer's grounding boxes, as the API gives them (docs/api.md).
        if (const json b = groundingBoxesJson(splitThinking(r.text).answer, imageSizesOf(messages)); !b.is_null()) {
            out["boxes"] = b["boxes"];
            if (!b["notes"].empty()) out["boxes_notes"] = b["notes"];
        }
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

// render-pdf FILE [--pages A-B] [--max-image-pixels N] --out DIR: the pages as the model gets them, as PNGs.
int cmdRenderPdf(const cli::Args& a) {
    if (a.positionals().size() != 1) throwBadInput("usage: sightline-cli render-pdf FILE [--pages A-B] [--max-image-pixels N] --out DIR");
    const std::string file = a.positionals()[0];
    const std::string dir = a.required("--out");
    const app::PdfPageRange range = a.value("--pages") ? app::parsePdfPageRange(*a.value("--pages")) : app::PdfPageRange{};
    const app::PdfDocumentPages doc = app::rasterizePdf(file, range, a.integer("--max-image-pixels", 0));
    json pages = json::array();
    for (const auto& p : doc.pages) {
        const std::string out = dir + "/page-" + std::to_string(p.number) + ".png";
        const std::string png = app::encodePng(p.image);
        std::ofstream f(out, std::ios::binary | std::ios::trunc);
        f.write(png.data(), std::streamsize(png.size()));
        if (!f.flush()) throwBadInput("cannot write " + out);
        pages.push_back({{"page", p.number}, {"file", out}, {"width", p.image.width}, {"height", p.image.height}, {"dpi", p.dpi}});
    }
    std::cout << json{{"page_count", doc.pageCount}, {"pages", pages}, {"note", doc.note}}.dump(2) << std::endl;
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
    const ImageResize resize = cli::imageResizeFromArgs(a);
    std::vector<float> pixels;
    std::vector<std::pair<std::string, RgbImage>> inputs;
    for (const auto& path : a.values("--image")) inputs.emplace_back(path, decodeImageFile(path));
    for (auto& part : pdfParts(a, a.integer("--max-image-pixels", 0))) inputs.emplace_back(part.imageSource, *part.image);
    for (const auto& [path, img] : inputs) {
        const PreprocessedImage p = preprocessImage(img, c.image, a.integer("--max-image-pixels", 0), resamplerFor(resize));
        pixels.insert(pixels.end(), p.pixelValues.begin(), p.pixelValues.end());
        images.push_back({{"path", path},
                          {"original", {p.originalWidth, p.originalHeight}},
                          {"resized", {p.resizedWidth, p.resizedHeight}},
                          {"grid_thw", {p.gridT, p.gridH, p.gridW}},
                          {"tokens", p.numTokens}});
    }
    out["images"] = images;
    out["image_resize"] = imageResizeName(resize);
    std::vector<ContentPart> parts;
    for (const auto& [path, img] : inputs) parts.push_back(imagePart(std::make_shared<RgbImage>(img), path));
    if (auto file = a.value("--video")) {
        const ContentPart vp = videoFilePart(*file);
        const VideoSource& src = *vp.video;
        const int64_t budget = a.integer("--max-video-pixels", 0);
        const DecodedVideo d = decodeVideo(src, c.video, resamplerFor(ImageResize::Torchvision), budget);
        const PreprocessedVideo pv = preprocessVideo(d, c.video, ImageResize::Torchvision);
        json ts = json::array();
        for (size_t k = 0; k < pv.pairs.size(); ++k) {
            pixels.insert(pixels.end(), pv.pairs[k].pixelValues.begin(), pv.pairs[k].pixelValues.end());
            ts.push_back(videoTimestampText(c.video.sampler, pv.pairTimestamps[k]));
        }
        const PreprocessedImage& first = pv.pairs.front();
        out["video"] = {{"path", *file},
                        {"sampler", videoSamplerName(c.video.sampler)},
                        {"frames", src.info.totalFrames},
                        {"fps", src.info.fps},
                        {"duration", src.info.duration},
                        {"codec", src.info.codec},
                        {"original", {src.info.width, src.info.height}},
                        {"frame_indices", d.frameIndices},
                        {"timestamps", d.timestamps},
                        {"pair_timestamps", ts},
                        {"resized", {d.resizedWidth, d.resizedHeight}},
                        {"grid_thw", {int64_t(pv.pairs.size()), first.gridH, first.gridW}},
                        {"tokens", pv.numTokens}};
        parts.push_back(vp);
    }
    if (auto question = a.value("--prompt")) {
        // The prompt as the engine builds it (chat template, image and video expansion), for parity checks.
        LoadOptions lo;
        lo.modelDir = a.required("--model");
        const auto model = Model::load(lo);
        GenerationParams gp;
        gp.maxImagePixels = a.integer("--max-image-pixels", 0);
        gp.maxVideoPixels = a.integer("--max-video-pixels", 0);
        gp.imageResize = resize;
        gp.enableThinking = !a.flag("--no-think");
        out["prompt_ids"] = model->promptIds({buildMessage(Role::User, *question, parts)}, gp);
    }
    if (auto file = a.value("--pixel-values")) {
        std::ofstream f(*file, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(pixels.data()), std::streamsize(pixels.size() * sizeof(float)));
        if (!f.flush()) throwBadInput("cannot write " + *file);
    }
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
    // --parallel N: N items in flight, decoded together by the backend's continuous-batching scheduler
    // (remote: N connections unless --remote-concurrency says otherwise).
    const auto backendPtr = makeBackend(a, SchedulerOptions{.maxBatch = std::max(1, o.parallel)}, true, std::max(1, o.parallel));
    const app::InferenceBackend& backend = *backendPtr;
    if (auto* remote = dynamic_cast<const app::RemoteBackend*>(&backend)) {
        if (!a.value("--parallel")) o.parallel = remote->batchSlots();
        // A server still unreachable after its retries stops the run; its items stay pending (rerun to continue).
        o.isOutage = [](const std::exception& e) {
            const auto* r = dynamic_cast<const app::RemoteError*>(&e);
            return r && r->unavailable();
        };
    }
    o.modelId = backend.modelInfo().id;
    o.params.sampling.temperature = a.number("--temperature", 0.0);
    o.params.sampling.seed = static_cast<uint64_t>(a.integer("--seed", 0));
    o.params.maxNewTokens = a.integer("--max-new-tokens", 256);
    o.params.enableThinking = a.flag("--think");
    o.params.imageResize = backend.defaultParams().imageResize;
    validateGenerationParams(o.params);
    const auto pending = store.pending();
    std::string outage;
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
            if (!p.outage.empty()) outage = p.outage;
            std::fprintf(stderr, "\r%lld/%lld judged, %lld errors, %.1f items/min, ETA %.0f s   ", static_cast<long long>(p.done),
                         static_cast<long long>(p.total), static_cast<long long>(p.errors), p.itemsPerMinute, p.etaSeconds);
        },
        &g_cancel);
    if (!outage.empty()) {
        std::fprintf(
            stderr,
            "\nsightline-cli: error: the remote server is unavailable (%s); %zu items stay pending: rerun the same command to continue\n",
            repairUtf8(outage).c_str(), store.pending().size());
        return 1;
    }
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
// moderate-batch export|import: the queue through OpenAI Batch JSONL (vllm run-batch), see moderation_batch.h.
int cmdModerateBatch(const cli::Args& a) {
    namespace mod = sightline::moderation;
    const auto& pos = a.positionals();
    if (pos.size() != 1 || (pos[0] != "export" && pos[0] != "import"))
        throwBadInput("usage: sightline-cli moderate-batch export|import ...");
    mod::ModerationStore store(a.required("--db"), storeOptions(a));
    if (pos[0] == "export") {
        if (auto input = a.value("--input")) {  // as `moderate --input`: new items join the queue first
            mod::ImportReport report;
            const int added = store.addItems(mod::importQueue(*input, &report));
            if (const std::string w = report.summary(); !w.empty()) std::fprintf(stderr, "warning: %s\n", w.c_str());
            std::fprintf(stderr, "queue: %d new items\n", added);
        }
        mod::BatchExportOptions o;
        if (auto p = a.value("--policy")) o.policy = mod::loadPolicy(*p);
        o.model = a.value("--model").value_or(o.model);
        // The same sampling as `moderate` (greedy, 256 new tokens, thinking off).
        o.params.sampling.temperature = a.number("--temperature", 0.0);
        o.params.sampling.seed = static_cast<uint64_t>(a.integer("--seed", 0));
        o.params.maxNewTokens = a.integer("--max-new-tokens", 256);
        o.params.enableThinking = a.flag("--think");
        validateGenerationParams(o.params);
        const std::string out = a.required("--out");
        const mod::BatchExportReport r = mod::exportBatch(store, out, o);
        for (const auto& s : r.skipped) std::fprintf(stderr, "skipped %s\n", repairUtf8(s).c_str());
        std::fprintf(stderr, "%lld requests written to %s (manifest %s), %zu skipped\n", static_cast<long long>(r.exported), out.c_str(),
                     r.manifestPath.c_str(), r.skipped.size());
        return 0;
    }
    const std::string in = a.value("--in").value_or("");
    if (in.empty()) throwBadInput("moderate-batch import needs --in RESULTS.jsonl");
    const std::string manifest = a.value("--manifest").value_or("");
    if (manifest.empty()) throwBadInput("moderate-batch import needs --manifest BATCH.jsonl.manifest.json (written by the export)");
    const mod::BatchImportReport r = mod::importBatch(store, in, manifest);
    for (const auto& id : r.unknown)
        std::fprintf(stderr, "unknown custom_id %s (not exported to this batch): ignored\n", repairUtf8(id).c_str());
    for (const auto& id : r.duplicates) std::fprintf(stderr, "custom_id %s is judged already: not judged again\n", repairUtf8(id).c_str());
    for (const auto& m : r.malformed) std::fprintf(stderr, "%s\n", repairUtf8(m).c_str());
    std::fprintf(stderr, "%s\n", r.summary().c_str());
    return r.malformed.empty() ? 0 : 1;
}

// With --remote URL a gateway: the local API (its keys, limits and log) forwards to the remote server, which
// it connects to first (the gateway names the remote's model). Locally the server listens before the model
// loads, so /health answers "loading" (then "error" with the reason if the load fails: the server stays up
// for the readiness probe) and /health/live "alive". "listening on …" on stdout means the model is ready.
int cmdServe(const cli::Args& a) {
    SchedulerOptions so;
    so.maxBatch = static_cast<int>(a.integer("--parallel", 8));
    so.slotTokens = a.integer("--slot-tokens", 4096);
    so.kvCacheBytes = a.integer("--kv-cache-mb", 0) * (int64_t(1) << 20);
    // Here --api-key is this server's own key: the remote's is --remote-api-key / $SIGHTLINE_REMOTE_API_KEY.
    // A gateway's connections: --remote-concurrency, else --parallel when given, else the remote default.
    const bool remote = a.value("--remote").has_value();
    std::optional<LoadOptions> localLoad;
    std::shared_ptr<app::InferenceBackend> backend;
    if (remote) {
        backend = makeBackend(a, so, false, a.value("--parallel") ? so.maxBatch : 0);
    } else {
        localLoad = loadOptions(a);
        backend = std::make_shared<app::LocalBackend>(so);
    }
    server::ApiOptions ao;
    std::string name = a.value("--model").value_or("");
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    name = name.substr(name.find_last_of('/') + 1);
    if (remote) name = backend->modelInfo().name;
    ao.modelName = a.value("--model-name").value_or(name);
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
    if (remote) {
        std::printf("listening on http://%s:%d/v1 (model %s on %s, up to %d requests at the remote server at once)\n", host.c_str(),
                    http.port(), ao.modelName.c_str(), backend->modelInfo().device.c_str(), backend->batchSlots());
        std::fflush(stdout);
    } else {
        std::fprintf(stderr, "sightline-cli: loading the model; http://%s:%d/health says when it is ready\n", host.c_str(), http.port());
        try {
            backend->load(*localLoad);
            std::printf("listening on http://%s:%d/v1 (model %s on %s, up to %d requests decoded together)\n", host.c_str(), http.port(),
                        ao.modelName.c_str(), backend->modelInfo().device.c_str(), so.maxBatch);
            std::fflush(stdout);
        } catch (const Error& e) {
            if (g_cancel.load()) throw;
            api.setModelProblem(repairUtf8(e.what()));
            std::fprintf(stderr, "sightline-cli: error: %s\nsightline-cli: still serving /health (status \"error\") until stopped\n",
                         repairUtf8(e.what()).c_str());
        }
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
    const std::set<std::string> common = {"--model",    "--device",       "--dtype",           "--max-image-pixels",
                                          "--quantize", "--image-resize", "--max-video-pixels"};
    try {
        if (cmd == "ask") {
            std::set<std::string> v = common;
            v.insert({"--image", "--system", "--max-new-tokens", "--temperature", "--top-p", "--top-k", "--repetition-penalty", "--seed",
                      "--messages", "--api-key", "--pdf", "--pages", "--video", "--top-logprobs"});
            v.insert(cli::kRemoteOptions.begin(), cli::kRemoteOptions.end());
            return cmdAsk(cli::Args(argc, argv, 2, v, {"--no-think", "--json", "--ignore-eos"}));
        }
        if (cmd == "moderate") {
            std::set<std::string> v = common;
            v.insert({"--input", "--db", "--policy", "--parallel", "--max-new-tokens", "--temperature", "--seed", "--audit-key",
                      "--checkpoints", "--api-key"});
            v.insert(cli::kRemoteOptions.begin(), cli::kRemoteOptions.end());
            return cmdModerate(cli::Args(argc, argv, 2, v, {"--json", "--think"}));
        }
        if (cmd == "serve") {
            std::set<std::string> v = common;
            v.insert({"--host", "--port", "--parallel", "--slot-tokens", "--kv-cache-mb", "--model-name", "--allow-local-files",
                      "--cors-origin", "--max-input-pixels", "--max-request-pixels", "--max-connections"});
            v.merge(cli::serveSecurityOptions());
            v.insert(cli::kRemoteOptions.begin(), cli::kRemoteOptions.end());
            return cmdServe(cli::Args(argc, argv, 2, v, cli::serveSecurityFlags()));
        }
        if (cmd == "moderate-batch")
            return cmdModerateBatch(cli::Args(argc, argv, 2,
                                              {"--db", "--out", "--in", "--input", "--manifest", "--model", "--policy", "--temperature",
                                               "--seed", "--max-new-tokens", "--audit-key", "--checkpoints"},
                                              {"--think"}));
        if (cmd == "decide")
            return cmdDecide(
                cli::Args(argc, argv, 2, {"--db", "--id", "--decision", "--reviewer", "--note", "--audit-key", "--checkpoints"}, {}));
        if (cmd == "export") return cmdExport(cli::Args(argc, argv, 2, {"--db", "--csv", "--jsonl", "--audit-key", "--checkpoints"}, {}));
        if (cmd == "moderate-eval") return cli::moderateEval(cli::Args(argc, argv, 2, {"--db", "--labels", "--bins"}, {"--json"}));
        if (cmd == "audit") return cmdAudit(cli::Args(argc, argv, 2, {"--audit-key", "--checkpoints"}, {}));
        if (cmd == "models") return cli::models(argc, argv, g_cancel);
        if (cmd == "tokenize") return cmdTokenize(cli::Args(argc, argv, 2, {"--model"}, {}));
        if (cmd == "inspect")
            return cmdInspect(cli::Args(argc, argv, 2,
                                        {"--model", "--image", "--max-image-pixels", "--image-resize", "--pixel-values", "--pdf", "--pages",
                                         "--video", "--max-video-pixels", "--prompt"},
                                        {"--no-think"}));
        if (cmd == "render-pdf") return cmdRenderPdf(cli::Args(argc, argv, 2, {"--pages", "--max-image-pixels", "--out"}, {}));
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
