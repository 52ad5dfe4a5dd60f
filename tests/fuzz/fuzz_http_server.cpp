// Raw bytes from a client → the real HttpServer (app/server/http_server.cpp) over a loopback TCP
// connection. The request parser is not a pure function today (HttpServer::serve reads the socket
// itself), so this target drives the public API: one server for the process on 127.0.0.1 (any
// port), one connection per input that sends the bytes, half-closes, and reads the response to
// the end (the server closes each connection after one response, so EOF means serve() is done).
// The handler checks what the parser hands it and answers with a size.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "fuzz_support.h"
#include "http_server.h"

namespace {

using namespace sightline::server;

HttpServer& server() {
    static HttpServer* s = [] {
        HttpLimits limits;
        limits.maxHeaderBytes = 16 * 1024;  // only limits every version of the server has
        limits.maxBodyBytes = 1 << 20;
        auto* srv = new HttpServer(
            [](const HttpRequest& req, HttpResponder& out) {
                for (const auto& [name, value] : req.headers)
                    for (char c : name)
                        if (c >= 'A' && c <= 'Z') {
                            fprintf(stderr, "header name not lower-cased: %s\n", name.c_str());
                            std::abort();
                        }
                out.send(200, "text/plain", std::to_string(req.method.size() + req.path.size() + req.query.size() + req.body.size()));
            },
            limits);
        srv->start("127.0.0.1", 0);
        return srv;  // never destroyed: detached connection threads may still use it at exit
    }();
    return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const int port = server().port();
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // Hundreds of thousands of connections a run: each comes from another 127.x.y.z source address
    // so the ephemeral ports of one address (and connections still closing) do not run out.
    static uint32_t connection = 0;
    int fd = -1;
    for (int attempt = 0; fd < 0; ++attempt) {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) std::abort();
        sockaddr_in from{};
        from.sin_family = AF_INET;
        ++connection;
        from.sin_addr.s_addr = htonl(0x7F000000u | (1 + (connection % 0xFFFFFDu)));  // 127.0.0.1 .. 127.255.255.254
        if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
            ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            const int err = errno;
            ::close(fd);
            fd = -1;
            if (attempt == 200) {  // 2 s: the server no longer accepts connections (a finding)
                fprintf(stderr, "cannot connect to the server: %s\n", std::strerror(err));
                std::abort();
            }
            usleep(10000);
        }
    }
    size_t off = 0;
    while (off < size) {
        const ssize_t n = ::send(fd, data + off, size - off, MSG_NOSIGNAL);
        if (n <= 0) break;  // the server answered early (e.g. 431) and closed
        off += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buf[4096];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
    linger abort{1, 0};  // reset instead of TIME_WAIT: thousands of connections a second
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    ::close(fd);
    return 0;
}
