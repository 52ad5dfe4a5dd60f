#include "image_inputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>

#include "http_server.h"
#include "moderation.h"
#include "sightline/error.h"
#include "sightline/image.h"

namespace sightline::server {

using json = nlohmann::ordered_json;  // the request as parsed: key order kept for the chat template

namespace {

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string base64Encode(const std::string& in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
        for (int k = 18; k >= 0; k -= 6) out += kB64[(v >> k) & 63];
    }
    if (i < in.size()) {
        const uint32_t v = uint32_t(uint8_t(in[i])) << 16 | (i + 1 < in.size() ? uint32_t(uint8_t(in[i + 1])) << 8 : 0);
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

// Decodes until the first character that is not base64 (whitespace skipped): enough for a header;
// the decoder proper reports malformed data.
std::string base64DecodeLoose(std::string_view in) {
    std::string out;
    out.reserve(in.size() / 4 * 3);
    uint32_t acc = 0;
    int bits = 0;
    for (char ch : in) {
        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') continue;
        const char* p = ch ? std::strchr(kB64, ch) : nullptr;
        if (!p) break;
        acc = (acc << 6) | uint32_t(p - kB64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

namespace {

std::string percentDecode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::strtol(s.substr(i + 1, 2).c_str(), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

bool under(const std::string& path, const std::vector<std::string>& folders) {
    for (const std::string& f : folders)
        if (path.size() > f.size() && path.compare(0, f.size(), f) == 0 && (f == "/" || path[f.size()] == '/')) return true;
    return false;
}

// Reads an allowed local file. Every way of not getting a file inside the folders gives the same
// message (missing, a symlink out, unreadable, not a regular file).
std::string readAllowedFile(const std::string& ref, const std::string& where, const std::vector<std::string>& folders, int64_t maxBytes) {
    const std::string refusal =
        where + ": cannot read \"" + ref + "\": it must be a readable regular file under a folder given to --allow-local-files";
    std::string path = ref.rfind("file://", 0) == 0 ? percentDecode(ref.substr(7)) : ref;
    char resolved[PATH_MAX];
    if (path.empty() || path.find('\0') != std::string::npos || !::realpath(path.c_str(), resolved) || !under(resolved, folders))
        throwBadInput(refusal);
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer; O_NOFOLLOW: the resolved
    // path's last part was no link a moment ago and must not have become one.
    const int fd = ::open(resolved, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) throwBadInput(refusal);
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    char opened[PATH_MAX];
    const std::string self = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(self.c_str(), opened, sizeof opened - 1);
    // What was opened must still be inside the folders (a folder on the way swapped for a link).
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || n <= 0 || !under(std::string(opened, static_cast<size_t>(n)), folders))
        throwBadInput(refusal);
    if (st.st_size > maxBytes)
        throw HttpError(413, where + ": the file is " + std::to_string(st.st_size) + " bytes, over the limit of " +
                                 std::to_string(maxBytes) + " bytes a file");
    std::string bytes(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < bytes.size()) {
        const ssize_t r = ::pread(fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += static_cast<size_t>(r);
    }
    bytes.resize(got);
    return bytes;
}

}  // namespace

std::vector<std::string> resolveAllowedFolders(const std::vector<std::string>& folders) {
    std::vector<std::string> out;
    for (const std::string& f : folders) {
        char resolved[PATH_MAX];
        struct stat st {};
        if (f.empty() || !::realpath(f.c_str(), resolved) || ::stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode))
            throwBadInput("--allow-local-files: \"" + f + "\" is not a folder");
        out.emplace_back(resolved);
    }
    return out;
}

bool probeImageSize(const std::string& s, int64_t& w, int64_t& h) {
    // The engine's header reader (the decoder uses the same one), so the cap and the decoder agree.
    try {
        const ImageProbe p = probeImage(reinterpret_cast<const uint8_t*>(s.data()), s.size(), "image");
        w = p.width;
        h = p.height;
        return true;
    } catch (const Error&) {
        return false;
    }
}

void prepareImages(json& messages, const ImageLimits& limits, const std::vector<std::string>& folders, const ImagePreprocess& preprocess,
                   std::vector<ImageDigest>* digests) {
    if (!messages.is_array()) return;  // parseChatJson refuses it with its own message
    int64_t total = 0;
    for (size_t i = 0; i < messages.size(); ++i) {
        json& m = messages[i];
        if (!m.is_object() || !m.contains("content") || !m["content"].is_array()) continue;
        json& parts = m["content"];
        for (size_t k = 0; k < parts.size(); ++k) {
            json& part = parts[k];
            std::string type = part.is_object() && part.contains("type") && part["type"].is_string() ? part["type"].get<std::string>() : "";
            if (type.empty() && part.is_object() && !part.contains("type") && part.contains("image"))
                type = "image";  // as parseChatJson reads it
            if (type != "image" && type != "image_url") continue;
            const std::string where = "messages[" + std::to_string(i) + "].content[" + std::to_string(k) + "]";
            // The reference, found by the keys parseChatJson reads, in its order.
            json* ref = nullptr;
            for (const char* key : {"image", "path", "url"})
                if (!ref && part.contains(key) && part[key].is_string()) ref = &part[key];
            if (!ref && part.contains("image_url")) {
                json& iu = part["image_url"];
                if (iu.is_string())
                    ref = &iu;
                else if (iu.is_object() && iu.contains("url") && iu["url"].is_string())
                    ref = &iu["url"];
            }
            if (!ref) continue;
            const std::string text = ref->get<std::string>();
            std::string bytes;
            if (text.rfind("data:", 0) == 0) {
                const size_t comma = text.find(',');
                if (comma == std::string::npos) continue;
                bytes = base64DecodeLoose(std::string_view(text).substr(comma + 1));
            } else if (folders.empty() || text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0 ||
                       (text.find("://") != std::string::npos && text.rfind("file://", 0) != 0)) {
                continue;  // refused by parseChatJson (local files off, remote URLs never fetched)
            } else {
                bytes = readAllowedFile(text, where, folders, limits.maxFileBytes);
                *ref = "data:application/octet-stream;base64," + base64Encode(bytes);
            }
            if (digests) digests->push_back({moderation::sha256Hex(bytes), static_cast<int64_t>(bytes.size())});
            int64_t w = 0, h = 0;
            if (!probeImageSize(bytes, w, h) || w <= 0 || h <= 0) continue;  // the decoder says what is wrong
            if (w > limits.maxImagePixels || h > limits.maxImagePixels || w * h > limits.maxImagePixels)
                throw HttpError(413, where + ": image is " + std::to_string(w) + "x" + std::to_string(h) + " pixels, over the limit of " +
                                         std::to_string(limits.maxImagePixels) + " pixels an image");
            total += w * h;
            if (preprocess.active()) {
                std::string out = preprocessUpload(bytes, preprocess, limits.maxImagePixels, where);
                if (out.size() != bytes.size() || out != bytes) {
                    if (digests) digests->back().preprocessedBytes = static_cast<int64_t>(out.size());
                    *ref = "data:image/jpeg;base64," + base64Encode(out);
                }
            }
            if (total > limits.maxRequestPixels)
                throw HttpError(413, where + ": the request's images come to " + std::to_string(total) + " pixels, over the limit of " +
                                         std::to_string(limits.maxRequestPixels) + " pixels a request");
        }
    }
}

}  // namespace sightline::server
