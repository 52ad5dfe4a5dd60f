// The options of `sightline-cli serve` that decide who may call the API and what is recorded:
// the API key (--api-key, $SIGHTLINE_API_KEY, or the key file, created on first use), --no-auth
// (loopback only), JWT (--jwt-secret / --jwt-public-key, --jwt-audience), the request log, and the
// optional upload preprocessing. Kept apart from cli_main.cpp's serve command so each stays small.
#pragma once

#include <set>
#include <string>

#include "cli_options.h"
#include "openai_api.h"

namespace sightline::cli {

// Value options and flags this adds to `serve`.
std::set<std::string> serveSecurityOptions();
std::set<std::string> serveSecurityFlags();

// Fills options.auth, options.requestLog and options.imagePreprocess from the arguments, and
// prints to stderr where the key is stored (never the key) and a warning for a non-loopback host.
// Throws Error(BadInput): --no-auth with a non-loopback host (or with a key or JWT option), a JWT
// key file that cannot be read, a bad --request-log-content, a negative size.
void configureServeApi(const Args& args, const std::string& host, server::ApiOptions& options);

}  // namespace sightline::cli
