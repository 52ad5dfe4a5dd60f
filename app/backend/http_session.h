// One HTTP exchange over libcurl (Debian's libcurl4-openssl-dev): the transport under RemoteBackend
// (an OpenAI-compatible server) and under the model pull (app/models/hub.cpp: Hugging Face,
// ModelScope). Qt-free; the one place Sightline speaks HTTP as a client.
//
// Everything the server sends is untrusted: the body is handed over as it arrives (onData) and
// capped at maxBytes, an error body is kept only up to 64 KiB, a header line only up to 16 KiB,
// redirects are followed only when asked (maxRedirects; http and https only, and libcurl does not
// send a custom Authorization header to another host), and every exchange ends by its deadline,
// by an idle timeout, or when the caller's cancel check says so (within about a second: libcurl's
// progress callback).
//
// Threads: an HttpSession is one libcurl handle (its connection is reused between exchanges) and
// belongs to one thread at a time. Different sessions may run on different threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sightline::app {

struct HttpExchange {
    std::string method = "GET";  // GET or POST
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;                  // POST body
    std::string caFile;                // "" = the system's CA store
    double connectTimeoutS = 10;
    double idleTimeoutS = 120;  // fails when no byte arrived for this long
    double deadlineS = 600;     // the whole exchange, from connect to the last byte; <= 0: none
    int64_t maxBytes = int64_t(64) << 20;
    int maxRedirects = 0;  // 0: a 3xx is the answer
    // Every header line of every response (a redirect's too) as it arrives, the status line
    // ("HTTP/1.1 206 Partial Content") first: a status line starts a new response.
    std::function<void(std::string_view)> onHeaderLine;
    std::function<bool()> cancelled;  // polled about once a second and on every chunk; true ends the exchange
    // The body of a 2xx answer as it arrives; returns false to abort the exchange (the caller
    // found it malformed). Not called for other statuses (their body is HttpOutcome::errorBody).
    std::function<bool(std::string_view)> onData;
};

struct HttpOutcome {
    enum class Failure {
        None,       // a complete answer (any status)
        Connect,    // could not connect (refused, DNS, no route)
        Tls,        // certificate or handshake failure
        Transport,  // the connection broke (reset, closed early, malformed HTTP)
        Idle,       // nothing arrived for idleTimeoutS
        Deadline,   // the exchange took longer than deadlineS
        TooLarge,   // the body went past maxBytes
        Aborted,    // onData refused the data
        Cancelled,  // the cancel flag was set
    };
    Failure failure = Failure::None;
    long status = 0;         // HTTP status, 0 when none was received
    std::string retryAfter;  // the Retry-After header, when sent
    std::string errorBody;   // the body of a non-2xx answer (at most 64 KiB)
    std::string message;     // what went wrong: libcurl's description, or the idle / deadline limit
    int64_t bodyBytes = 0;   // bytes of a 2xx body received (delivered to onData)
    double elapsedS = 0;
};

class HttpSession {
public:
    HttpSession();
    ~HttpSession();
    HttpSession(const HttpSession&) = delete;
    HttpSession& operator=(const HttpSession&) = delete;

    // Never throws for what the server does; throws std::bad_alloc only when memory runs out.
    HttpOutcome perform(const HttpExchange& exchange);

private:
    void* m_curl = nullptr;  // CURL*
};

}  // namespace sightline::app
