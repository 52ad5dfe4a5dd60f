#include "cli_serve.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "api_key.h"
#include "moderation.h"
#include "sightline/error.h"

namespace sightline::cli {

std::set<std::string> serveSecurityOptions() {
    return {"--api-key",
            "--api-key-file",
            "--jwt-secret",
            "--jwt-public-key",
            "--jwt-audience",
            "--request-log",
            "--request-log-max-mb",
            "--request-log-keep",
            "--request-log-content",
            "--max-image-side",
            "--reencode-jpeg-above-kb"};
}

std::set<std::string> serveSecurityFlags() {
    return {"--no-auth"};
}

void configureServeApi(const Args& a, const std::string& host, server::ApiOptions& o) {
    const bool loopback = server::isLoopbackHost(host);
    const char* envKey = std::getenv("SIGHTLINE_API_KEY");
    server::AuthOptions auth;
    if (a.value("--jwt-secret") || a.value("--jwt-public-key")) {
        if (a.value("--jwt-secret") && a.value("--jwt-public-key")) throwBadInput("give --jwt-secret or --jwt-public-key, not both");
        server::JwtOptions jwt;
        jwt.secret = a.value("--jwt-secret").value_or("");
        if (auto pem = a.value("--jwt-public-key"))  // a regular file, size-capped, never blocking on a FIFO
            jwt.publicKeyPem = moderation::readImageFile(*pem, 64 * 1024);
        jwt.audience = a.value("--jwt-audience").value_or("");
        auth.jwt = jwt;
    } else if (a.value("--jwt-audience")) {
        throwBadInput("--jwt-audience needs --jwt-secret or --jwt-public-key");
    }
    if (a.flag("--no-auth")) {
        if (!loopback)
            throwBadInput("--no-auth is accepted only with a loopback --host (127.0.0.1, ::1, localhost); " + host +
                          " is reachable from other machines");
        if (a.value("--api-key") || a.value("--api-key-file") || auth.jwt)
            throwBadInput("--no-auth cannot be combined with a key or JWT option");
        std::fprintf(stderr, "sightline-cli: the API has no authentication (--no-auth): any program on this machine may use it\n");
    } else if (auto key = a.value("--api-key")) {
        if (key->empty()) throwBadInput("--api-key must not be empty");
        auth.apiKey = *key;
    } else if (envKey && *envKey && !a.value("--api-key-file")) {
        auth.apiKey = envKey;
    } else {
        const std::string path = a.value("--api-key-file").value_or(server::defaultApiKeyPath());
        bool created = false;
        auth.apiKey = server::loadOrCreateApiKey(path, &created);
        std::fprintf(stderr, "sightline-cli: the API key is %s %s (send it as Authorization: Bearer KEY)\n",
                     created ? "new, stored in" : "in", path.c_str());
    }
    if (!loopback) {
        // Unreachable without auth: --no-auth was refused above, and a key always exists otherwise.
        if (auth.apiKey.empty() && !auth.jwt) throwBadInput("refusing to serve " + host + " without authentication");
        std::fprintf(stderr,
                     "sightline-cli: WARNING: --host %s makes the API reachable from other machines; every request needs the key%s "
                     "(plain HTTP: put a TLS proxy in front for anything but a trusted network)%s\n",
                     host.c_str(), auth.jwt ? " or a valid token" : "",
                     o.localFileFolders.empty() ? "" : "; callers may read images under the --allow-local-files folders");
    }
    o.auth = std::make_shared<server::ApiAuth>(auth);

    if (auto path = a.value("--request-log")) {
        server::RequestLogOptions lo;
        lo.path = *path;
        const double mb = a.number("--request-log-max-mb", 16);
        const long long keep = a.integer("--request-log-keep", 5);
        if (!(mb >= 0.001 && mb <= 1e6) || keep < 0 || keep > 1000)
            throwBadInput("--request-log-max-mb must be 0.001-1000000 (fractions allowed) and --request-log-keep 0-1000");
        lo.maxBytes = static_cast<int64_t>(mb * (1 << 20));
        lo.keep = static_cast<int>(keep);
        const std::string content = a.value("--request-log-content").value_or("masked");
        if (content == "masked")
            lo.content = server::RequestLogContent::Masked;
        else if (content == "none")
            lo.content = server::RequestLogContent::None;
        else
            throwBadInput("--request-log-content must be masked or none, got \"" + content + "\"");
        // Refused now rather than failing quietly on every request (a missing folder, no permission).
        const int fd = ::open(lo.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
        if (fd < 0) throwBadInput("cannot open the request log " + lo.path + ": " + std::strerror(errno));
        ::close(fd);
        o.requestLog = std::make_shared<server::RequestLog>(lo);
    } else if (a.value("--request-log-max-mb") || a.value("--request-log-keep") || a.value("--request-log-content")) {
        throwBadInput("--request-log-max-mb, --request-log-keep and --request-log-content need --request-log FILE");
    }

    const long long side = a.integer("--max-image-side", 0);
    const long long kb = a.integer("--reencode-jpeg-above-kb", 0);
    if (side < 0 || side > 100000 || kb < 0) throwBadInput("--max-image-side must be 0-100000 and --reencode-jpeg-above-kb not negative");
    if ((side > 0 || kb > 0) && !server::jpegEncodeSupported())
        throwBadInput("--max-image-side and --reencode-jpeg-above-kb need JPEG support (libjpeg), which this build lacks");
    o.imagePreprocess.maxSide = static_cast<int>(side);
    o.imagePreprocess.reencodeJpegAboveBytes = kb * 1024;
}

}  // namespace sightline::cli
