#include "access_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace sightline::server {

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool isIpv4(const std::string& s) {
    in_addr a{};
    return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool isIpv6(const std::string& s) {
    in6_addr a{};
    return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

// "name", "name:port", "[v6]", "[v6]:port" → name (IPv6 kept in brackets) and port (-1: none).
// False when malformed.
bool splitHostPort(const std::string& in, std::string& name, int& port) {
    port = -1;
    std::string rest;
    if (!in.empty() && in[0] == '[') {
        const size_t close = in.find(']');
        if (close == std::string::npos || !isIpv6(in.substr(1, close - 1))) return false;
        name = in.substr(0, close + 1);
        rest = in.substr(close + 1);
    } else {
        const size_t colon = in.find(':');
        name = in.substr(0, colon);
        if (colon != std::string::npos) rest = in.substr(colon);
    }
    if (!rest.empty()) {
        if (rest[0] != ':' || rest.size() < 2 || rest.size() > 6 || rest.find_first_not_of("0123456789", 1) != std::string::npos)
            return false;
        port = std::stoi(rest.substr(1));
    }
    name = lower(name);
    if (name.size() > 1 && name.back() == '.') name.pop_back();  // "localhost." is localhost
    return !name.empty();
}

}  // namespace

bool isLoopbackHost(const std::string& hostIn) {
    std::string h = lower(hostIn);
    if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    if (h == "localhost" || h == "::1") return true;
    in_addr a{};
    return inet_pton(AF_INET, h.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

void AccessPolicy::bind(const std::string& hostIn, int port) {
    m_port = port;
    m_names = {"localhost", "127.0.0.1", "[::1]"};
    const std::string host = lower(hostIn);
    if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") {
        m_anyIpLiteral = true;  // DNS rebinding needs a DNS name; an IP literal cannot be rebound
        return;
    }
    m_names.push_back(isIpv6(host) ? "[" + host + "]" : host);
}

bool AccessPolicy::hostAllowed(const std::string& header) const {
    std::string name;
    int port = -1;
    if (!splitHostPort(header, name, port)) return false;
    if (port >= 0 && port != m_port) return false;
    if (std::find(m_names.begin(), m_names.end(), name) != m_names.end()) return true;
    if (!m_anyIpLiteral) return false;
    return isIpv4(name) || (name.size() > 2 && name.front() == '[');  // brackets were checked by splitHostPort
}

bool AccessPolicy::originAllowed(const std::string& originIn, bool& listed) const {
    std::string origin = lower(originIn);
    while (!origin.empty() && origin.back() == '/') origin.pop_back();
    listed = false;
    for (const std::string& o : m_options.corsOrigins) {
        std::string allowed = lower(o);
        while (!allowed.empty() && allowed.back() == '/') allowed.pop_back();
        if (allowed == "*" || allowed == origin) {
            listed = true;
            return true;
        }
    }
    // A page served by this very address (same origin) is not cross-origin.
    const std::string scheme = "http://";
    if (origin.rfind(scheme, 0) != 0) return false;
    std::string name;
    int port = -1;
    return splitHostPort(origin.substr(scheme.size()), name, port) && port == m_port && hostAllowed(origin.substr(scheme.size()));
}

AccessDecision AccessPolicy::check(const HttpRequest& r) const {
    AccessDecision d;
    const std::string& host = r.header("host");
    if (host.empty()) return {400, "the request has no Host header", {}};
    if (!hostAllowed(host))
        return {421,
                "Host \"" + host +
                    "\" does not name this server (allowed: localhost, 127.0.0.1, [::1] or the address it listens on, port " +
                    std::to_string(m_port) + "); requests through other names are refused against DNS rebinding",
                {}};
    const std::string& origin = r.header("origin");
    bool listed = false;
    if (!origin.empty()) {
        if (!originAllowed(origin, listed))
            return {403,
                    "cross-origin request from " + origin + " refused (start the server with --cors-origin " + origin + " to allow it)",
                    {}};
        if (listed) {
            d.headers.emplace_back("Access-Control-Allow-Origin", origin);
            d.headers.emplace_back("Vary", "Origin");
        }
    }
    if (r.method == "OPTIONS") {
        d.status = 204;
        if (!origin.empty() && !r.header("access-control-request-method").empty()) {
            const std::string& asked = r.header("access-control-request-headers");
            const bool plain =
                asked.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_, ") == std::string::npos;
            d.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            d.headers.emplace_back("Access-Control-Allow-Headers", !asked.empty() && plain ? asked : "Content-Type, Authorization");
            d.headers.emplace_back("Access-Control-Max-Age", "600");
        } else {
            d.headers.emplace_back("Allow", "GET, POST, OPTIONS");
        }
        return d;
    }
    if (r.method == "POST") {
        std::string type = lower(r.header("content-type"));
        type = type.substr(0, type.find(';'));
        while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
        if (type != "application/json")
            return {415, "POST bodies must be sent as Content-Type: application/json (got \"" + r.header("content-type") + "\")",
                    d.headers};
    }
    return d;
}

}  // namespace sightline::server
