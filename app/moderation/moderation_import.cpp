// Queue import, image files, hashing and policies.
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "moderation.h"
#include "sightline/untrusted.h"

namespace sightline::moderation {
namespace fs = std::filesystem;
using nlohmann::json;

void forEachCsvRecord(const std::string& s, const std::string& where,
                      const std::function<void(size_t number, std::vector<std::string>& fields)>& onRecord) {
    std::vector<std::string> record;
    std::string field;
    size_t number = 1;
    bool quoted = false, fieldStarted = false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < s.size() && s[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                field += c;
            }
        } else if (c == '"' && !fieldStarted) {
            quoted = true;
            fieldStarted = true;
        } else if (c == ',') {
            record.push_back(std::move(field));
            field.clear();
            fieldStarted = false;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
            record.push_back(std::move(field));
            field.clear();
            fieldStarted = false;
            onRecord(number++, record);
            record.clear();
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (quoted) throwBadInput(where + ": unterminated quoted field");
    if (fieldStarted || !record.empty()) {
        record.push_back(std::move(field));
        onRecord(number, record);
    }
}

namespace {

std::vector<std::vector<std::string>> parseCsv(const std::string& s, const std::string& where) {
    std::vector<std::vector<std::string>> rows;
    forEachCsvRecord(s, where, [&rows](size_t, std::vector<std::string>& fields) { rows.push_back(std::move(fields)); });
    while (!rows.empty() && (rows.back().empty() || (rows.back().size() == 1 && rows.back()[0].empty()))) rows.pop_back();
    return rows;
}

std::string resolve(const std::string& base, const std::string& p) {
    if (p.empty() || p[0] == '/') return p;
    return (fs::path(base) / p).lexically_normal().string();
}

bool isImageName(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".webp" || ext == ".bmp" || ext == ".gif";
}

}  // namespace

std::string toHex(const unsigned char* p, size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 0xF];
    }
    return out;
}

std::string sha256Hex(const std::string& bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr) != 1) throw Error(ErrorKind::Internal, "SHA-256 failed");
    return toHex(md, n);
}

std::string hmacSha256Hex(const std::string& key, const std::string& data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), md,
              &n))
        throw Error(ErrorKind::Internal, "HMAC-SHA256 failed");
    return toHex(md, n);
}

namespace {

// Regular files only, at most maxBytes, opened without blocking. `what` names the file's role in
// messages ("image", "queue", "policy").
std::string readRegularFile(const std::string& path, int64_t maxBytes, const std::string& what) {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        const int err = errno;
        throwBadInput(path + (err == ENOENT ? ": no such " + what + " file" : ": cannot open " + what + ": " + std::strerror(err)));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throwBadInput(path + ": cannot read " + what + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throwBadInput(path + " is a folder, not an " + what + " file");
    if (!S_ISREG(st.st_mode)) throwBadInput(path + " is not a regular file (device, FIFO or socket): not read");
    if (st.st_size > maxBytes)
        throwBadInput(path + " is " + std::to_string(st.st_size) + " bytes, over the " + what + " limit of " + std::to_string(maxBytes));
    // Reads at most maxBytes + 1 even if the file grows meanwhile.
    std::string bytes;
    bytes.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (true) {
        if (got == bytes.size()) {
            if (static_cast<int64_t>(bytes.size()) > maxBytes) throwBadInput(path + " grew over the " + what + " limit while being read");
            bytes.resize(std::min<size_t>(static_cast<size_t>(maxBytes) + 1, bytes.size() + (1 << 16)));
            if (got == bytes.size()) break;
        }
        const ssize_t r = ::read(fd, bytes.data() + got, bytes.size() - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throwBadInput(path + ": cannot read " + what + ": " + std::strerror(errno));
        if (r == 0) break;
        got += static_cast<size_t>(r);
    }
    bytes.resize(got);
    return bytes;
}

constexpr int64_t kMaxQueueFileBytes = int64_t(1) << 30;
constexpr int64_t kMaxPolicyFileBytes = int64_t(16) << 20;

}  // namespace

std::string readImageFile(const std::string& path, int64_t maxBytes) {
    return readRegularFile(path, maxBytes, "image");
}

std::string readInputFile(const std::string& path, int64_t maxBytes, const std::string& what) {
    return readRegularFile(path, maxBytes, what);
}

std::string sha256OfFile(const std::string& path, std::string* error) {
    try {
        return sha256Hex(readImageFile(path));
    } catch (const Error& e) {
        if (error) *error = e.what();
        return {};
    }
}

std::string ImportReport::summary() const {
    std::string s;
    if (missingImages > 0) {
        s = std::to_string(missingImages) + (missingImages == 1 ? " image is" : " images are") +
            " missing or unreadable (those items will fail): ";
        for (size_t i = 0; i < missingExamples.size(); ++i) s += (i ? "; " : "") + missingExamples[i];
        if (missingImages > static_cast<int64_t>(missingExamples.size())) s += "; …";
    }
    for (const auto& w : warnings) s += (s.empty() ? "" : "\n") + w;
    return s;
}

std::vector<QueueItem> importQueue(const std::string& path, ImportReport* report) {
    ImportReport localReport;
    ImportReport& rep = report ? *report : localReport;
    constexpr size_t kMaxWarnings = 20;
    auto warn = [&](const std::string& w) {
        if (rep.warnings.size() < kMaxWarnings)
            rep.warnings.push_back(w);
        else if (rep.warnings.size() == kMaxWarnings)
            rep.warnings.push_back("more rows were converted; only the first " + std::to_string(kMaxWarnings) + " are named");
    };
    std::error_code ec;
    std::vector<QueueItem> items;
    if (fs::is_directory(path, ec)) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(path))
            if (e.is_regular_file() && isImageName(e.path())) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) items.push_back({f.filename().string(), f.string(), "", "", "", ""});
    } else {
        std::string ext = fs::path(path).extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
        if (ext != ".jsonl" && ext != ".ndjson" && ext != ".csv")
            throwBadInput(path + ": a queue is a folder of images, a .csv or a .jsonl file");
        const std::string content = readRegularFile(path, kMaxQueueFileBytes, "queue");
        const std::string base = fs::path(path).parent_path().string();
        if (ext == ".jsonl" || ext == ".ndjson") {
            std::istringstream lines(content);
            std::string line;
            int n = 0;
            while (std::getline(lines, line)) {
                ++n;
                if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
                bool converted = false;
                line = decodeLegacyText(line, &converted);
                if (converted) warn(path + ":" + std::to_string(n) + ": not UTF-8; read as Windows-1252/Latin-1 and converted");
                json j;
                try {
                    j = parseJsonLimited(line);
                } catch (const json::exception& e) {
                    throwBadInput(path + ":" + std::to_string(n) + ": malformed JSON: " + toValidUtf8(e.what()));
                }
                if (!j.is_object() || !j.contains("image") || !j["image"].is_string())
                    throwBadInput(path + ":" + std::to_string(n) + ": needs a string \"image\"");
                QueueItem it;
                it.imagePath = resolve(base, j["image"].get<std::string>());
                auto textField = [&](const char* key) {
                    if (!j.contains(key) || j[key].is_null()) return std::string();
                    if (!j[key].is_string()) throwBadInput(path + ":" + std::to_string(n) + ": \"" + key + "\" must be a string");
                    return j[key].get<std::string>();
                };
                it.title = textField("title");
                it.text = textField("text");
                if (j.contains("id") && (j["id"].is_object() || j["id"].is_array()))
                    throwBadInput(path + ":" + std::to_string(n) + ": \"id\" must be a string or a number");
                it.id =
                    j.contains("id") ? (j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump()) : "line-" + std::to_string(n);
                items.push_back(std::move(it));
            }
        } else if (ext == ".csv") {
            const auto rows = parseCsv(content, path);
            if (rows.empty()) throwBadInput(path + ": empty CSV");
            std::map<std::string, size_t> col;
            for (size_t i = 0; i < rows[0].size(); ++i) {
                std::string h = rows[0][i];
                if (i == 0 && h.rfind("\xEF\xBB\xBF", 0) == 0) h = h.substr(3);  // UTF-8 BOM
                std::transform(h.begin(), h.end(), h.begin(), ::tolower);
                col[h] = i;
            }
            if (!col.count("image")) throwBadInput(path + ": the header has no \"image\" column");
            auto cell = [&](const std::vector<std::string>& r, const char* k) {
                auto it = col.find(k);
                return it != col.end() && it->second < r.size() ? r[it->second] : std::string();
            };
            for (size_t i = 1; i < rows.size(); ++i) {
                QueueItem it;
                it.imagePath = resolve(base, cell(rows[i], "image"));
                if (it.imagePath.empty()) throwBadInput(path + ": row " + std::to_string(i + 1) + " has no image");
                std::string convertedColumns;
                auto text = [&](const char* k) {
                    bool converted = false;
                    std::string v = decodeLegacyText(cell(rows[i], k), &converted);
                    if (converted) convertedColumns += (convertedColumns.empty() ? "" : ", ") + std::string(k);
                    return v;
                };
                it.title = text("title");
                it.text = text("text");
                it.id = text("id");
                if (!convertedColumns.empty())
                    warn(path + ": row " + std::to_string(i + 1) + ": " + convertedColumns +
                         " not UTF-8; read as Windows-1252/Latin-1 and converted");
                if (it.id.empty()) it.id = "row-" + std::to_string(i + 1);
                items.push_back(std::move(it));
            }
        } else {
            throwBadInput(path + ": a queue is a folder of images, a .csv or a .jsonl file");
        }
    }
    // Hashes and duplicates (same image content and same text).
    std::map<std::string, std::string> firstSeen;
    std::map<std::string, int> idCount;
    for (auto& it : items) {
        if (++idCount[it.id] > 1) throwBadInput(path + ": id \"" + it.id + "\" appears more than once");
        std::string why;
        it.imageSha256 = sha256OfFile(it.imagePath, &why);
        const std::string key = it.imageSha256 + "\n" + it.title + "\n" + it.text;
        if (it.imageSha256.empty()) {  // unreadable: judged as an error later, with its message
            constexpr size_t kExamples = 3;
            if (rep.missingExamples.size() < kExamples) rep.missingExamples.push_back(toValidUtf8(why));
            ++rep.missingImages;
            continue;
        }
        auto [pos, fresh] = firstSeen.emplace(key, it.id);
        if (!fresh) it.duplicateOf = pos->second;
    }
    return items;
}

std::string Policy::render() const {
    std::string s = systemPrompt + "\n\nRules:\n";
    for (size_t i = 0; i < rules.size(); ++i) s += std::to_string(i + 1) + ". " + rules[i] + "\n";
    s += "\nAnswer with one JSON object and nothing else:\n"
         "{\"verdict\": \"approve\" | \"reject\" | \"review\", \"reasons\": [short strings], \"categories\": [rule names], "
         "\"confidence\": number from 0 to 1}";
    return s;
}

Policy defaultPolicy() {
    Policy p;
    p.name = "E-commerce listings (default)";
    p.systemPrompt =
        "You are a content moderator for an online marketplace. You see one product listing: its image, title and description. "
        "Decide whether it may be published under the rules below. Reject clear violations, approve clean listings, and answer "
        "\"review\" when a human must look (unclear image, borderline case).";
    p.rules = {
        "prohibited_goods: weapons, ammunition, explosives, drugs and drug paraphernalia, counterfeit goods, stolen goods, "
        "tobacco and vaping products, recalled items, live animals, human remains",
        "false_medical_claims: claims that a product cures, treats or prevents a disease, or replaces prescribed medicine",
        "misleading_advertising: the image does not show the product described, fake discounts, bait-and-switch, fake reviews",
        "adult_content: nudity, sexual content or sexual services",
        "violence: graphic violence, gore, or content glorifying violence or hate"};
    std::string all = p.systemPrompt;
    for (const auto& r : p.rules) all += "\n" + r;
    p.version = "default-1:" + sha256Hex(all).substr(0, 12);
    return p;
}

std::string savePolicy(const Policy& p, const std::string& path) {
    json body = {{"name", p.name}, {"system_prompt", p.systemPrompt}, {"rules", p.rules}};
    const std::string version = "sha256:" + sha256Hex(body.dump(-1, ' ', false, json::error_handler_t::replace)).substr(0, 12);
    body["version"] = version;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << body.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    if (!out) throwBadInput("cannot write policy " + path);
    return version;
}

Policy loadPolicy(const std::string& path) {
    const std::string content = readRegularFile(path, kMaxPolicyFileBytes, "policy");
    Policy p;
    const auto first = content.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && content[first] == '{') {
        json j;
        try {
            j = parseJsonLimited(decodeLegacyText(content));
        } catch (const json::exception& e) {
            throwBadInput(path + ": malformed policy JSON: " + toValidUtf8(e.what()));
        }
        if (!j.is_object()) throwBadInput(path + ": a policy is a JSON object");
        for (const char* key : {"name", "system_prompt", "version"})
            if (j.contains(key) && !j[key].is_string()) throwBadInput(path + ": policy \"" + key + "\" must be a string");
        p.name = j.value("name", fs::path(path).stem().string());
        p.systemPrompt = j.value("system_prompt", std::string());
        if (j.contains("rules") && j["rules"].is_array())
            for (const auto& r : j["rules"]) p.rules.push_back(r.is_string() ? r.get<std::string>() : r.dump());
        if (p.systemPrompt.empty()) throwBadInput(path + ": policy needs a \"system_prompt\"");
        p.version = j.value("version", std::string());
    } else {
        p.name = fs::path(path).stem().string();
        p.systemPrompt = decodeLegacyText(content);
        // The same rule as a JSON policy: what loads must also save and load again.
        if (p.systemPrompt.find_first_not_of(" \t\r\n") == std::string::npos) throwBadInput(path + ": the policy is empty");
    }
    if (p.version.empty()) p.version = "sha256:" + sha256Hex(content).substr(0, 12);
    return p;
}

}  // namespace sightline::moderation
