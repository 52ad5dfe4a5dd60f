#include "http_request.h"

#include <cctype>
#include <vector>

namespace sightline::server {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    const size_t a = s.find_first_not_of(" \t");
    if (a == std::string_view::npos) return {};
    const size_t b = s.find_last_not_of(" \t");
    return s.substr(a, b - a + 1);
}

// RFC 9110 token characters (header names, methods).
bool isToken(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (!(std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos)) return false;
    return true;
}

// Lines of the head without their line ends (CRLF or LF).
std::vector<std::string_view> splitLines(std::string_view head) {
    std::vector<std::string_view> lines;
    size_t at = 0;
    while (at < head.size()) {
        size_t nl = head.find('\n', at);
        if (nl == std::string_view::npos) nl = head.size();
        std::string_view line = head.substr(at, nl - at);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        at = nl + 1;
    }
    return lines;
}

}  // namespace

const std::string& HttpRequest::header(const std::string& lowerName) const {
    static const std::string kEmpty;
    auto it = headers.find(lowerName);
    return it == headers.end() ? kEmpty : it->second;
}

size_t findHeadEnd(std::string_view b, size_t from) {
    for (size_t nl = b.find('\n', from); nl != std::string_view::npos; nl = b.find('\n', nl + 1)) {
        // An empty line follows this line end: "\n\n" or "\n\r\n".
        if (nl + 1 < b.size() && b[nl + 1] == '\n') return nl + 2;
        if (nl + 2 < b.size() && b[nl + 1] == '\r' && b[nl + 2] == '\n') return nl + 3;
    }
    return std::string_view::npos;
}

std::optional<HeadProblem> parseRequestHead(std::string_view head, size_t maxBodyBytes, HttpRequest& req, size_t& length) {
    length = 0;
    std::vector<std::string_view> lines = splitLines(head);
    size_t first = 0;
    while (first < lines.size() && lines[first].empty()) ++first;
    if (first == lines.size()) return HeadProblem{400, "empty request"};
    const std::string_view line = lines[first];
    const size_t s1 = line.find(' '), s2 = line.rfind(' ');
    if (s1 == std::string_view::npos || s2 == s1 || (line.substr(s2 + 1) != "HTTP/1.1" && line.substr(s2 + 1) != "HTTP/1.0"))
        return HeadProblem{400, "malformed request line"};
    req.method = std::string(line.substr(0, s1));
    const std::string_view target = line.substr(s1 + 1, s2 - s1 - 1);
    if (!isToken(req.method) || target.empty() || target.find(' ') != std::string_view::npos || (target[0] != '/' && target != "*"))
        return HeadProblem{400, "malformed request line"};
    const size_t q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));

    int contentLengths = 0, hosts = 0;
    for (size_t i = first + 1; i < lines.size(); ++i) {
        const std::string_view l = lines[i];
        if (l.empty()) break;
        if (l[0] == ' ' || l[0] == '\t') return HeadProblem{400, "folded header lines are not accepted"};
        const size_t colon = l.find(':');
        if (colon == std::string_view::npos || !isToken(l.substr(0, colon))) return HeadProblem{400, "malformed header line"};
        const std::string name = lower(l.substr(0, colon));
        const std::string value(trim(l.substr(colon + 1)));
        if (name == "content-length") ++contentLengths;
        if (name == "host") ++hosts;
        auto [it, fresh] = req.headers.emplace(name, value);
        if (!fresh) it->second += ", " + value;
    }
    // Two lengths (even equal ones) are how requests are smuggled past proxies: refuse them.
    if (contentLengths > 1) return HeadProblem{400, "more than one Content-Length header"};
    if (hosts > 1) return HeadProblem{400, "more than one Host header"};
    if (req.headers.count("transfer-encoding")) return HeadProblem{411, "chunked request bodies are not supported; send Content-Length"};
    if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
        const std::string& v = it->second;
        if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos)
            return HeadProblem{400, "invalid Content-Length"};
        length = std::stoull(v);
    } else if (req.method == "POST") {
        return HeadProblem{411, "POST needs a Content-Length"};
    }
    if (length > maxBodyBytes)
        return HeadProblem{413,
                           "request body of " + std::to_string(length) + " bytes is over the limit of " + std::to_string(maxBodyBytes)};
    return std::nullopt;
}

}  // namespace sightline::server
