#include "hub.h"

#include <openssl/evp.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "http_session.h"
#include "hub_internal.h"
#include "sightline/error.h"
#include "sightline/untrusted.h"

namespace sightline::app {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using hub::isHex;
using hub::lower;

namespace {

constexpr int64_t kMaxListingBytes = int64_t(16) << 20;

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    s.erase(0, s.find_first_not_of(" \t"));
    return s;
}

std::string escape(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

void checkRepo(const std::string& repo) {
    if (repo.size() > 200) throwBadInput("the repository name is too long");
    static const std::regex ok(R"(^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$)");
    if (!std::regex_match(repo, ok)) throwBadInput("\"" + repo + "\" is not a repository name (owner/name)");
}

// An ETag / X-Linked-Etag value without W/ and quotes, lowercase.
std::string etagValue(std::string v) {
    v = trim(v);
    if (v.rfind("W/", 0) == 0) v = v.substr(2);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return lower(v);
}

struct Hasher {
    EVP_MD_CTX* ctx = nullptr;
    explicit Hasher(const EVP_MD* md) : ctx(EVP_MD_CTX_new()) {
        if (!ctx || EVP_DigestInit_ex(ctx, md, nullptr) != 1) throw Error(ErrorKind::Internal, "OpenSSL digest init failed");
    }
    ~Hasher() { EVP_MD_CTX_free(ctx); }
    void reset() { EVP_DigestInit_ex(ctx, EVP_MD_CTX_get0_md(ctx), nullptr); }
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;
    void update(const void* p, size_t n) { EVP_DigestUpdate(ctx, p, n); }
    std::string hex() {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(ctx, md, &len);
        std::string out;
        char buf[3];
        for (unsigned i = 0; i < len; ++i) {
            std::snprintf(buf, sizeof buf, "%02x", md[i]);
            out += buf;
        }
        return out;
    }
};

// ---- one HTTP GET (http_session.h: the project's one HTTP client) -----------------------------

struct Get {
    // in
    std::string url;
    const HubSource* source = nullptr;
    std::vector<std::string> headers;
    double idleTimeoutS = 60;
    std::function<bool()> cancelled;
    // body of a 2xx answer; false aborts. Not called for other statuses. `status` is already the
    // answer's (200, or 206 for a range) when it is called.
    std::function<bool(const char*, size_t)> onData;
    // out
    long status = 0;
    bool ok = false;      // the exchange completed (any status)
    std::string message;  // why it did not
    std::string retryAfter;
    std::string linkedEtag;    // X-Linked-Etag of any response in the chain (the hub's resolve answer)
    std::string linkedSize;    // X-Linked-Size
    std::string etag;          // ETag of the final response
    std::string contentRange;  // Content-Range of the final response
    std::string link;          // Link of the final response (pagination)
    bool aborted = false;      // onData refused
    bool wasCancelled = false;
};

void headerLine(Get& g, std::string_view raw) {
    const std::string line(raw.substr(0, 8192));
    if (line.rfind("HTTP/", 0) == 0) {  // a new response in the chain: its own headers from here
        g.etag.clear();
        g.contentRange.clear();
        g.link.clear();
        const auto sp = line.find(' ');
        g.status = sp == std::string::npos ? 0 : std::strtol(line.c_str() + sp + 1, nullptr, 10);
        return;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) return;
    const std::string key = lower(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    if (key == "x-linked-etag")
        g.linkedEtag = value;
    else if (key == "x-linked-size")
        g.linkedSize = value;
    else if (key == "etag")
        g.etag = value;
    else if (key == "content-range")
        g.contentRange = value;
    else if (key == "link")
        g.link = value.substr(0, 2048);
}

void perform(Get& g) {
    HttpExchange x;
    x.url = g.url;
    x.headers = g.headers;
    // The token goes to the endpoint only: libcurl drops a custom Authorization header on a redirect
    // to another host (CURLOPT_UNRESTRICTED_AUTH stays off).
    if (g.source && !g.source->token.empty()) x.headers.push_back("Authorization: Bearer " + g.source->token);
    x.headers.push_back("User-Agent: sightline/1 (model pull)");
    if (g.source) x.caFile = g.source->caFile;
    x.connectTimeoutS = 20;
    x.idleTimeoutS = g.idleTimeoutS;
    x.deadlineS = 0;                                   // a checkpoint shard takes as long as it takes; the idle timeout ends a stalled one
    x.maxBytes = std::numeric_limits<int64_t>::max();  // the callers cap what they keep
    x.maxRedirects = 5;                                // the hub's resolve URLs redirect to a CDN
    x.cancelled = g.cancelled;
    x.onHeaderLine = [&g](std::string_view line) { headerLine(g, line); };
    x.onData = [&g](std::string_view d) { return !g.onData || g.onData(d.data(), d.size()); };
    // Proxies: libcurl reads http_proxy / https_proxy / no_proxy from the environment itself.
    HttpSession session;
    const HttpOutcome o = session.perform(x);
    g.status = o.status;
    g.retryAfter = o.retryAfter.substr(0, 32);  // the session's: the final response's Retry-After
    g.ok = o.failure == HttpOutcome::Failure::None;
    g.wasCancelled = o.failure == HttpOutcome::Failure::Cancelled;
    g.aborted = o.failure == HttpOutcome::Failure::Aborted;
    g.message = o.message;
}

bool retryable(const Get& g) {
    if (g.wasCancelled || g.aborted) return false;
    if (!g.ok) return true;  // lost connection, timeout, reset
    return g.status == 429 || g.status == 408 || (g.status >= 500 && g.status < 600);
}

std::string statusAdvice(const HubSource& s, long status, const std::string& what) {
    const bool hf = s.kind == HubSource::Kind::HuggingFace;
    if (status == 401)
        return what + ": the hub answered 401 (not authorised): " +
               (hf ? "set HF_TOKEN to an access token of your Hugging Face account" : "set MODELSCOPE_API_TOKEN");
    if (status == 403)
        return what +
               ": the hub answered 403 (forbidden): the repository may be gated; accept its licence on the hub's page "
               "with the account of your token";
    if (status == 404) return what + ": the hub answered 404: no such repository, revision or file (check the name and --revision)";
    return what + ": the hub answered HTTP " + std::to_string(status);
}

double backoffSeconds(const PullOptions& o, int attempt, const std::string& retryAfter) {
    if (!retryAfter.empty()) {
        char* end = nullptr;
        const double v = std::strtod(retryAfter.c_str(), &end);
        if (end != retryAfter.c_str() && v >= 0) return std::min(v, 60.0);
    }
    return std::min(o.retryBaseS * std::pow(2.0, attempt), 30.0);
}

void sleepUnlessCancelled(double seconds, const std::function<bool()>& cancelled) {
    const auto until = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < until) {
        if (cancelled && cancelled()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::string fetchText(const HubSource& s, const std::string& url, const std::string& what, const PullOptions* o,
                      std::string* linkOut = nullptr) {
    for (int attempt = 0;; ++attempt) {
        Get g;
        g.url = url;
        g.source = &s;
        g.headers = {"Accept: application/json"};
        g.idleTimeoutS = o ? o->idleTimeoutS : 60;
        if (o && o->cancel) g.cancelled = [c = o->cancel] { return c->load(); };
        std::string body;
        g.onData = [&](const char* p, size_t n) {
            if (int64_t(body.size() + n) > kMaxListingBytes) return false;
            body.append(p, n);
            return true;
        };
        perform(g);
        if (g.wasCancelled) throw Error(ErrorKind::Cancelled, "cancelled");
        if (g.aborted) throwBadInput(what + ": the hub's answer is larger than " + humanBytes(double(kMaxListingBytes)));
        if (g.ok && g.status >= 200 && g.status < 300) {
            if (linkOut) *linkOut = g.link;
            return body;
        }
        const int retries = o ? o->retries : 3;
        if (retryable(g) && attempt < retries) {
            sleepUnlessCancelled(o ? backoffSeconds(*o, attempt, g.retryAfter) : 1.0, g.cancelled);
            continue;
        }
        if (!g.ok) throwBadInput(what + ": " + g.message + " (" + url + ")");
        throwBadInput(statusAdvice(s, g.status, what));
    }
}

std::string nextLink(const std::string& link) {
    // Link: <https://…>; rel="next"
    static const std::regex re(R"re(<([^>]+)>\s*;\s*rel="?next"?)re");
    std::smatch m;
    if (std::regex_search(link, m, re)) return m[1];
    return "";
}

std::string defaultRevision(const HubSource& s) {
    return s.kind == HubSource::Kind::ModelScope ? "master" : "main";
}

std::string fileUrl(const HubSource& s, const std::string& repo, const std::string& rev, const std::string& path) {
    if (s.kind == HubSource::Kind::ModelScope)
        return s.endpoint + "/api/v1/models/" + repo + "/repo?Revision=" + escape(rev) + "&FilePath=" + escape(path);
    return s.endpoint + "/" + repo + "/resolve/" + escape(rev) + "/" + escape(path);
}

int64_t freeBytes(const std::string& dir) {
    struct statvfs v {};
    if (statvfs(dir.c_str(), &v) != 0) return -1;
    return int64_t(v.f_bavail) * int64_t(v.f_frsize);
}

// ---- the pull -----------------------------------------------------------------------------------

struct Shared {
    std::mutex mu;
    PullProgress progress;
    std::deque<std::pair<Clock::time_point, int64_t>> samples;  // (time, network bytes) for the rate
    int64_t networkBytes = 0;
    Clock::time_point lastReport{};
    std::string fatal;  // the first fatal error
    ErrorKind fatalKind = ErrorKind::BadInput;
    std::atomic<bool> stop{false};
};

class Puller {
public:
    Puller(const PullOptions& o, Shared& sh, const std::string& rev) : m_o(o), m_sh(sh), m_rev(rev) {}

    // Downloads file `i` of the progress list; throws Error on a fatal failure.
    void run(size_t i, const RemoteFile& f) {
        const fs::path dir(m_o.dir);
        const fs::path final = dir / f.path;
        const fs::path part = dir / kDownloadFolder / (f.path + ".part");
        for (int attempt = 0;; ++attempt) {
            if (cancelled()) throw Error(ErrorKind::Cancelled, "cancelled");
            // Hash what is already in the part (a resumed download), then ask for the rest.
            std::error_code ec;
            if (attempt == 0 && fs::exists(final, ec)) {
                // A file under its final name without a record of this pull (another tool's download, or
                // a pull killed before it wrote its record): kept when its checksum is right.
                if (f.size >= 0 && int64_t(fs::file_size(final, ec)) == f.size && (!f.sha256.empty() || !f.gitSha1.empty())) {
                    setState(i, "verifying", -1);
                    if (fileMatches(final, f)) {
                        addResumed(f.size);
                        setState(i, "kept", f.size, f.path + " already there, verified");
                        return;
                    }
                }
                fs::remove(final, ec);  // never a stale file under the final name while its new copy downloads
            }
            int64_t have = fs::exists(part, ec) ? int64_t(fs::file_size(part, ec)) : 0;
            if (f.size >= 0 && have > f.size) {
                fs::remove(part, ec);
                have = 0;
            }
            Hasher sha(EVP_sha256()), git(EVP_sha1());
            const bool gitCheck = f.sha256.empty() && !f.gitSha1.empty() && f.size >= 0;
            if (gitCheck) {
                const std::string head = "blob " + std::to_string(f.size) + std::string(1, '\0');
                git.update(head.data(), head.size());
            }
            if (have > 0) {
                setState(i, "resuming", have);
                std::ifstream in(part, std::ios::binary);
                std::vector<char> buf(1 << 20);
                int64_t left = have;
                while (left > 0 && in) {
                    in.read(buf.data(), std::streamsize(std::min<int64_t>(left, int64_t(buf.size()))));
                    const auto got = in.gcount();
                    if (got <= 0) break;
                    sha.update(buf.data(), size_t(got));
                    if (gitCheck) git.update(buf.data(), size_t(got));
                    left -= got;
                }
                if (left != 0) {
                    fs::remove(part, ec);
                    continue;
                }
                if (attempt == 0) addResumed(have);
            }
            if (f.size >= 0 && have == f.size) {
                finish(i, f, part, final, sha, git, gitCheck, "");
                return;
            }
            std::FILE* out = std::fopen(part.c_str(), have > 0 ? "ab" : "wb");
            if (!out) throwBadInput("cannot write " + part.string() + ": " + std::strerror(errno));
            std::unique_ptr<std::FILE, int (*)(std::FILE*)> close(out, std::fclose);
            int64_t offset = have, received = 0;
            int writeErrno = 0;
            bool overrun = false;
            Get g;
            g.url = fileUrl(m_o.source, m_o.repo, m_rev, f.path);
            g.source = &m_o.source;
            g.idleTimeoutS = m_o.idleTimeoutS;
            g.cancelled = [this] { return cancelled(); };
            if (have > 0) g.headers.push_back("Range: bytes=" + std::to_string(have) + "-");
            bool first = true;
            g.onData = [&](const char* p, size_t n) {
                if (first) {
                    first = false;
                    if (offset > 0 && g.status == 200) {  // the server ignored the Range: start over
                        if (std::fflush(out) != 0 || ftruncate(fileno(out), 0) != 0 || std::fseek(out, 0, SEEK_SET) != 0) {
                            writeErrno = errno;
                            return false;
                        }
                        addResumed(-offset);
                        offset = 0;
                        sha.reset();
                        git.reset();
                        if (gitCheck) {
                            const std::string head = "blob " + std::to_string(f.size) + std::string(1, '\0');
                            git.update(head.data(), head.size());
                        }
                    } else if (offset > 0 && !rangeStartsAt(g.contentRange, offset)) {
                        overrun = true;  // a 206 for other bytes than asked: treat as broken, retry from scratch
                        return false;
                    }
                }
                if (f.size >= 0 && offset + received + int64_t(n) > f.size) {
                    overrun = true;
                    return false;
                }
                if (std::fwrite(p, 1, n, out) != n) {
                    writeErrno = errno;
                    return false;
                }
                sha.update(p, n);
                if (gitCheck) git.update(p, n);
                received += int64_t(n);
                addNetwork(i, int64_t(n), offset + received);
                return true;
            };
            setState(i, "downloading", have);
            perform(g);
            if (std::fflush(out) != 0 && writeErrno == 0) writeErrno = errno;
            if (writeErrno == 0 && fsync(fileno(out)) != 0) writeErrno = errno;
            close.reset();
            if (writeErrno != 0) {
                const int64_t freeNow = freeBytes(m_o.dir);
                std::string msg = "cannot write " + f.path + " in " + m_o.dir + ": " + std::strerror(writeErrno);
                if (writeErrno == ENOSPC || writeErrno == EFBIG || writeErrno == EDQUOT)
                    msg = "the disk is full writing " + f.path + " in " + m_o.dir + " (" + std::strerror(writeErrno) +
                          "): " + humanBytes(double(std::max<int64_t>(0, f.size - offset - received))) + " more are needed" +
                          (freeNow >= 0 ? ", " + humanBytes(double(freeNow)) + " free" : "") + "; the part already written is kept in " +
                          std::string(kDownloadFolder) + " and a later pull continues it";
                throwBadInput(msg);
            }
            if (g.wasCancelled) throw Error(ErrorKind::Cancelled, "cancelled");
            if (overrun) {
                std::error_code rec;
                fs::remove(part, rec);
                if (attempt < m_o.retries) continue;
                throwBadInput(f.path + ": the hub sent more bytes than the " + std::to_string(f.size) + " its listing announced");
            }
            const bool complete = g.ok && g.status >= 200 && g.status < 300 && (f.size < 0 || offset + received == f.size);
            if (complete) {
                finish(i, f, part, final, sha, git, gitCheck, etagValue(g.linkedEtag.empty() ? g.etag : g.linkedEtag));
                return;
            }
            if (g.ok && g.status == 416 && have > 0) {  // the part is longer than the file now is
                std::error_code rec;
                fs::remove(part, rec);
                continue;
            }
            const bool lost = g.ok && g.status >= 200 && g.status < 300;  // closed early
            if ((retryable(g) || lost) && attempt < m_o.retries) {
                const double wait = backoffSeconds(m_o, attempt, g.retryAfter);
                setState(i, "retrying", offset + received,
                         f.path + ": " + (!g.ok ? g.message : "HTTP " + std::to_string(g.status)) + "; retrying in " +
                             std::to_string(int(std::lround(wait))) + " s from " + humanBytes(double(offset + received)));
                sleepUnlessCancelled(wait, g.cancelled);
                continue;
            }
            if (!g.ok || lost)
                throwBadInput(f.path + ": the connection was lost " + std::to_string(attempt + 1) + " times (" +
                              (!g.ok ? g.message : "the transfer ended early") + "); run the pull again to continue where it stopped");
            throwBadInput(statusAdvice(m_o.source, g.status, f.path));
        }
    }

private:
    static bool fileMatches(const fs::path& path, const RemoteFile& f) {
        Hasher h(f.sha256.empty() ? EVP_sha1() : EVP_sha256());
        if (f.sha256.empty()) {
            const std::string head = "blob " + std::to_string(f.size) + std::string(1, '\0');
            h.update(head.data(), head.size());
        }
        std::ifstream in(path, std::ios::binary);
        std::vector<char> buf(1 << 20);
        while (in) {
            in.read(buf.data(), std::streamsize(buf.size()));
            if (in.gcount() > 0) h.update(buf.data(), size_t(in.gcount()));
        }
        return h.hex() == (f.sha256.empty() ? f.gitSha1 : f.sha256);
    }

    static bool rangeStartsAt(const std::string& contentRange, int64_t offset) {
        // "bytes START-END/TOTAL"
        const auto sp = contentRange.find(' ');
        const auto dash = contentRange.find('-');
        if (sp == std::string::npos || dash == std::string::npos || dash < sp) return false;
        return contentRange.substr(sp + 1, dash - sp - 1) == std::to_string(offset);
    }

    void finish(size_t i, const RemoteFile& f, const fs::path& part, const fs::path& final, Hasher& sha, Hasher& git, bool gitCheck,
                const std::string& servedEtag) {
        setState(i, "verifying", -1);
        const std::string got = sha.hex();
        std::string bad;
        if (!f.sha256.empty() && got != f.sha256)
            bad = "sha256 " + got + " where the hub lists " + f.sha256;
        else if (f.sha256.empty() && isHex(servedEtag, 64) && got != servedEtag)
            bad = "sha256 " + got + " where the hub's X-Linked-Etag says " + servedEtag;
        else if (gitCheck) {
            const std::string g = git.hex();
            if (g != f.gitSha1) bad = "git blob id " + g + " where the hub lists " + f.gitSha1;
        }
        std::error_code ec;
        if (!bad.empty()) {
            fs::remove(part, ec);
            throwBadInput(f.path + " is corrupt (" + bad + "); the file was deleted, run the pull again to fetch it anew");
        }
        fs::rename(part, final, ec);
        if (ec) throwBadInput("cannot move " + part.string() + " to " + final.string() + ": " + ec.message());
        setState(i, "done", -1, f.path + " verified (" + humanBytes(double(std::max<int64_t>(f.size, 0))) + ")");
    }

    bool cancelled() const { return m_sh.stop.load() || (m_o.cancel && m_o.cancel->load()); }

    void addResumed(int64_t n) {
        std::lock_guard lock(m_sh.mu);
        m_sh.progress.resumedBytes += n;
    }

    void addNetwork(size_t i, int64_t n, int64_t fileDone) {
        std::lock_guard lock(m_sh.mu);
        m_sh.networkBytes += n;
        m_sh.progress.files[i].done = fileDone;
        report(false, "");
    }

    void setState(size_t i, const std::string& state, int64_t done, const std::string& note = "") {
        std::lock_guard lock(m_sh.mu);
        auto& f = m_sh.progress.files[i];
        f.state = state;
        if (done >= 0) f.done = done;
        if (state == "done") f.done = f.size;
        report(true, note);
    }

    // Under m_sh.mu.
    void report(bool force, const std::string& note) {
        const auto now = Clock::now();
        if (!force && std::chrono::duration<double>(now - m_sh.lastReport).count() < 0.2) return;
        m_sh.lastReport = now;
        auto& p = m_sh.progress;
        p.doneBytes = 0;
        for (const auto& f : p.files) p.doneBytes += f.done;
        m_sh.samples.emplace_back(now, m_sh.networkBytes);
        while (m_sh.samples.size() > 2 && std::chrono::duration<double>(now - m_sh.samples.front().first).count() > 5)
            m_sh.samples.pop_front();
        const double span = std::chrono::duration<double>(now - m_sh.samples.front().first).count();
        p.bytesPerSecond = span > 0.3 ? double(m_sh.networkBytes - m_sh.samples.front().second) / span : p.bytesPerSecond;
        p.etaSeconds = p.bytesPerSecond > 0 ? double(p.totalBytes - p.doneBytes) / p.bytesPerSecond : -1;
        p.note = note;
        if (m_o.onProgress) {
            try {
                m_o.onProgress(p);
            } catch (...) {  // a display failure never fails the download
            }
        }
    }

    const PullOptions& m_o;
    Shared& m_sh;
    std::string m_rev;
};

}  // namespace

std::vector<RemoteFile> listRepoFiles(const HubSource& s, const std::string& repo, const std::string& revisionIn) {
    checkRepo(repo);
    const std::string rev = revisionIn.empty() ? defaultRevision(s) : revisionIn;
    const std::string what = repo + "@" + rev + " on " + s.endpoint;
    if (s.kind == HubSource::Kind::ModelScope)
        return parseRepoListing(
            s.kind,
            fetchText(s, s.endpoint + "/api/v1/models/" + repo + "/repo/files?Revision=" + escape(rev) + "&Recursive=false", what, nullptr),
            what);
    std::vector<RemoteFile> files;
    std::string url = s.endpoint + "/api/models/" + repo + "/tree/" + escape(rev);
    for (int page = 0; !url.empty(); ++page) {
        if (page > 100) throwBadInput(what + ": the listing has more than 100 pages");
        std::string link;
        const auto part = parseRepoListing(s.kind, fetchText(s, url, what, nullptr, &link), what);
        files.insert(files.end(), part.begin(), part.end());
        url = nextLink(link);
        if (!url.empty() && url.rfind(s.endpoint + "/", 0) != 0) throwBadInput(what + ": the listing's next page is on another host");
    }
    return files;
}

PullResult pullModel(const PullOptions& o) {
    const auto start = Clock::now();
    const std::string rev = o.revision.empty() ? defaultRevision(o.source) : o.revision;
    std::vector<RemoteFile> all = listRepoFiles(o.source, o.repo, rev);
    std::vector<RemoteFile> files;
    for (const auto& f : all)
        if (engineNeedsFile(f.path)) files.push_back(f);
    {
        std::set<std::string> seen;
        for (const auto& f : files)
            if (!seen.insert(f.path).second) throwBadInput(o.repo + "@" + rev + ": the hub lists " + f.path + " twice");
    }
    const auto has = [&](const char* name) {
        return std::any_of(files.begin(), files.end(), [&](const RemoteFile& f) { return f.path == name; });
    };
    if (!has("config.json")) throwBadInput(o.repo + "@" + rev + " has no config.json: not a transformers checkpoint");
    if (std::none_of(files.begin(), files.end(),
                     [](const RemoteFile& f) { return f.path.size() > 12 && f.path.ends_with(".safetensors"); }))
        throwBadInput(o.repo + "@" + rev + " has no .safetensors weights (Sightline reads safetensors only)");

    std::error_code ec;
    fs::create_directories(fs::path(o.dir) / kDownloadFolder, ec);
    if (ec) throwBadInput("cannot create " + o.dir + ": " + ec.message());

    // Files already complete (a finished earlier pull): kept when their size and the recorded
    // checksum match; anything else under a final name that does not match is fetched again.
    ModelOrigin before;
    const bool hadOrigin = readModelOrigin(o.dir, &before);
    Shared sh;
    std::vector<size_t> todo;
    int64_t need = 0;
    for (size_t i = 0; i < files.size(); ++i) {
        const auto& f = files[i];
        PullProgress::File pf{f.path, std::max<int64_t>(f.size, 0), 0, "waiting"};
        const fs::path final = fs::path(o.dir) / f.path;
        bool kept = false;
        if (hadOrigin && fs::exists(final, ec) && f.size >= 0 && int64_t(fs::file_size(final, ec)) == f.size)
            for (const auto& b : before.files)
                if (b.path == f.path && b.size == f.size && b.sha256 == f.sha256 && b.gitSha1 == f.gitSha1 && before.verified) kept = true;
        if (kept) {
            pf.done = pf.size;
            pf.state = "kept";
            sh.progress.resumedBytes += pf.size;
        } else {
            const fs::path part = fs::path(o.dir) / kDownloadFolder / (f.path + ".part");
            const int64_t have = fs::exists(part, ec) ? int64_t(fs::file_size(part, ec)) : 0;
            const bool sameSize = fs::exists(final, ec) && int64_t(fs::file_size(final, ec)) == f.size;
            if (!sameSize) need += std::max<int64_t>(0, f.size - have);
            todo.push_back(i);
        }
        sh.progress.totalBytes += pf.size;
        sh.progress.files.push_back(pf);
    }
    const int64_t avail = freeBytes(o.dir);
    const int64_t margin = int64_t(64) << 20;
    if (avail >= 0 && need + margin > avail)
        throwBadInput("not enough disk space in " + o.dir + ": the download needs " + humanBytes(double(need)) + " more, " +
                      humanBytes(double(avail)) + " is free");
    // The record is rewritten at the end; until then a stale one must not vouch for new files.
    fs::remove(fs::path(o.dir) / kModelOriginFile, ec);

    // Largest first, so the long shards overlap.
    std::sort(todo.begin(), todo.end(), [&](size_t a, size_t b) { return files[a].size > files[b].size; });
    std::atomic<size_t> next{0};
    Puller puller(o, sh, rev);
    auto worker = [&] {
        for (;;) {
            const size_t k = next.fetch_add(1);
            if (k >= todo.size() || sh.stop.load()) return;
            try {
                puller.run(todo[k], files[todo[k]]);
            } catch (const Error& e) {
                std::lock_guard lock(sh.mu);
                if (sh.fatal.empty()) {
                    sh.fatal = e.what();
                    sh.fatalKind = e.kind();
                }
                sh.progress.files[todo[k]].state = "failed";
                sh.stop = true;
            } catch (const std::exception& e) {
                std::lock_guard lock(sh.mu);
                if (sh.fatal.empty()) {
                    sh.fatal = std::string("internal error: ") + e.what();
                    sh.fatalKind = ErrorKind::Internal;
                }
                sh.stop = true;
            }
        }
    };
    const int n = std::clamp(o.parallel, 1, 16);
    std::vector<std::thread> threads;
    for (int t = 0; t < std::min<int>(n, int(todo.size())); ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    if (!sh.fatal.empty()) {
        if (sh.fatalKind == ErrorKind::Cancelled || (o.cancel && o.cancel->load()))
            throw Error(ErrorKind::Cancelled, "the pull was cancelled; run it again to continue where it stopped");
        throw Error(sh.fatalKind, sh.fatal);
    }
    if (o.cancel && o.cancel->load())
        throw Error(ErrorKind::Cancelled, "the pull was cancelled; run it again to continue where it stopped");

    fs::remove(fs::path(o.dir) / kDownloadFolder, ec);  // empty now (fails harmlessly when not)
    ModelOrigin origin;
    origin.source = hubKindName(o.source.kind);
    origin.endpoint = o.source.endpoint;
    origin.repo = o.repo;
    origin.revision = rev;
    origin.when = isoUtcNow();
    origin.verified = std::all_of(files.begin(), files.end(), [](const RemoteFile& f) { return !f.sha256.empty() || !f.gitSha1.empty(); });
    origin.files = files;
    writeModelOrigin(o.dir, origin);

    PullResult r;
    r.files = files;
    r.downloadedBytes = sh.networkBytes;
    r.resumedBytes = sh.progress.resumedBytes;
    r.seconds = since(start);
    return r;
}

}  // namespace sightline::app
