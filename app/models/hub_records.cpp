// The text side of the model pull (hub.h): the hub's listing as untrusted input, which files the
// engine reads, the sources, the origin record a pull leaves, and byte / duration / time formatting.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hub.h"
#include "hub_internal.h"
#include "sightline/error.h"
#include "sightline/untrusted.h"

namespace sightline::app {

namespace fs = std::filesystem;
using hub::isHex;
using hub::lower;
using hub::safeName;
using nlohmann::json;

std::string humanBytes(double b) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000 && u < 4) {
        b /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
    return buf;
}

std::string humanDuration(double s) {
    if (s < 0) return "--";
    const long t = std::lround(s);
    char buf[32];
    if (t >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else if (t >= 60)
        std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    else
        std::snprintf(buf, sizeof buf, "%lds", t);
    return buf;
}

std::string isoUtcNow() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

HubSource::Kind parseHubKind(const std::string& name) {
    const std::string n = lower(name);
    if (n == "huggingface" || n == "hf") return HubSource::Kind::HuggingFace;
    if (n == "modelscope" || n == "ms") return HubSource::Kind::ModelScope;
    throwBadInput("unknown source \"" + name + "\" (huggingface or modelscope)");
}

const char* hubKindName(HubSource::Kind kind) {
    return kind == HubSource::Kind::ModelScope ? "modelscope" : "huggingface";
}

HubSource hubSourceFromEnv(HubSource::Kind kind) {
    HubSource s;
    s.kind = kind;
    auto env = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    if (kind == HubSource::Kind::HuggingFace) {
        s.endpoint = env("HF_ENDPOINT");
        if (s.endpoint.empty()) s.endpoint = "https://huggingface.co";
        s.token = env("HF_TOKEN");
        if (s.token.empty()) s.token = env("HUGGING_FACE_HUB_TOKEN");
    } else {
        s.endpoint = env("MODELSCOPE_ENDPOINT");
        if (s.endpoint.empty()) s.endpoint = "https://modelscope.cn";
        s.token = env("MODELSCOPE_API_TOKEN");
    }
    while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
    if (s.endpoint.rfind("http://", 0) != 0 && s.endpoint.rfind("https://", 0) != 0)
        throwBadInput("the hub endpoint \"" + s.endpoint + "\" is not an http(s) URL");
    return s;
}

bool engineNeedsFile(const std::string& path) {
    if (path.find('/') != std::string::npos) return false;
    auto ends = [&](const char* suffix) {
        const size_t n = std::strlen(suffix);
        return path.size() > n && path.compare(path.size() - n, n, suffix) == 0;
    };
    return ends(".json") || ends(".jinja") || ends(".safetensors");
}

std::vector<RemoteFile> parseRepoListing(HubSource::Kind kind, std::string_view body, const std::string& what) {
    std::vector<RemoteFile> files;
    auto take = [&](const std::string& path, const json& size, std::string sha256, std::string sha1) {
        if (!safeName(path)) throwBadInput(what + ": the hub lists a file with an unusable name: " + json(toValidUtf8(path)).dump());
        RemoteFile f;
        f.path = path;
        const auto n = jsonInt64(size);
        f.size = n && *n >= 0 ? *n : -1;
        sha256 = lower(sha256);
        sha1 = lower(sha1);
        if (isHex(sha256, 64)) f.sha256 = sha256;
        if (isHex(sha1, 40)) f.gitSha1 = sha1;
        files.push_back(f);
    };
    auto str = [](const json& o, const char* key) {
        return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
    };
    try {
        const json j = parseJsonLimited(body, 16);
        if (kind == HubSource::Kind::ModelScope) {
            const json* list =
                j.is_object() && j.contains("Data") && j["Data"].is_object() && j["Data"].contains("Files") ? &j["Data"]["Files"] : nullptr;
            if (!list || !list->is_array()) throwBadInput(what + ": the listing has no Data.Files list");
            for (const auto& e : *list) {
                if (!e.is_object() || str(e, "Type") != "blob") continue;
                std::string path = str(e, "Path");
                if (path.empty()) path = str(e, "Name");
                if (path.find('/') != std::string::npos) continue;
                take(path, e.contains("Size") ? e["Size"] : json(), str(e, "Sha256"), "");
            }
        } else {
            if (!j.is_array()) throwBadInput(what + ": the listing is not a JSON list");
            for (const auto& e : j) {
                if (!e.is_object() || str(e, "type") != "file") continue;
                const std::string path = str(e, "path");
                if (path.empty() || path.find('/') != std::string::npos) continue;
                std::string sha256;
                json size = e.contains("size") ? e["size"] : json();
                if (e.contains("lfs") && e["lfs"].is_object()) {
                    sha256 = str(e["lfs"], "oid");
                    if (sha256.rfind("sha256:", 0) == 0) sha256 = sha256.substr(7);
                    if (e["lfs"].contains("size")) size = e["lfs"]["size"];
                }
                take(path, size, sha256, sha256.empty() ? str(e, "oid") : std::string());
            }
        }
    } catch (const json::exception& e) {
        throwBadInput(what + ": the listing is not valid JSON (" + std::string(e.what()) + ")");
    }
    return files;
}

void writeModelOrigin(const std::string& dir, const ModelOrigin& o) {
    json files = json::array();
    for (const auto& f : o.files) {
        json e = {{"path", f.path}, {"size", f.size}};
        if (!f.sha256.empty()) e["sha256"] = f.sha256;
        if (!f.gitSha1.empty()) e["git_sha1"] = f.gitSha1;
        files.push_back(e);
    }
    const json j = {{"source", o.source}, {"endpoint", o.endpoint}, {"repo", o.repo}, {"revision", o.revision},
                    {"when", o.when},     {"verified", o.verified}, {"files", files}};
    const fs::path path = fs::path(dir) / kModelOriginFile;
    const fs::path tmp = fs::path(dir) / (std::string(kModelOriginFile) + ".tmp");
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << j.dump(2) << "\n";
        if (!out.flush()) throwBadInput("cannot write " + tmp.string());
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throwBadInput("cannot write " + path.string() + ": " + ec.message());
}

bool readModelOrigin(const std::string& dir, ModelOrigin* o) {
    const fs::path path = fs::path(dir) / kModelOriginFile;
    std::ifstream in(path);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        const json j = parseJsonLimited(ss.str(), 8);
        if (!j.is_object()) return false;
        o->source = j.value("source", "");
        o->endpoint = j.value("endpoint", "");
        o->repo = j.value("repo", "");
        o->revision = j.value("revision", "");
        o->when = j.value("when", "");
        o->verified = j.value("verified", false);
        o->files.clear();
        if (j.contains("files") && j["files"].is_array())
            for (const auto& e : j["files"]) {
                if (!e.is_object()) continue;
                RemoteFile f;
                f.path = e.value("path", "");
                const auto n = e.contains("size") ? jsonInt64(e["size"]) : std::nullopt;
                f.size = n.value_or(-1);
                f.sha256 = e.value("sha256", "");
                f.gitSha1 = e.value("git_sha1", "");
                o->files.push_back(f);
            }
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace sightline::app
