// Request bytes → the server's pure head parser (app/server/http_request.h: findHeadEnd,
// parseRequestHead). Built only where that header exists (tests/fuzz/CMakeLists.txt checks);
// fuzz_http_server covers the same code through a socket either way.
// Contracts checked: findHeadEnd resumed from (old end - kHeadRescan) while the buffer grows in
// pieces finds the same end as one search over the whole buffer; an accepted head has a method,
// lower-cased header names and a Content-Length within the body limit.
#include <string_view>

#include "fuzz_support.h"
#include "http_request.h"

namespace {

[[noreturn]] void fail(const char* what) {
    fprintf(stderr, "%s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline::server;
    const std::string_view buffer = sightline::fuzz::asText(data, size);
    const size_t whole = findHeadEnd(buffer);
    if (whole != std::string_view::npos && whole > buffer.size()) fail("findHeadEnd past the buffer");

    // The same bytes arriving in pieces of 1..16 bytes (sizes taken from the bytes themselves).
    size_t have = 0, found = std::string_view::npos, step = 0;
    while (have < buffer.size() && found == std::string_view::npos) {
        const size_t from = have > kHeadRescan ? have - kHeadRescan : 0;
        have = std::min(buffer.size(), have + 1 + static_cast<uint8_t>(buffer[step++ % buffer.size()]) % 16);
        found = findHeadEnd(buffer.substr(0, have), from);
    }
    if (found != whole) fail("findHeadEnd resumed in pieces disagrees with one search over the whole buffer");
    if (whole == std::string_view::npos) return 0;

    constexpr size_t kMaxBody = 1 << 20;
    HttpRequest request;
    size_t contentLength = 0;
    const auto problem = parseRequestHead(buffer.substr(0, whole), kMaxBody, request, contentLength);
    if (problem) {
        if (problem->status < 400 || problem->status > 499 || problem->message.empty())
            fail("a refusal without a 4xx status and a message");
        return 0;
    }
    if (request.method.empty()) fail("accepted a head without a method");
    if (contentLength > kMaxBody) fail("accepted a Content-Length over the limit");
    for (const auto& [name, value] : request.headers)
        for (char c : name)
            if (c >= 'A' && c <= 'Z') fail("header name not lower-cased");
    return 0;
}
