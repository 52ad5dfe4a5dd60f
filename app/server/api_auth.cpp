#include "api_auth.h"

#include <jwt.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "api_key.h"
#include "sightline/error.h"
#include "sightline/untrusted.h"

namespace sightline::server {

namespace {

using json = nlohmann::json;

constexpr size_t kMaxTokenBytes = 16 * 1024;

std::string base64UrlDecode(std::string_view in, bool& ok) {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    ok = true;
    for (char c : in) {
        int v = -1;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-')
            v = 62;
        else if (c == '_')
            v = 63;
        else if (c == '=')
            break;
        if (v < 0) {
            ok = false;
            return {};
        }
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

AuthResult refuse(std::string message) {
    return {false, {}, std::move(message)};
}

bool algAllowed(const std::string& alg, bool withSecret) {
    if (withSecret) return alg == "HS256";
    return alg == "RS256" || alg == "RS384" || alg == "RS512" || alg == "ES256" || alg == "ES384" || alg == "ES512";
}

}  // namespace

ApiAuth::ApiAuth(AuthOptions options) : m_options(std::move(options)) {
    if (m_options.jwt) {
        const JwtOptions& j = *m_options.jwt;
        if (j.secret.empty() == j.publicKeyPem.empty()) throwBadInput("JWT needs either a secret (HS256) or a public key (RS256/ES256)");
        if (!j.publicKeyPem.empty() && j.publicKeyPem.find("-----BEGIN") == std::string::npos)
            throwBadInput("the JWT public key is not a PEM file (-----BEGIN PUBLIC KEY-----)");
    }
}

AuthResult ApiAuth::authorize(const HttpRequest& request) const {
    if (!enabled()) return {true, "anonymous", {}};
    const std::string& header = request.header("authorization");
    if (header.empty()) return refuse("no API key: send it as the header Authorization: Bearer KEY");
    const std::string token = bearerToken(header);
    if (token.empty()) return refuse("the Authorization header is not \"Bearer KEY\"");
    if (!m_options.apiKey.empty() && constantTimeEquals(token, m_options.apiKey)) return {true, "api-key", {}};
    // A key-shaped string is checked as a key only: a JWT has exactly two dots.
    if (m_options.jwt && std::count(token.begin(), token.end(), '.') == 2)
        return verifyJwt(token, static_cast<int64_t>(std::time(nullptr)));
    return refuse(m_options.jwt ? "invalid API key or token" : "invalid API key");
}

AuthResult ApiAuth::verifyJwt(const std::string& token, int64_t now) const {
    if (!m_options.jwt) return refuse("JWT is not configured");
    const JwtOptions& o = *m_options.jwt;
    if (token.size() > kMaxTokenBytes) return refuse("the token is too long");
    const size_t dot = token.find('.');
    if (dot == std::string::npos || std::count(token.begin(), token.end(), '.') != 2) return refuse("the token is not a JWT");
    // The header is read before libjwt sees the token, so the algorithm is ours to choose, not the
    // token's (a token saying HS256 must never be checked with a public key as the HMAC secret).
    bool ok = false;
    const std::string headerText = base64UrlDecode(std::string_view(token).substr(0, dot), ok);
    std::string alg;
    try {
        const json h = ok ? parseJsonLimited(headerText) : json();
        if (h.is_object() && h.contains("alg") && h["alg"].is_string()) alg = h["alg"].get<std::string>();
    } catch (const json::exception&) {
    }
    if (alg.empty()) return refuse("the token's header is malformed");
    const bool withSecret = !o.secret.empty();
    if (!algAllowed(alg, withSecret)) return refuse("the token's algorithm " + alg + " is not accepted here");

    const std::string& key = withSecret ? o.secret : o.publicKeyPem;
    jwt_t* raw = nullptr;
    const int rc = jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(key.data()), static_cast<int>(key.size()));
    std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt(raw, jwt_free);
    if (rc != 0 || !jwt) return refuse("the token's signature does not verify");
    if (jwt_str_alg(alg.c_str()) != jwt_get_alg(jwt.get())) return refuse("the token's algorithm does not match its header");

    std::unique_ptr<char, void (*)(void*)> claimsText(jwt_get_grants_json(jwt.get(), nullptr), std::free);
    json claims;
    try {
        claims = claimsText ? parseJsonLimited(claimsText.get()) : json();
    } catch (const json::exception&) {
    }
    if (!claims.is_object()) return refuse("the token's claims are malformed");
    if (!claims.contains("exp") || !claims["exp"].is_number()) return refuse("the token has no expiry (exp)");
    if (claims["exp"].get<double>() + static_cast<double>(o.leewaySeconds) <= static_cast<double>(now))
        return refuse("the token has expired");
    if (claims.contains("nbf")) {
        if (!claims["nbf"].is_number()) return refuse("the token's nbf is not a number");
        if (claims["nbf"].get<double>() - static_cast<double>(o.leewaySeconds) > static_cast<double>(now))
            return refuse("the token is not valid yet (nbf)");
    }
    if (!o.audience.empty()) {
        bool match = false;
        if (claims.contains("aud")) {
            const json& aud = claims["aud"];
            if (aud.is_string()) match = aud.get<std::string>() == o.audience;
            if (aud.is_array())
                for (const json& a : aud) match = match || (a.is_string() && a.get<std::string>() == o.audience);
        }
        if (!match) return refuse("the token is not for this audience");
    }
    std::string sub = "jwt";
    if (claims.contains("sub") && claims["sub"].is_string() && !claims["sub"].get<std::string>().empty()) {
        sub = toValidUtf8(claims["sub"].get<std::string>());
        sub.resize(utf8CompletePrefix(std::string_view(sub).substr(0, 256)));  // an identity for the log, not a payload
    }
    return {true, sub, {}};
}

}  // namespace sightline::server
