#include "moderation_batch.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "remote_protocol.h"
#include "sightline/untrusted.h"

namespace sightline::moderation {

namespace {

using nlohmann::json;

std::string dumpSafe(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The sampling record a run writes with each verdict (moderation_run.cpp's fields).
json samplingJson(const GenerationParams& p) {
    return {{"temperature", p.sampling.temperature},
            {"top_p", p.sampling.topP},
            {"top_k", p.sampling.topK},
            {"repetition_penalty", p.sampling.repetitionPenalty},
            {"max_new_tokens", p.maxNewTokens},
            {"thinking", p.enableThinking}};
}

void writeFile(const std::string& path, const std::string& data) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << data;
    f.flush();
    if (!f) throwBadInput("cannot write " + path);
}

std::string readSmallFile(const std::string& path, size_t maxBytes) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throwBadInput("cannot read " + path);
    std::string out;
    char buf[65536];
    while (f.read(buf, sizeof buf) || f.gcount() > 0) {
        out.append(buf, static_cast<size_t>(f.gcount()));
        if (out.size() > maxBytes) throwBadInput(path + " is over " + std::to_string(maxBytes >> 20) + " MiB");
    }
    return out;
}

// Calls onLine(number, text) for each line; a line over maxLine is reported as such, never held.
template <typename F>
void forEachLine(const std::string& path, size_t maxLine, F&& onLine) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throwBadInput("cannot read " + path);
    std::string line;
    bool tooLong = false;
    int64_t number = 1;
    char buf[65536];
    size_t n;
    auto flush = [&] {
        if (tooLong)
            onLine(number, std::nullopt);
        else if (line.find_first_not_of(" \t\r") != std::string::npos)
            onLine(number, std::optional<std::string>(line));
        line.clear();
        tooLong = false;
        ++number;
    };
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; ++i) {
            if (buf[i] == '\n') {
                flush();
            } else if (!tooLong) {
                if (line.size() >= maxLine) {
                    tooLong = true;
                    line.clear();
                } else {
                    line.push_back(buf[i]);
                }
            }
        }
    std::fclose(f);
    if (!line.empty() || tooLong) flush();
}

}  // namespace

std::string BatchImportReport::summary() const {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%lld items recorded (%lld errors), %zu unknown ids, %zu duplicates, %zu malformed lines",
                  static_cast<long long>(judged), static_cast<long long>(errors), unknown.size(), duplicates.size(), malformed.size());
    return buf;
}

BatchExportReport exportBatch(const ModerationStore& store, const std::string& batchPath, const BatchExportOptions& o) {
    BatchExportReport report;
    std::string lines;
    json ids = json::array();
    for (const QueueItem& item : store.pending()) {
        std::vector<ChatMessage> messages;
        try {
            messages = buildItemMessages(item, o.policy, false);
        } catch (const std::exception& e) {
            report.skipped.push_back(item.id + ": " + e.what());
            continue;
        }
        GenerationParams p = o.params;
        p.topLogprobs = 0;
        json line = {{"custom_id", item.id},
                     {"method", "POST"},
                     {"url", "/v1/chat/completions"},
                     {"body", app::chatRequestBody(messages, p, o.model, false)}};
        lines += dumpSafe(line) + "\n";
        ids.push_back(item.id);
        ++report.exported;
    }
    writeFile(batchPath, lines);
    report.manifestPath = batchPath + ".manifest.json";
    const json manifest = {{"format", "sightline-batch-manifest/1"}, {"policy_version", o.policy.version}, {"model_id", "batch:" + o.model},
                           {"sampling", samplingJson(o.params)},     {"seed", o.params.sampling.seed},     {"items", ids}};
    writeFile(report.manifestPath, dumpSafe(manifest) + "\n");
    return report;
}

BatchImportReport importBatch(ModerationStore& store, const std::string& outputPath, const std::string& manifestPath) {
    json manifest;
    try {
        manifest = parseJsonLimited(toValidUtf8(readSmallFile(manifestPath, size_t(256) << 20)));
    } catch (const json::exception& e) {
        throwBadInput(manifestPath + " is not valid JSON: " + e.what());
    }
    if (!manifest.is_object() || manifest.value("format", json()) != "sightline-batch-manifest/1" || !manifest.contains("items") ||
        !manifest["items"].is_array() || !manifest.value("policy_version", json()).is_string() ||
        !manifest.value("model_id", json()).is_string())
        throwBadInput(manifestPath + " is not a sightline batch manifest (written by moderate-batch export)");
    std::set<std::string> expected;
    for (const json& id : manifest["items"])
        if (id.is_string()) expected.insert(id.get<std::string>());
    const std::string policyVersion = manifest["policy_version"].get<std::string>();
    const std::string modelId = manifest["model_id"].get<std::string>();
    const std::string sampling = dumpSafe(manifest.value("sampling", json::object()));
    const uint64_t seed = static_cast<uint64_t>(std::max<int64_t>(0, jsonInt64(manifest.value("seed", json(0))).value_or(0)));

    BatchImportReport report;
    std::set<std::string> seen;
    forEachLine(outputPath, kMaxBatchLine, [&](int64_t number, const std::optional<std::string>& text) {
        const std::string where = "line " + std::to_string(number);
        if (!text) return report.malformed.push_back(where + ": longer than " + std::to_string(kMaxBatchLine >> 20) + " MiB");
        json line;
        try {
            line = parseJsonLimited(toValidUtf8(*text));
        } catch (const json::exception& e) {
            return report.malformed.push_back(where + ": not valid JSON: " + e.what());
        }
        if (!line.is_object() || !line.contains("custom_id") || !line["custom_id"].is_string())
            return report.malformed.push_back(where + ": no custom_id");
        const std::string id = line["custom_id"].get<std::string>();
        if (!expected.count(id)) return report.unknown.push_back(id);
        if (!seen.insert(id).second) return report.duplicates.push_back(id);
        const auto before = store.item(id);
        if (!before) return report.unknown.push_back(id);
        if (before->status != "pending") return report.duplicates.push_back(id);  // judged already: never twice

        ModerationStore::Judgement j;
        j.id = id;
        j.policyVersion = policyVersion;
        j.modelId = modelId;
        j.samplingJson = sampling;
        j.seed = seed;
        const json& response = line.value("response", json());
        const json& error = line.value("error", json());
        const long status = response.is_object() && response.contains("status_code") ? jsonInt64(response["status_code"]).value_or(0) : 0;
        if (!error.is_null() || status != 200 || !response.contains("body")) {
            std::string why = !error.is_null() ? dumpSafe(error) : "status " + std::to_string(status);
            if (status != 200 && response.is_object() && response.contains("body"))
                why = app::serverErrorText(status, dumpSafe(response["body"]));
            j.error = "the batch request failed: " + why;
        } else {
            try {
                const json& body = response["body"];
                const GenerateResult r =
                    app::parseCompletion(body.is_string() ? body.get<std::string>() : dumpSafe(body), nullptr, nullptr);
                json usage = body.is_object() ? body.value("usage", json()) : json();
                j.raw = r.text;
                j.promptTokens = usage.is_object() ? jsonInt64(usage.value("prompt_tokens", json(0))).value_or(0) : 0;
                j.outputTokens = usage.is_object() ? jsonInt64(usage.value("completion_tokens", json(0))).value_or(0) : 0;
                std::string why;
                if (auto v = parseVerdict(r.text, &why)) {
                    v->confidence = verdictTokenProbability(r);
                    j.verdict = v;
                } else {
                    j.error = "Model output could not be read: " + why;
                }
            } catch (const std::exception& e) {
                j.error = std::string("the batch answer could not be read: ") + e.what();
            }
        }
        try {
            if (!store.recordJudgement(j)) return report.duplicates.push_back(id);
        } catch (const std::exception& e) {
            return report.malformed.push_back(where + ": could not record " + id + ": " + e.what());
        }
        ++report.judged;
        if (!j.verdict) ++report.errors;
    });
    store.writeCheckpoint();
    return report;
}

}  // namespace sightline::moderation
