// The local API's HTTP layer without a model: a handler that throws fails its request only
// (std::bad_alloc → 503 server_error, anything else → 500), the request-head parser, the access
// policy and the image header probe.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <new>
#include <stdexcept>
#include <string>

#include "access_policy.h"
#include "http_request.h"
#include "http_server.h"
#include "image_inputs.h"

using namespace sightline::server;

namespace {

// Sends one raw request to 127.0.0.1:port and returns the whole answer.
std::string roundTrip(int port, const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string got;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::send(fd, request.data(), request.size(), 0) > 0) {
        char buf[4096];
        for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return got;
}

std::string get(int port, const std::string& path) {
    return roundTrip(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n\r\n");
}

}  // namespace

TEST(HttpServer, AThrowingHandlerFailsItsRequestOnly) {
    HttpServer server([](const HttpRequest& r, HttpResponder& out) {
        if (r.path == "/oom") throw std::bad_alloc();
        if (r.path == "/error") throw std::runtime_error("boom");
        if (r.path == "/int") throw 42;
        if (r.path == "/busy") throw HttpError(413, "too big");
        out.send(200, "text/plain", "fine");
    });
    server.start("127.0.0.1", 0);
    const std::string oom = get(server.port(), "/oom");
    EXPECT_EQ(oom.rfind("HTTP/1.1 503", 0), 0u) << oom;
    EXPECT_NE(oom.find("\"server_error\""), std::string::npos) << oom;
    EXPECT_EQ(oom.find("invalid_request_error"), std::string::npos) << oom;
    const std::string err = get(server.port(), "/error");
    EXPECT_EQ(err.rfind("HTTP/1.1 500", 0), 0u) << err;
    EXPECT_NE(err.find("boom"), std::string::npos) << err;
    EXPECT_EQ(get(server.port(), "/int").rfind("HTTP/1.1 500", 0), 0u);
    EXPECT_EQ(get(server.port(), "/busy").rfind("HTTP/1.1 413", 0), 0u);
    const std::string ok = get(server.port(), "/fine");
    EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
    EXPECT_NE(ok.find("fine"), std::string::npos);
    server.stop();
    EXPECT_EQ(server.handlersRunning(), 0);
}

TEST(HttpRequestHead, BareLfDuplicatesAndLengths) {
    EXPECT_EQ(findHeadEnd("GET / HTTP/1.1\nHost: a\n\nbody"), 24u);
    EXPECT_EQ(findHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"), 27u);
    EXPECT_EQ(findHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n"), std::string::npos);
    // Resuming kHeadRescan bytes before the old end still finds an end split across two reads.
    const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    for (size_t cut = 1; cut < head.size(); ++cut)
        EXPECT_EQ(findHeadEnd(head, cut > kHeadRescan ? cut - kHeadRescan : 0), head.size()) << cut;
    HttpRequest r;
    size_t len = 0;
    EXPECT_FALSE(parseRequestHead("GET /x?y=1 HTTP/1.1\nHost: a\n", 100, r, len));
    EXPECT_EQ(r.path, "/x");
    EXPECT_EQ(r.query, "y=1");
    EXPECT_EQ(r.header("host"), "a");
    auto p = parseRequestHead("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n", 100, r = {}, len);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->status, 400);
    EXPECT_EQ(parseRequestHead("POST / HTTP/1.1\r\nContent-Length: -5\r\n", 100, r = {}, len)->status, 400);
    EXPECT_EQ(parseRequestHead("POST / HTTP/1.1\r\nContent-Length: 500\r\n", 100, r = {}, len)->status, 413);
    EXPECT_EQ(parseRequestHead("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n", 100, r = {}, len)->status, 411);
    EXPECT_EQ(parseRequestHead("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n", 100, r = {}, len)->status, 400);
    EXPECT_EQ(parseRequestHead("GET / HTTP/1.1\r\nX: a\r\n folded\r\n", 100, r = {}, len)->status, 400);
}

TEST(AccessPolicy, HostOriginContentType) {
    AccessPolicy policy({{"http://app.example:3000"}});
    policy.bind("127.0.0.1", 8080);
    auto check = [&](const std::string& method, std::map<std::string, std::string> headers) {
        HttpRequest r;
        r.method = method;
        r.path = "/v1/chat/completions";
        r.headers = std::move(headers);
        return policy.check(r);
    };
    EXPECT_EQ(check("GET", {{"host", "127.0.0.1:8080"}}).status, 0);
    EXPECT_EQ(check("GET", {{"host", "localhost"}}).status, 0);
    EXPECT_EQ(check("GET", {{"host", "[::1]:8080"}}).status, 0);
    EXPECT_EQ(check("GET", {{"host", "evil.example:8080"}}).status, 421);
    EXPECT_EQ(check("GET", {{"host", "localhost:9999"}}).status, 421);
    EXPECT_EQ(check("GET", {{"host", "10.0.0.5:8080"}}).status, 421);
    EXPECT_EQ(check("GET", {}).status, 400);
    EXPECT_EQ(check("GET", {{"host", "localhost"}, {"origin", "http://evil.example"}}).status, 403);
    EXPECT_EQ(check("GET", {{"host", "localhost"}, {"origin", "http://127.0.0.1:8080"}}).status, 0);  // same origin
    const AccessDecision cors =
        check("OPTIONS", {{"host", "localhost"}, {"origin", "http://app.example:3000"}, {"access-control-request-method", "POST"}});
    EXPECT_EQ(cors.status, 204);
    EXPECT_FALSE(cors.headers.empty());
    EXPECT_EQ(check("POST", {{"host", "localhost"}, {"content-type", "text/plain"}}).status, 415);
    EXPECT_EQ(check("POST", {{"host", "localhost"}, {"content-type", "application/json; charset=utf-8"}}).status, 0);
    AccessPolicy wide;
    wide.bind("0.0.0.0", 8080);
    HttpRequest lan;
    lan.method = "GET";
    lan.headers = {{"host", "192.168.1.7:8080"}};
    EXPECT_EQ(wide.check(lan).status, 0);
    lan.headers = {{"host", "rebound.example:8080"}};
    EXPECT_EQ(wide.check(lan).status, 421);
    EXPECT_TRUE(isLoopbackHost("127.0.0.2"));
    EXPECT_FALSE(isLoopbackHost("0.0.0.0"));
}

TEST(ImageProbe, SizesFromHeaders) {
    int64_t w = 0, h = 0;
    std::string png("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR\0\0\x32\xC8\0\0\x32\xC8", 24);
    ASSERT_TRUE(probeImageSize(png, w, h));
    EXPECT_EQ(w, 13000);
    EXPECT_EQ(h, 13000);
    EXPECT_FALSE(probeImageSize(std::string("\x89PNG\r\n\x1A\nnot really a png", 24), w, h));
    std::string gif("GIF89a\x10\x00\x20\x00", 10);
    ASSERT_TRUE(probeImageSize(gif, w, h));
    EXPECT_EQ(w, 16);
    EXPECT_EQ(h, 32);
}

// An image part without "type" ({"image": …}, which chat templates render) is an image to the pixel
// caps too: before untyped parts were accepted, prepareImages skipped them, so such a part would
// have passed the per-image and per-request 413 checks.
TEST(ImageProbe, UntypedImagePartsCountAgainstThePixelCaps) {
    const std::string png("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR\0\0\x32\xC8\0\0\x32\xC8", 24);  // claims 13000x13000
    static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string b64;
    for (size_t i = 0; i < png.size(); i += 3) {
        const uint32_t v =
            uint8_t(png[i]) << 16 | (i + 1 < png.size() ? uint8_t(png[i + 1]) << 8 : 0) | (i + 2 < png.size() ? uint8_t(png[i + 2]) : 0);
        b64 += tbl[v >> 18 & 63];
        b64 += tbl[v >> 12 & 63];
        b64 += i + 1 < png.size() ? tbl[v >> 6 & 63] : '=';
        b64 += i + 2 < png.size() ? tbl[v & 63] : '=';
    }
    auto messages = nlohmann::ordered_json::parse(R"([{"role": "user", "content": [{"image": "data:image/png;base64,)" + b64 + R"("}]}])");
    try {
        prepareImages(messages, ImageLimits{}, {});
        ADD_FAILURE() << "an untyped 13000x13000 image passed the pixel cap";
    } catch (const HttpError& e) {
        EXPECT_EQ(e.status, 413);
    }
}
