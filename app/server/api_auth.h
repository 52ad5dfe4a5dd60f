// Who may use the local API: the API key, and optionally JSON Web Tokens from an identity provider.
// Both come as `Authorization: Bearer …`. When JWT is configured, a valid token OR the API key is
// accepted (the key stays the operator's own way in; docs/api.md). Tokens are verified with
// Debian's libjwt: the algorithm must be the configured one (HS256 for a secret; RS256/ES256 —
// and their 384/512 siblings — for a public key; never "none", never HMAC with a public key), the
// signature must verify, `exp` must be present and in the future, `nbf` (when present) in the
// past, and `aud` must contain the configured audience when one is set.
// Pure after construction; authorize() may be called from any thread at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "http_request.h"

namespace sightline::server {

struct JwtOptions {
    std::string secret;          // HS256 shared secret; or
    std::string publicKeyPem;    // the PEM text of an RSA or EC public key (RS*/ES*)
    std::string audience;        // "" = any audience
    int64_t leewaySeconds = 30;  // clock skew allowed for exp / nbf
};

struct AuthOptions {
    std::string apiKey;  // "" with no JWT: no authentication at all (loopback only: the front ends see to it)
    std::optional<JwtOptions> jwt;
};

struct AuthResult {
    bool ok = false;
    std::string caller;   // JWT `sub` (or "jwt" when it has none), "api-key", or "anonymous" without auth
    std::string message;  // why not, for the 401 body (never echoes the token)
};

class ApiAuth {
public:
    // Throws Error(BadInput) for a JWT configuration libjwt cannot use (an unreadable key).
    explicit ApiAuth(AuthOptions options);
    bool enabled() const { return !m_options.apiKey.empty() || m_options.jwt.has_value(); }
    AuthResult authorize(const HttpRequest& request) const;
    // The token alone (tests, and the JWT verifier's unit tests). `nowSeconds`: the Unix time to
    // check exp/nbf against.
    AuthResult verifyJwt(const std::string& token, int64_t nowSeconds) const;

private:
    AuthOptions m_options;
};

}  // namespace sightline::server
