// Request bytes → the server's pure request parser. Built only once app/server/http_server.h
// declares parseHttpRequest (tests/fuzz/CMakeLists.txt looks for the name); until then the
// socket-level target fuzz_http_server covers the same parser through the public API.
// Expected seam: parseHttpRequest(std::string_view) returning the parsed request or a refusal
// (status + message); a throw of sightline::Error is also taken as a refusal.
#include <string_view>

#include "fuzz_support.h"
#include "http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return sightline::fuzz::refusalsAreFine([&] {
        auto parsed = sightline::server::parseHttpRequest(sightline::fuzz::asText(data, size));
        (void)parsed;
    });
}
