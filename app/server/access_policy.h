// Who may talk to the local API, checked for every request before its handler runs:
// - Host must name this server (localhost, 127.0.0.1, [::1] or the bound host, with the bound port
//   if a port is given): a page whose DNS name was rebound to 127.0.0.1 sends its own name → 421.
// - A browser's Origin must be listed (--cors-origin) or be this server itself → 403 otherwise;
//   listed origins get CORS headers and their preflight (OPTIONS) answered.
// - POST bodies must be Content-Type: application/json → 415 otherwise (a form or text/plain POST
//   is what a browser may send cross-site without a preflight).
// Pure after bind(); check() may be called from any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "http_request.h"

namespace sightline::server {

struct AccessOptions {
    std::vector<std::string> corsOrigins;  // "http://host:port" as browsers send it; "*" allows any origin
};

struct AccessDecision {
    int status = 0;  // 0: go on to the handler; else answer with this status (204: a preflight)
    std::string message;
    std::vector<std::pair<std::string, std::string>> headers;  // added to the response (CORS)
};

class AccessPolicy {
public:
    explicit AccessPolicy(AccessOptions options = {}) : m_options(std::move(options)) {}
    // The address the server listens on: the names a Host header may carry.
    void bind(const std::string& host, int port);
    AccessDecision check(const HttpRequest& request) const;

private:
    bool hostAllowed(const std::string& hostHeader) const;
    bool originAllowed(const std::string& origin, bool& listed) const;
    AccessOptions m_options;
    std::vector<std::string> m_names;  // lower case; IPv6 in brackets
    bool m_anyIpLiteral = false;       // bound to a wildcard address: any IP literal is this server
    int m_port = 0;
};

// True for names and literals that only reach this machine (localhost, 127.0.0.0/8, ::1).
bool isLoopbackHost(const std::string& host);

}  // namespace sightline::server
