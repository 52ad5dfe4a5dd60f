// One HTTP exchange with a remote server over libcurl (Debian's libcurl4-openssl-dev): the transport
// under RemoteBackend. Qt-free.
//
// Everything the server sends is untrusted: the body is handed over as it arrives (onData) and
// capped at maxBytes, an error body is kept only up to 64 KiB, redirects are not followed, only
// http and https are spoken, and every exchange ends by its deadline, by an idle timeout, or when
// the caller's cancel check says so (within about a second: libcurl's progress callback).
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
    double deadlineS = 600;     // the whole exchange, from connect to the last byte
    int64_t maxBytes = int64_t(64) << 20;
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
    std::string message;     // libcurl's description of a failure
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
