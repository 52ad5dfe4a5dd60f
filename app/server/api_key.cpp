#include "api_key.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "moderation.h"
#include "sightline/error.h"

namespace sightline::server {

namespace {

constexpr size_t kKeyRandomBytes = 32;
constexpr size_t kMaxKeyFileBytes = 4096;

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    size_t at = 0;
    while (at < s.size() && (s[at] == ' ' || s[at] == '\t')) ++at;
    return s.substr(at);
}

// The file's key, "" when it does not exist.
std::string readKey(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);  // a FIFO must not block
    if (fd < 0) {
        if (errno == ENOENT) return {};
        throwBadInput("cannot open the API key file " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= static_cast<off_t>(kMaxKeyFileBytes);
    std::string text(kMaxKeyFileBytes, '\0');
    const ssize_t n = regular ? ::read(fd, text.data(), text.size()) : -1;
    ::close(fd);
    if (n < 0) throwBadInput("the API key file " + path + " is not a small regular file");
    if (st.st_mode & 077) throwBadInput("the API key file " + path + " may be read by other users; make it private (chmod 600)");
    text.resize(static_cast<size_t>(n));
    text = trimmed(text);
    if (text.empty()) throwBadInput("the API key file " + path + " is empty");
    return text;
}

void makeFolder(const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(path).parent_path();
    std::error_code ec;
    if (dir.empty() || fs::exists(dir, ec)) return;
    fs::create_directories(dir, ec);
    if (ec) throwBadInput("cannot create the folder of the API key " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
}

// Writes `key` to a new 0600 file next to `path`; returns its name.
std::string writeTemp(const std::string& path, const std::string& key) {
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throwBadInput("cannot create the API key file " + path + ": " + std::strerror(errno));
    const std::string text = key + "\n";
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
        ::unlink(tmp.c_str());
        throwBadInput("cannot write the API key file " + path);
    }
    return tmp;
}

}  // namespace

std::string defaultApiKeyPath() {
    if (const char* p = std::getenv("SIGHTLINE_API_KEY_FILE"); p && *p) return p;
    // The folder of the audit key: one rule for where Sightline keeps its secrets.
    const std::filesystem::path dir = std::filesystem::path(moderation::defaultAuditKeyPath()).parent_path();
    return (dir.empty() ? std::filesystem::path("api.key") : dir / "api.key").string();
}

std::string generateApiKey() {
    unsigned char raw[kKeyRandomBytes];
    if (RAND_bytes(raw, sizeof raw) != 1) throw Error(ErrorKind::Internal, "no random bytes for the API key");
    static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string key = "sl-";
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char b : raw) {
        acc = (acc << 8) | b;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            key += kAlphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0) key += kAlphabet[(acc << (6 - bits)) & 63];
    OPENSSL_cleanse(raw, sizeof raw);
    return key;
}

std::string readApiKey(const std::string& path) {
    return readKey(path);
}

std::string loadOrCreateApiKey(const std::string& path, bool* created) {
    if (created) *created = false;
    if (std::string key = readKey(path); !key.empty()) return key;
    makeFolder(path);
    const std::string tmp = writeTemp(path, generateApiKey());
    const int linked = ::link(tmp.c_str(), path.c_str());  // fails with EEXIST when another process was first
    const int linkErr = errno;
    ::unlink(tmp.c_str());
    if (linked != 0 && linkErr != EEXIST) throwBadInput("cannot create the API key file " + path + ": " + std::strerror(linkErr));
    if (created) *created = linked == 0;
    return readKey(path);  // ours, or the one another process published first
}

std::string regenerateApiKey(const std::string& path) {
    makeFolder(path);
    const std::string key = generateApiKey();
    const std::string tmp = writeTemp(path, key);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throwBadInput("cannot replace the API key file " + path + ": " + std::strerror(err));
    }
    return key;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
    // Every byte of the longer one is read whatever the contents; only the lengths show in the time.
    const size_t n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff |= x ^ y;
    }
    return diff == 0;
}

std::string bearerToken(std::string_view h) {
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
    constexpr std::string_view kScheme = "bearer";
    if (h.size() <= kScheme.size()) return {};
    for (size_t i = 0; i < kScheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(h[i])) != kScheme[i]) return {};
    if (h[kScheme.size()] != ' ' && h[kScheme.size()] != '\t') return {};
    h.remove_prefix(kScheme.size());
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
    while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
    if (h.find_first_of(" \t") != std::string_view::npos) return {};
    return std::string(h);
}

}  // namespace sightline::server
