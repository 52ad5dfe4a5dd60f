#include "http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sightline/error.h"

namespace sightline::server {

const char* statusText(int s) {
    switch (s) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 411: return "Length Required";
        case 413: return "Payload Too Large";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        case 507: return "Insufficient Storage";
    }
    return "Unknown";
}

bool HttpResponder::writeAll(const std::string& data) {
    if (m_gone) return false;
    size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(m_fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            m_gone = true;
            return false;
        }
        off += static_cast<size_t>(n);
    }
    return true;
}

bool HttpResponder::send(int status, const std::string& contentType, const std::string& body) {
    m_started = true;
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + statusText(status) + "\r\nContent-Type: " + contentType +
                       "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    return writeAll(head) && writeAll(body);
}

bool HttpResponder::beginStream(int status, const std::string& contentType) {
    m_started = true;
    return writeAll("HTTP/1.1 " + std::to_string(status) + " " + statusText(status) + "\r\nContent-Type: " + contentType +
                    "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n");
}

bool HttpResponder::write(const std::string& data) { return writeAll(data); }

bool HttpResponder::clientGone() {
    if (m_gone) return true;
    pollfd p{m_fd, POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) m_gone = true;
    return m_gone;
}

HttpServer::HttpServer(HttpHandler handler, HttpLimits limits) : m_handler(std::move(handler)), m_limits(limits) {}

HttpServer::~HttpServer() { stop(); }

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
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        const int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 64) == 0) {
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
    m_stopping = false;
    m_acceptThread = std::thread([this] { acceptLoop(); });
}

void HttpServer::stop() {
    if (m_listen < 0) return;
    m_stopping = true;
    ::shutdown(m_listen, SHUT_RDWR);
    if (m_acceptThread.joinable()) m_acceptThread.join();
    ::close(m_listen);
    m_listen = -1;
    {
        std::lock_guard lock(m_mutex);
        for (int fd : m_open) ::shutdown(fd, SHUT_RDWR);  // wakes readers; streams see the client gone
    }
    while (m_active.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void HttpServer::acceptLoop() {
    while (!m_stopping) {
        pollfd p{m_listen, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        const int fd = ::accept4(m_listen, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC);
        if (fd < 0) continue;
        char host[NI_MAXHOST] = "?";
        getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
        if (m_active.load() >= m_limits.maxConnections) {
            HttpResponder(fd).send(503, "application/json", R"({"error":{"message":"too many connections","type":"server_busy"}})");
            ::close(fd);
            continue;
        }
        ++m_active;
        {
            std::lock_guard lock(m_mutex);
            m_open.push_back(fd);
        }
        std::thread([this, fd, peer = std::string(host)] {
            serve(fd, peer);
            {
                std::lock_guard lock(m_mutex);
                m_open.erase(std::remove(m_open.begin(), m_open.end(), fd), m_open.end());
            }
            ::close(fd);
            --m_active;
        }).detach();
    }
}

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    const size_t a = s.find_first_not_of(" \t");
    const size_t b = s.find_last_not_of(" \t\r");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

std::string errorJson(const std::string& message) {
    std::string m;
    for (char c : message) m += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return R"({"error":{"message":")" + m + R"(","type":"invalid_request_error"}})";
}

}  // namespace

void HttpServer::serve(int fd, std::string peer) {
    timeval tv{m_limits.readTimeoutSeconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // a client that stops reading is dropped
    HttpResponder out(fd);
    std::string buf;
    char chunk[16384];
    size_t headerEnd = std::string::npos;
    while ((headerEnd = buf.find("\r\n\r\n")) == std::string::npos) {
        if (buf.size() > m_limits.maxHeaderBytes) {
            out.send(431, "application/json", errorJson("request headers larger than " + std::to_string(m_limits.maxHeaderBytes) + " bytes"));
            return;
        }
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !buf.empty()) out.send(408, "application/json", errorJson("request timed out"));
            return;
        }
        buf.append(chunk, static_cast<size_t>(n));
    }
    HttpRequest req;
    req.peer = peer;
    {
        const std::string head = buf.substr(0, headerEnd);
        size_t lineEnd = head.find("\r\n");
        const std::string requestLine = head.substr(0, lineEnd);
        const size_t s1 = requestLine.find(' '), s2 = requestLine.rfind(' ');
        if (s1 == std::string::npos || s2 == s1 || requestLine.compare(s2 + 1, 5, "HTTP/") != 0) {
            out.send(400, "application/json", errorJson("malformed request line"));
            return;
        }
        req.method = requestLine.substr(0, s1);
        std::string target = requestLine.substr(s1 + 1, s2 - s1 - 1);
        const size_t q = target.find('?');
        req.path = target.substr(0, q);
        if (q != std::string::npos) req.query = target.substr(q + 1);
        while (lineEnd != std::string::npos && lineEnd < head.size()) {
            const size_t next = head.find("\r\n", lineEnd + 2);
            const std::string line = head.substr(lineEnd + 2, next == std::string::npos ? std::string::npos : next - lineEnd - 2);
            const size_t colon = line.find(':');
            if (colon != std::string::npos) req.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
            lineEnd = next;
        }
    }
    size_t length = 0;
    if (auto it = req.headers.find("transfer-encoding"); it != req.headers.end()) {
        out.send(411, "application/json", errorJson("chunked request bodies are not supported; send Content-Length"));
        return;
    }
    if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
        try {
            size_t used = 0;
            length = std::stoull(it->second, &used);
            if (used != it->second.size()) throw std::invalid_argument("trailing");
        } catch (const std::exception&) {
            out.send(400, "application/json", errorJson("invalid Content-Length"));
            return;
        }
    } else if (req.method == "POST") {
        out.send(411, "application/json", errorJson("POST needs a Content-Length"));
        return;
    }
    if (length > m_limits.maxBodyBytes) {
        out.send(413, "application/json", errorJson("request body of " + std::to_string(length) + " bytes is over the limit of " +
                                                    std::to_string(m_limits.maxBodyBytes)));
        return;
    }
    req.body = buf.substr(headerEnd + 4);
    while (req.body.size() < length) {
        const ssize_t n = ::recv(fd, chunk, std::min(sizeof chunk, length - req.body.size()), 0);
        if (n <= 0) {
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) out.send(408, "application/json", errorJson("request body timed out"));
            return;
        }
        req.body.append(chunk, static_cast<size_t>(n));
    }
    req.body.resize(length);
    try {
        m_handler(req, out);
    } catch (const std::exception& e) {
        if (!out.started()) out.send(500, "application/json", errorJson(e.what()));
    }
}

}  // namespace sightline::server
