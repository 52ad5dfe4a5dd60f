// An HTTP/1.1 request as the server hands it to a handler, and the parser of its head.
// Pure functions, any thread.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sightline::server {

struct HttpRequest {
    std::string method, path, query;
    std::map<std::string, std::string> headers;  // names lower-cased; a repeated header's values joined by ", "
    std::string body;
    std::string peer;

    // The header's value, or "" when absent.
    const std::string& header(const std::string& lowerName) const;
};

// Where the head ends: the offset of the body's first byte, or npos while the head is incomplete.
// Lines may end in CRLF or a bare LF (both are accepted, so a bare-LF client never waits for a
// CRLF that will not come). `from`: where to start looking; a reader that appends to the buffer
// passes kHeadRescan bytes before the old end, so a head trickled a byte at a time costs linear time.
size_t findHeadEnd(std::string_view buffer, size_t from = 0);
inline constexpr size_t kHeadRescan = 2;

struct HeadProblem {
    int status;  // 400, 411, 413
    std::string message;
};

// Parses the head (buffer[0, headEnd)) into request (method, path, query, headers) and the body
// length. Refused: a malformed request line, header lines without a name, folded lines, a
// Content-Length that is not digits or appears twice, two Host headers, Transfer-Encoding (411),
// POST without Content-Length (411), a body over maxBodyBytes (413).
std::optional<HeadProblem> parseRequestHead(std::string_view head, size_t maxBodyBytes, HttpRequest& request, size_t& contentLength);

}  // namespace sightline::server
