// A small HTTP/1.1 server on POSIX sockets for the local API (no Qt, so sightline-cli serves it too).
// One thread per connection (bounded), one request per connection (responses close it), bodies by
// Content-Length only. Streaming responses (server-sent events) report a gone client to the
// handler, which cancels its generation.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sightline::server {

struct HttpRequest {
    std::string method, path, query;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::string peer;
};

class HttpResponder {
public:
    explicit HttpResponder(int fd) : m_fd(fd) {}
    // A complete response. Returns false when the client is gone.
    bool send(int status, const std::string& contentType, const std::string& body);
    // Headers of a response whose length is not known (the connection's end marks it), then parts.
    bool beginStream(int status, const std::string& contentType);
    bool write(const std::string& data);
    bool started() const { return m_started; }
    bool clientGone();  // the peer closed its end (checked without blocking)

private:
    bool writeAll(const std::string& data);
    int m_fd;
    bool m_started = false;
    bool m_gone = false;
};

struct HttpLimits {
    size_t maxHeaderBytes = 64 * 1024;
    size_t maxBodyBytes = 64 * 1024 * 1024;  // base64 images
    int maxConnections = 64;
    int readTimeoutSeconds = 30;  // also for writes: a client that stops reading is dropped
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponder&)>;

class HttpServer {
public:
    HttpServer(HttpHandler handler, HttpLimits limits = {});
    ~HttpServer();  // stop()
    // Binds and listens (port 0: any free port); throws Error(BadInput) naming the address when it
    // cannot. The accept loop runs on its own thread.
    void start(const std::string& host, int port);
    void stop();
    int port() const { return m_port; }

private:
    void acceptLoop();
    void serve(int fd, std::string peer);
    HttpHandler m_handler;
    HttpLimits m_limits;
    int m_listen = -1;
    int m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::atomic<int> m_active{0};
    std::thread m_acceptThread;
    std::mutex m_mutex;  // guards m_open
    std::vector<int> m_open;  // connection sockets, shut down by stop()
};

const char* statusText(int status);

}  // namespace sightline::server
