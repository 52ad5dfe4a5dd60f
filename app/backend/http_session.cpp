#include "http_session.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <new>

namespace sightline::app {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr size_t kMaxHeaderLine = 16 * 1024;

// State of one exchange, shared with libcurl's callbacks (all on the performing thread).
struct Transfer {
    CURL* curl = nullptr;
    const HttpExchange* x = nullptr;
    HttpOutcome* out = nullptr;
    Clock::time_point start, lastData;
    HttpOutcome::Failure reason = HttpOutcome::Failure::None;  // why a callback stopped the transfer
    int64_t totalBytes = 0;
};

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

size_t onHeader(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t len = size * n;
    t->lastData = Clock::now();
    if (len > kMaxHeaderLine) {
        t->reason = HttpOutcome::Failure::TooLarge;
        return 0;
    }
    std::string_view line(data, len);
    // A new status line (after a 100 Continue or a redirect) starts a new header block.
    if (line.rfind("HTTP/", 0) == 0) t->out->retryAfter.clear();
    if (t->x->onHeaderLine) {
        try {
            t->x->onHeaderLine(line);
        } catch (...) {
            t->reason = HttpOutcome::Failure::Aborted;
            return 0;
        }
    }
    constexpr std::string_view key = "retry-after:";
    if (line.size() > key.size()) {
        std::string head(line.substr(0, key.size()));
        std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (head == key) {
            std::string v(line.substr(key.size()));
            while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
            v.erase(0, v.find_first_not_of(' '));
            t->out->retryAfter = v.substr(0, 64);
        }
    }
    return len;
}

size_t onBody(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t len = size * n;
    t->lastData = Clock::now();
    t->totalBytes += static_cast<int64_t>(len);
    if (t->totalBytes > t->x->maxBytes) {
        t->reason = HttpOutcome::Failure::TooLarge;
        return 0;
    }
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300) {
        std::string& e = t->out->errorBody;
        if (e.size() < kMaxErrorBody) e.append(data, std::min(len, kMaxErrorBody - e.size()));
        return len;
    }
    t->out->bodyBytes += static_cast<int64_t>(len);
    try {
        if (t->x->onData && !t->x->onData(std::string_view(data, len))) {
            t->reason = HttpOutcome::Failure::Aborted;
            return 0;
        }
    } catch (const std::bad_alloc&) {
        t->reason = HttpOutcome::Failure::TooLarge;
        return 0;
    } catch (...) {
        t->reason = HttpOutcome::Failure::Aborted;
        return 0;
    }
    return len;
}

// Called by libcurl about once a second even while nothing arrives: cancel, idle and deadline.
int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(user);
    if (t->x->cancelled && t->x->cancelled()) {
        t->reason = HttpOutcome::Failure::Cancelled;
        return 1;
    }
    if (t->x->deadlineS > 0 && since(t->start) > t->x->deadlineS) {
        t->reason = HttpOutcome::Failure::Deadline;
        return 1;
    }
    if (since(t->lastData) > t->x->idleTimeoutS) {
        t->reason = HttpOutcome::Failure::Idle;
        return 1;
    }
    return 0;
}

HttpOutcome::Failure classify(CURLcode code, bool connected) {
    using F = HttpOutcome::Failure;
    switch (code) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            return F::Connect;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
            return F::Tls;
        case CURLE_OPERATION_TIMEDOUT:
            return connected ? F::Deadline : F::Connect;
        case CURLE_FILESIZE_EXCEEDED:
            return F::TooLarge;
        default:
            return F::Transport;
    }
}

long millis(double seconds) {
    return static_cast<long>(std::clamp(seconds, 0.001, 1e7) * 1000);
}

}  // namespace

HttpSession::HttpSession() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    m_curl = curl_easy_init();
    if (!m_curl) throw std::bad_alloc();
}

HttpSession::~HttpSession() {
    curl_easy_cleanup(static_cast<CURL*>(m_curl));
}

HttpOutcome HttpSession::perform(const HttpExchange& x) {
    CURL* c = static_cast<CURL*>(m_curl);
    curl_easy_reset(c);  // keeps the connection cache: a worker reuses its keep-alive connection
    HttpOutcome out;
    Transfer t;
    t.curl = c;
    t.x = &x;
    t.out = &out;
    t.start = t.lastData = Clock::now();
    char error[CURL_ERROR_SIZE] = {0};

    curl_slist* headers = nullptr;
    for (const auto& h : x.headers) headers = curl_slist_append(headers, h.c_str());
    curl_easy_setopt(c, CURLOPT_URL, x.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, x.maxRedirects > 0 ? 1L : 0L);
    if (x.maxRedirects > 0) curl_easy_setopt(c, CURLOPT_MAXREDIRS, long(x.maxRedirects));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for DNS timeouts
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, millis(x.connectTimeoutS));
    // A backstop only: the progress callback ends the exchange at the deadline and names why.
    if (x.deadlineS > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, millis(x.deadlineS + 5));
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(x.maxBytes));
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    if (!x.caFile.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, x.caFile.c_str());
    if (x.method == "POST") {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, x.body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(x.body.size()));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }

    const CURLcode code = curl_easy_perform(c);
    curl_slist_free_all(headers);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    out.elapsedS = since(t.start);
    if (code == CURLE_OK) return out;
    if (t.reason != HttpOutcome::Failure::None) {
        out.failure = t.reason;
    } else {
        double connectTime = 0;
        curl_easy_getinfo(c, CURLINFO_CONNECT_TIME, &connectTime);
        out.failure = classify(code, connectTime > 0);
    }
    if (out.failure == HttpOutcome::Failure::Idle)
        out.message = "nothing arrived for " + std::to_string(static_cast<long long>(std::lround(x.idleTimeoutS))) + " s";
    else if (out.failure == HttpOutcome::Failure::Deadline && t.reason == HttpOutcome::Failure::Deadline)
        out.message = "not finished within " + std::to_string(static_cast<long long>(std::lround(x.deadlineS))) + " s";
    else
        out.message = error[0] ? error : curl_easy_strerror(code);
    return out;
}

}  // namespace sightline::app
