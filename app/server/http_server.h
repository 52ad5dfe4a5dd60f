// A small HTTP/1.1 server on POSIX sockets for the local API (no Qt, so sightline-cli serves it too).
//
// One loop thread accepts connections and reads every request head and body without blocking
// (poll), so slow senders cost a buffer each, not a thread; each request has an overall deadline
// for its head and one for its body, not only per receive. A complete request is answered on a
// thread of its own (at most HttpLimits::maxHandlers at once; more get 503 at once), except
// `quickPaths` (GET /health), which the loop thread answers itself so they stay fast under any
// load. One request per connection (responses close it), bodies by Content-Length only.
// Before any handler runs, the access policy (access_policy.h) checks Host, Origin and the POST
// content type and answers CORS preflights. Streaming responses (server-sent events) report a
// gone client to the handler, which cancels its generation.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "access_policy.h"
#include "http_request.h"

namespace sightline::server {

class HttpResponder {
public:
    explicit HttpResponder(int fd) : m_fd(fd) {}
    // Added to every response this responder sends (CORS headers), before send/beginStream.
    void addHeader(const std::string& name, const std::string& value) { m_extraHeaders += name + ": " + value + "\r\n"; }
    // A complete response. Returns false when the client is gone.
    bool send(int status, const std::string& contentType, const std::string& body);
    // Headers of a response whose length is not known (the connection's end marks it), then parts.
    bool beginStream(int status, const std::string& contentType);
    bool write(const std::string& data);
    bool started() const { return m_started; }
    int status() const { return m_status; }  // of the response sent or begun; 0 before
    bool clientGone();                       // the peer closed its end (checked without blocking)

private:
    bool writeAll(const std::string& data);
    int m_fd;
    bool m_started = false;
    int m_status = 0;
    bool m_gone = false;
    std::string m_extraHeaders;
};

struct HttpLimits {
    size_t maxHeaderBytes = 64 * 1024;
    size_t maxBodyBytes = 64 * 1024 * 1024;    // base64 images
    int maxHandlers = 64;                      // requests answered at once (one thread each); more get 503
    int maxPendingConnections = 256;           // connections still sending their request; a new one drops the oldest
    size_t maxPendingBytes = size_t(1) << 30;  // all of those requests' bytes together; more gets 503
    int headTimeoutMs = 10000;                 // the whole request head, from accept
    int bodyTimeoutMs = 60000;                 // the whole body, from the end of the head
    int writeTimeoutSeconds = 30;              // per send: a client that stops reading is dropped
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponder&)>;

// Errors a handler may throw to choose its status (anything else is 500, std::bad_alloc 503).
struct HttpError : std::runtime_error {
    HttpError(int s, const std::string& message, std::string t = "invalid_request_error")
        : std::runtime_error(message), status(s), type(std::move(t)) {}
    int status;
    std::string type;
};

class HttpServer {
public:
    HttpServer(HttpHandler handler, HttpLimits limits = {}, AccessOptions access = {});
    ~HttpServer();  // stop()
    // Requests for these paths (GET) are answered on the loop thread: the handler must be quick
    // and never block. Set before start().
    void setQuickPaths(std::set<std::string> paths) { m_quickPaths = std::move(paths); }
    // Binds and listens (port 0: any free port); throws Error(BadInput) naming the address when it
    // cannot. The loop runs on its own thread.
    void start(const std::string& host, int port);
    // Closes every connection and waits for the handler threads (their sends time out, their
    // handlers see the client gone). Callable from any thread but the server's own.
    void stop();
    int port() const { return m_port; }
    int handlersRunning() const { return m_active.load(); }

private:
    struct Pending;
    void loop();
    void readFrom(Pending& c);  // returns with c.done set when the connection leaves the loop
    void readSome(Pending& c);
    void refuse(Pending& c, int status, const std::string& message, const std::string& type = "invalid_request_error");
    void dispatch(Pending& c);
    void serve(int fd, const HttpRequest& request, const AccessDecision& access);
    HttpHandler m_handler;
    HttpLimits m_limits;
    AccessPolicy m_access;
    std::set<std::string> m_quickPaths;
    int m_listen = -1;
    int m_wake = -1;  // eventfd: stop() wakes the loop
    int m_port = 0;
    size_t m_pendingBytes = 0;  // loop thread only: bytes buffered by pending connections
    std::atomic<bool> m_stopping{false};
    std::atomic<int> m_active{0};  // handler threads alive
    std::thread m_loopThread;
    std::mutex m_mutex;       // guards m_open
    std::vector<int> m_open;  // sockets of handler threads, shut down by stop()
};

const char* statusText(int status);
std::string errorJson(const std::string& message, const std::string& type = "invalid_request_error");

}  // namespace sightline::server
