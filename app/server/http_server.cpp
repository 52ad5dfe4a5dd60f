#include "http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <new>
#include <system_error>

#include "sightline/error.h"

namespace sightline::server {

namespace {

using Clock = std::chrono::steady_clock;

std::string jsonEscape(const std::string& s) {
    std::string m;
    for (unsigned char c : s) {
        if (c == '"' || c == '\\')
            m += '\\', m += static_cast<char>(c);
        else if (c < 0x20)
            m += ' ';
        else
            m += static_cast<char>(c);
    }
    return m;
}

}  // namespace

const char* statusText(int s) {
    switch (s) {
        case 200:
            return "OK";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 411:
            return "Length Required";
        case 413:
            return "Payload Too Large";
        case 415:
            return "Unsupported Media Type";
        case 421:
            return "Misdirected Request";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        case 507:
            return "Insufficient Storage";
    }
    return "Unknown";
}

std::string errorJson(const std::string& message, const std::string& type) {
    return R"({"error":{"message":")" + jsonEscape(message) + R"(","type":")" + jsonEscape(type) + R"("}})";
}

bool HttpResponder::writeAll(const std::string& data) {
    if (m_gone) return false;
    size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(m_fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {  // EAGAIN too: the send timeout passed (or, on the loop thread, the buffer is full)
            m_gone = true;
            return false;
        }
        off += static_cast<size_t>(n);
    }
    return true;
}

bool HttpResponder::send(int status, const std::string& contentType, const std::string& body) {
    m_started = true;
    m_status = status;
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + statusText(status) + "\r\n";
    if (status != 204) head += "Content-Type: " + contentType + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    head += m_extraHeaders + "Connection: close\r\n\r\n";
    return writeAll(status == 204 ? head : head + body);
}

bool HttpResponder::beginStream(int status, const std::string& contentType) {
    m_started = true;
    m_status = status;
    return writeAll("HTTP/1.1 " + std::to_string(status) + " " + statusText(status) + "\r\nContent-Type: " + contentType +
                    "\r\nCache-Control: no-cache\r\n" + m_extraHeaders + "Connection: close\r\n\r\n");
}

bool HttpResponder::write(const std::string& data) {
    return writeAll(data);
}

bool HttpResponder::clientGone() {
    if (m_gone) return true;
    pollfd p{m_fd, POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) m_gone = true;
    return m_gone;
}

// A connection whose request is still arriving; owned by the loop thread.
struct HttpServer::Pending {
    int fd = -1;
    std::string peer;
    std::string buf;
    Clock::time_point deadline;  // of the head, then of the body
    size_t scanFrom = 0;         // where the search for the head's end resumes
    size_t bodyStart = std::string::npos;
    size_t length = 0;
    HttpRequest request;
    AccessDecision access;   // decided as soon as the head is complete
    bool lingering = false;  // answered early: what the client still sends is read and dropped until deadline
    bool done = false;       // answered or handed to a handler: leaves the loop
};

HttpServer::HttpServer(HttpHandler handler, HttpLimits limits, AccessOptions access)
    : m_handler(std::move(handler)), m_limits(limits), m_access(std::move(access)) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string where = host + ":" + std::to_string(port);
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res)
        throwBadInput("cannot resolve the API address " + where);
    std::string lastError = "no address";
    for (addrinfo* a = res; a; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) continue;
        const int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 511) == 0) {
            m_listen = fd;
            break;
        }
        lastError = std::strerror(errno);
        ::close(fd);
    }
    freeaddrinfo(res);
    if (m_listen < 0) throwBadInput("cannot listen on " + where + ": " + lastError);
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    getsockname(m_listen, reinterpret_cast<sockaddr*>(&bound), &len);
    m_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    m_access.bind(host, m_port);
    m_wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    m_stopping = false;
    m_loopThread = std::thread([this] { loop(); });
}

void HttpServer::stop() {
    if (m_listen < 0) return;
    m_stopping = true;
    const uint64_t one = 1;
    if (m_wake >= 0 && ::write(m_wake, &one, sizeof one) < 0) {
    }                                                  // the loop also polls m_stopping every 200 ms
    if (m_loopThread.joinable()) m_loopThread.join();  // closes the pending connections
    ::close(m_listen);
    m_listen = -1;
    if (m_wake >= 0) ::close(m_wake);
    m_wake = -1;
    {
        std::lock_guard lock(m_mutex);
        for (int fd : m_open) ::shutdown(fd, SHUT_RDWR);  // wakes readers; streams see the client gone
    }
    while (m_active.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void HttpServer::loop() {
    std::list<Pending> pending;  // oldest first
    std::vector<pollfd> fds;
    std::vector<Pending*> order;
    while (!m_stopping) {
        const auto now = Clock::now();
        // Deadlines: a request head or body that takes too long in total gets 408, however it trickles.
        m_pendingBytes = 0;
        for (Pending& c : pending) {
            if (now >= c.deadline && !c.done) {
                if (!c.lingering)
                    HttpResponder(c.fd).send(
                        408, "application/json",
                        errorJson(c.bodyStart == std::string::npos ? "request head timed out" : "request body timed out"));
                c.done = true;
            }
            m_pendingBytes += c.buf.size();
        }
        for (auto it = pending.begin(); it != pending.end();)
            if (it->done) {
                if (it->fd >= 0) ::close(it->fd);
                it = pending.erase(it);
            } else {
                ++it;
            }
        fds.assign({{m_listen, POLLIN, 0}, {m_wake, POLLIN, 0}});
        order.clear();
        int timeoutMs = 200;
        for (Pending& c : pending) {
            fds.push_back({c.fd, POLLIN, 0});
            order.push_back(&c);
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(c.deadline - now).count() + 1;
            timeoutMs = static_cast<int>(std::clamp<int64_t>(left, 0, timeoutMs));
        }
        if (::poll(fds.data(), fds.size(), timeoutMs) <= 0) continue;
        for (size_t i = 0; i < order.size(); ++i)
            if (fds[i + 2].revents) readFrom(*order[i]);
        if (!(fds[0].revents & POLLIN)) continue;
        for (int accepted = 0; accepted < 64; ++accepted) {  // drain the backlog, a bounded number each turn
            sockaddr_storage addr{};
            socklen_t len = sizeof addr;
            const int fd = ::accept4(m_listen, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0) {
                // Out of descriptors: the backlog stays readable, so wait a little instead of spinning.
                if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(20));
                break;
            }
            char host[NI_MAXHOST] = "?";
            getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
            // Full: the connection that has been sending its request the longest makes room, so a
            // crowd of slow senders cannot lock out a new client (a /health probe) for long.
            size_t live = 0;
            for (const Pending& c : pending) live += c.done || c.lingering ? 0 : 1;
            if (live >= static_cast<size_t>(m_limits.maxPendingConnections)) {
                for (Pending& c : pending)
                    if (!c.done && !c.lingering) {
                        HttpResponder(c.fd).send(503, "application/json",
                                                 errorJson("too many connections; this one was the slowest", "server_busy"));
                        c.done = true;
                        break;
                    }
            }
            Pending& c = pending.emplace_back();
            c.fd = fd;
            c.peer = host;
            c.deadline = Clock::now() + std::chrono::milliseconds(m_limits.headTimeoutMs);
            readFrom(c);  // a fast client's request is often here already
        }
    }
    for (Pending& c : pending)
        if (c.fd >= 0) ::close(c.fd);
}

void HttpServer::readFrom(Pending& c) {
    if (c.done) return;
    try {
        readSome(c);
    } catch (const std::exception& e) {  // out of memory for a buffer, a thread: this connection fails, the loop lives
        HttpResponder(c.fd).send(503, "application/json",
                                 errorJson(std::string("cannot take this request now: ") + e.what(), "server_error"));
        c.done = true;
    }
}

void HttpServer::refuse(Pending& c, int status, const std::string& message, const std::string& type) {
    HttpResponder out(c.fd);
    for (const auto& [name, value] : c.access.headers) out.addHeader(name, value);
    out.send(status, "application/json", status == 204 ? std::string() : errorJson(message, type));
    // Closing with unread bytes would reset the connection, and the client might lose the answer:
    // read and drop what it still sends for a moment first.
    ::shutdown(c.fd, SHUT_WR);
    m_pendingBytes -= std::min(m_pendingBytes, c.buf.size());
    c.buf = std::string();
    c.lingering = true;
    c.deadline = std::min(c.deadline, Clock::now() + std::chrono::milliseconds(1000));
}

void HttpServer::readSome(Pending& c) {
    char chunk[16384];
    while (c.lingering) {
        const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        c.done = n <= 0;
        if (c.done) return;
    }
    for (;;) {
        const size_t want = c.bodyStart == std::string::npos ? sizeof chunk : std::min(sizeof chunk, c.bodyStart + c.length - c.buf.size());
        if (want == 0) break;
        const ssize_t n = ::recv(c.fd, chunk, want, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n <= 0) {  // the client went away before its request was complete
            c.done = true;
            return;
        }
        if (m_pendingBytes + static_cast<size_t>(n) > m_limits.maxPendingBytes)
            return refuse(c, 503, "the server is receiving too many requests at once; try again", "server_busy");
        m_pendingBytes += static_cast<size_t>(n);
        c.buf.append(chunk, static_cast<size_t>(n));
        if (c.bodyStart != std::string::npos) continue;
        const size_t end = findHeadEnd(c.buf, c.scanFrom);
        if (end == std::string::npos) {
            c.scanFrom = c.buf.size() > kHeadRescan ? c.buf.size() - kHeadRescan : 0;
            if (c.buf.size() > m_limits.maxHeaderBytes)
                return refuse(c, 431, "request headers larger than " + std::to_string(m_limits.maxHeaderBytes) + " bytes");
            continue;
        }
        if (auto problem = parseRequestHead(std::string_view(c.buf).substr(0, end), m_limits.maxBodyBytes, c.request, c.length))
            return refuse(c, problem->status, problem->message);
        // Host, Origin and Content-Type are checked before the body is read: a refused page never
        // gets to make the server buffer its upload.
        c.access = m_access.check(c.request);
        if (c.access.status != 0) return refuse(c, c.access.status, c.access.message);
        c.bodyStart = end;
        c.deadline = Clock::now() + std::chrono::milliseconds(m_limits.bodyTimeoutMs);
    }
    if (c.bodyStart != std::string::npos && c.buf.size() >= c.bodyStart + c.length) dispatch(c);
}

void HttpServer::dispatch(Pending& c) {
    c.done = true;
    c.request.peer = c.peer;
    c.request.body = c.buf.substr(c.bodyStart, c.length);
    m_pendingBytes -= std::min(m_pendingBytes, c.buf.size());
    c.buf = std::string();
    const AccessDecision& access = c.access;
    if (c.request.method == "GET" && m_quickPaths.count(c.request.path)) {
        serve(c.fd, c.request, access);  // on this thread: the handler is quick by contract
        return;
    }
    if (m_active.load() >= m_limits.maxHandlers) {
        HttpResponder(c.fd).send(
            503, "application/json",
            errorJson("the server is answering " + std::to_string(m_limits.maxHandlers) + " requests already; try again", "server_busy"));
        return;
    }
    // The handler thread owns the socket from here: blocking, with a send timeout.
    const int fd = c.fd;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{m_limits.writeTimeoutSeconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ++m_active;
    {
        std::lock_guard lock(m_mutex);
        m_open.push_back(fd);
    }
    auto finish = [this, fd] {
        {
            std::lock_guard lock(m_mutex);
            m_open.erase(std::remove(m_open.begin(), m_open.end(), fd), m_open.end());
        }
        ::close(fd);
        --m_active;
    };
    try {
        std::thread([this, fd, finish, request = std::move(c.request), access] {
            serve(fd, request, access);
            finish();
        }).detach();
        c.fd = -1;                        // closed by the thread
    } catch (const std::system_error&) {  // no thread to be had: refuse this request, keep serving
        HttpResponder(fd).send(503, "application/json", errorJson("the server cannot start another thread now; try again", "server_busy"));
        {
            std::lock_guard lock(m_mutex);
            m_open.erase(std::remove(m_open.begin(), m_open.end(), fd), m_open.end());
        }
        --m_active;
    }
}

void HttpServer::serve(int fd, const HttpRequest& request, const AccessDecision& access) {
    HttpResponder out(fd);
    for (const auto& [name, value] : access.headers) out.addHeader(name, value);
    // Whatever the handler throws fails this request only; the server carries on.
    auto fail = [&](int status, const std::string& message, const std::string& type) {
        if (!out.started()) out.send(status, "application/json", errorJson(message, type));
    };
    try {
        m_handler(request, out);
    } catch (const HttpError& e) {
        fail(e.status, e.what(), e.type);
    } catch (const std::bad_alloc&) {
        fail(503, "out of memory while answering this request; try a smaller one", "server_error");
    } catch (const std::exception& e) {
        fail(500, std::string("internal error: ") + e.what(), "server_error");
    } catch (...) {
        fail(500, "internal error", "server_error");
    }
}

}  // namespace sightline::server
