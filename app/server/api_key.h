// The local API's key: generated, stored and compared. Qt-free; any thread.
//
// A key is "sl-" followed by 32 random bytes (OpenSSL RAND_bytes) as 43 base64url characters. It
// is stored alone in a file of mode 0600 (default: defaultApiKeyPath()), created on first use and
// shared by `sightline-cli serve` and the app, so either shows the one key a client needs.
#pragma once

#include <string>
#include <string_view>

namespace sightline::server {

// $SIGHTLINE_API_KEY_FILE, else api.key in the folder of the audit key (moderation::
// defaultAuditKeyPath: $SIGHTLINE_AUDIT_KEY's folder, else $XDG_CONFIG_HOME/sightline, else
// ~/.config/sightline).
std::string defaultApiKeyPath();

// A new random key ("sl-" + 43 base64url characters). Throws Error(Internal) without randomness.
std::string generateApiKey();

// The key stored at `path`, "" when there is no such file. Throws as loadOrCreateApiKey.
std::string readApiKey(const std::string& path);

// The key stored at `path`; when the file does not exist, a new key is generated and published
// there atomically (mode 0600; two processes starting at once end up with the same key). *created
// says whether this call made it. Throws Error(BadInput) for a file others may read, one that is
// not a small regular file, or an empty one.
std::string loadOrCreateApiKey(const std::string& path, bool* created = nullptr);

// Replaces the key at `path` with a new one (written to a temporary file and renamed over, 0600);
// returns it. Throws Error(BadInput) when the file cannot be written.
std::string regenerateApiKey(const std::string& path);

// Equality of two secrets in time that depends only on their lengths, never on where they differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

// The token of an `Authorization: Bearer TOKEN` header value ("" when it is not one). The scheme
// is case-insensitive; surrounding spaces are dropped.
std::string bearerToken(std::string_view authorization);

}  // namespace sightline::server
