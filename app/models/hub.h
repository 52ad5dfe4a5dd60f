// Downloading a checkpoint from a model hub (Hugging Face, or ModelScope as a second source) into a
// folder: `sightline-cli models pull` and the app's Models dialog. Qt-free and torch-free, over
// Debian's libcurl.
//
// What it guarantees:
// - Only the files the engine reads are fetched (top-level *.json, *.jinja, *.safetensors), after a
//   free-space check.
// - A file is written as DIR/.sightline-download/<name>.part and renamed to its final name only once
//   its size and checksum are right: an interrupted or killed pull never leaves a half file under a
//   final name, and the next pull continues each .part with an HTTP Range request.
// - Checksums: an LFS file's sha256 is the hub's own (the listing's LFS oid, and the X-Linked-Etag
//   of the resolve answer when sent); a small git file's id is its git blob sha1. Both are computed
//   while writing (a resumed .part is hashed from disk first). A mismatch deletes the .part and names
//   the file.
// - Everything the hub sends is untrusted: the listing is size-capped and depth-limited, names are
//   checked (no path separators or dot names), bodies beyond the announced size are refused.
// - Errors say what to do: 401 (set HF_TOKEN), 403 (gated: accept the licence on the hub), 404 (no
//   such repository, revision or file), full disk (how much is needed); lost connections, 429 and
//   5xx are retried with backoff, resuming where they stopped.
//
// Threads: pullModel() runs on the caller's thread and starts up to `parallel` download threads; the
// progress callback is called from those threads, one at a time (under a mutex).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sightline::app {

struct HubSource {
    enum class Kind { HuggingFace, ModelScope };
    Kind kind = Kind::HuggingFace;
    std::string endpoint;  // no trailing slash: https://huggingface.co, $HF_ENDPOINT, https://modelscope.cn, …
    std::string token;     // sent as "Authorization: Bearer" to the endpoint's host only (never after a redirect)
    std::string caFile;    // "" = the system's CA store
};

// Hugging Face: $HF_ENDPOINT (default https://huggingface.co) and $HF_TOKEN. ModelScope:
// $MODELSCOPE_ENDPOINT (default https://modelscope.cn) and $MODELSCOPE_API_TOKEN.
HubSource hubSourceFromEnv(HubSource::Kind kind);
// "huggingface" / "hf", "modelscope" / "ms"; throws Error(BadInput) otherwise.
HubSource::Kind parseHubKind(const std::string& name);
const char* hubKindName(HubSource::Kind kind);

struct RemoteFile {
    std::string path;     // top-level name in the repository
    int64_t size = -1;    // bytes; -1 when the listing does not say
    std::string sha256;   // lowercase hex of an LFS file's content (empty when unknown)
    std::string gitSha1;  // lowercase hex git blob id of a non-LFS file (empty when unknown)
};

// The repository's files at `revision` (HF: /api/models/REPO/tree/REV; ModelScope:
// /api/v1/models/REPO/repo/files). Throws Error(BadInput) with the hub's answer explained.
std::vector<RemoteFile> listRepoFiles(const HubSource& source, const std::string& repo, const std::string& revision);
// One page of a listing as the hub sends it (Hugging Face's tree: a JSON list; ModelScope's
// {"Data":{"Files":[…]}}), checked as untrusted input: top-level files only, names without path
// separators or dot names, sizes exact integers, checksums hex of the right length (else dropped).
// Throws Error(BadInput) naming `what`.
std::vector<RemoteFile> parseRepoListing(HubSource::Kind kind, std::string_view body, const std::string& what);
// Whether the engine reads this file: top-level *.json, *.jinja and *.safetensors.
bool engineNeedsFile(const std::string& path);

struct PullProgress {
    struct File {
        std::string path;
        int64_t size = 0;
        int64_t done = 0;   // bytes on disk for this file (resumed ones included)
        std::string state;  // "waiting", "resuming", "downloading", "verifying", "done", "kept" (already there), "retrying", "failed"
    };
    std::vector<File> files;
    int64_t totalBytes = 0;
    int64_t doneBytes = 0;
    int64_t resumedBytes = 0;   // bytes found in .part files or complete files, not downloaded again
    double bytesPerSecond = 0;  // over the last few seconds
    double etaSeconds = -1;     // -1: unknown
    std::string note;           // a retry or a finished file, for a log line ("" most of the time)
};

struct PullOptions {
    HubSource source;
    std::string repo;       // owner/name
    std::string revision;   // "" = main (Hugging Face) or master (ModelScope)
    std::string dir;        // created when missing
    int parallel = 4;       // files downloaded at once
    int retries = 6;        // per file, for lost connections, 429 and 5xx
    double retryBaseS = 1;  // first backoff; doubles up to 30 s (Retry-After wins when sent)
    double idleTimeoutS = 60;
    std::function<void(const PullProgress&)> onProgress;  // at most ~5 times a second, and on each file's end
    const std::atomic<bool>* cancel = nullptr;
};

struct PullResult {
    std::vector<RemoteFile> files;
    int64_t downloadedBytes = 0;  // fetched over the network this run
    int64_t resumedBytes = 0;     // already on disk (parts continued, complete files kept)
    double seconds = 0;
};

// Throws Error(BadInput) for what the hub or the disk refuses (the file named), Error(Cancelled).
PullResult pullModel(const PullOptions& options);

// The record a pull leaves in DIR (.sightline-model.json): where it came from and the verified
// checksums, read by `models list` and the Models dialog.
struct ModelOrigin {
    std::string source;  // "huggingface", "modelscope", "import"
    std::string endpoint;
    std::string repo;
    std::string revision;
    std::string when;       // UTC, ISO 8601
    bool verified = false;  // every file's checksum matched the hub's
    std::vector<RemoteFile> files;
};
void writeModelOrigin(const std::string& dir, const ModelOrigin& origin);
// false when DIR has no record (or an unreadable one).
bool readModelOrigin(const std::string& dir, ModelOrigin* origin);
inline constexpr const char* kModelOriginFile = ".sightline-model.json";
// Shared by the pull, the models folder, the CLI and the dialog: "1.1 MB" (powers of 1000), "1m05s",
// and the current UTC time as ISO 8601.
std::string humanBytes(double bytes);
std::string humanDuration(double seconds);  // "--" for a negative (unknown) value
std::string isoUtcNow();
inline constexpr const char* kDownloadFolder = ".sightline-download";

}  // namespace sightline::app
