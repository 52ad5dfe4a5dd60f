// Queue import, hashing and policies.
#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "moderation.h"

namespace sightline::moderation {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// SHA-256 (FIPS 180-4).
class Sha256 {
public:
    void update(const uint8_t* data, size_t n) {
        for (size_t i = 0; i < n; ++i) {
            m_block[m_used++] = data[i];
            if (m_used == 64) {
                compress();
                m_used = 0;
            }
        }
        m_bits += uint64_t(n) * 8;
    }
    std::string hex() {
        const uint64_t bits = m_bits;
        uint8_t pad = 0x80;
        update(&pad, 1);
        const uint8_t zero = 0;
        while (m_used != 56) update(&zero, 1);
        uint8_t len[8];
        for (int i = 0; i < 8; ++i) len[i] = uint8_t(bits >> (56 - 8 * i));
        update(len, 8);
        static const char* digits = "0123456789abcdef";
        std::string out;
        for (uint32_t v : m_h)
            for (int s = 28; s >= 0; s -= 4) out += digits[(v >> s) & 0xF];
        return out;
    }

private:
    static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
    void compress() {
        static const uint32_t k[64] = {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
            0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
            0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
            0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
            0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
            0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
        uint32_t w[64];
        for (int i = 0; i < 16; ++i)
            w[i] = uint32_t(m_block[4 * i]) << 24 | uint32_t(m_block[4 * i + 1]) << 16 | uint32_t(m_block[4 * i + 2]) << 8 | m_block[4 * i + 3];
        for (int i = 16; i < 64; ++i) {
            const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = m_h[0], b = m_h[1], c = m_h[2], d = m_h[3], e = m_h[4], f = m_h[5], g = m_h[6], h = m_h[7];
        for (int i = 0; i < 64; ++i) {
            const uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
            const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        m_h[0] += a, m_h[1] += b, m_h[2] += c, m_h[3] += d, m_h[4] += e, m_h[5] += f, m_h[6] += g, m_h[7] += h;
    }
    std::array<uint32_t, 8> m_h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint8_t m_block[64] = {};
    size_t m_used = 0;
    uint64_t m_bits = 0;
};

// RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines.
std::vector<std::vector<std::string>> parseCsv(const std::string& s, const std::string& where) {
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
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
            rows.back().push_back(field);
            field.clear();
            fieldStarted = false;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
            rows.back().push_back(field);
            field.clear();
            fieldStarted = false;
            rows.emplace_back();
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (quoted) throwBadInput(where + ": unterminated quoted field");
    if (fieldStarted || !rows.back().empty()) rows.back().push_back(field);
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

std::string sha256Hex(const std::string& bytes) {
    Sha256 h;
    h.update(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    return h.hex();
}

std::string sha256OfFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    Sha256 h;
    char buf[1 << 16];
    while (in) {
        in.read(buf, sizeof buf);
        h.update(reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(in.gcount()));
    }
    return h.hex();
}

std::vector<QueueItem> importQueue(const std::string& path) {
    std::error_code ec;
    std::vector<QueueItem> items;
    if (fs::is_directory(path, ec)) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(path))
            if (e.is_regular_file() && isImageName(e.path())) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) items.push_back({f.filename().string(), f.string(), "", "", "", ""});
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) throwBadInput("cannot open queue " + path);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string content = ss.str();
        const std::string base = fs::path(path).parent_path().string();
        std::string ext = fs::path(path).extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
        if (ext == ".jsonl" || ext == ".ndjson") {
            std::istringstream lines(content);
            std::string line;
            int n = 0;
            while (std::getline(lines, line)) {
                ++n;
                if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
                json j;
                try {
                    j = json::parse(line);
                } catch (const json::exception& e) {
                    throwBadInput(path + ":" + std::to_string(n) + ": malformed JSON: " + e.what());
                }
                if (!j.is_object() || !j.contains("image") || !j["image"].is_string())
                    throwBadInput(path + ":" + std::to_string(n) + ": needs a string \"image\"");
                QueueItem it;
                it.imagePath = resolve(base, j["image"].get<std::string>());
                it.title = j.value("title", std::string());
                it.text = j.value("text", std::string());
                it.id = j.contains("id") ? (j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump()) : "line-" + std::to_string(n);
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
                it.title = cell(rows[i], "title");
                it.text = cell(rows[i], "text");
                it.id = cell(rows[i], "id");
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
        it.imageSha256 = sha256OfFile(it.imagePath);
        const std::string key = it.imageSha256 + "\n" + it.title + "\n" + it.text;
        if (it.imageSha256.empty()) continue;  // unreadable: judged as an error later, with its message
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
    p.rules = {"prohibited_goods: weapons, ammunition, explosives, drugs and drug paraphernalia, counterfeit goods, stolen goods, "
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
    const std::string version = "sha256:" + sha256Hex(body.dump()).substr(0, 12);
    body["version"] = version;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << body.dump(2) << "\n";
    if (!out) throwBadInput("cannot write policy " + path);
    return version;
}

Policy loadPolicy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throwBadInput("cannot open policy " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string content = ss.str();
    Policy p;
    const auto first = content.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && content[first] == '{') {
        json j;
        try {
            j = json::parse(content);
        } catch (const json::exception& e) {
            throwBadInput(path + ": malformed policy JSON: " + e.what());
        }
        p.name = j.value("name", fs::path(path).stem().string());
        p.systemPrompt = j.value("system_prompt", std::string());
        if (j.contains("rules") && j["rules"].is_array())
            for (const auto& r : j["rules"]) p.rules.push_back(r.is_string() ? r.get<std::string>() : r.dump());
        if (p.systemPrompt.empty()) throwBadInput(path + ": policy needs a \"system_prompt\"");
        p.version = j.value("version", std::string());
    } else {
        p.name = fs::path(path).stem().string();
        p.systemPrompt = content;
    }
    if (p.version.empty()) p.version = "sha256:" + sha256Hex(content).substr(0, 12);
    return p;
}

}  // namespace sightline::moderation
