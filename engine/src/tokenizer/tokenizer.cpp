// Byte-level BPE over a tokenizer.json (GLM-4 / tiktoken family).
//   encode: split on added tokens (longest match first) → Split regex (PCRE2, UTF + UCP, JIT)
//           → GPT-2 bytes_to_unicode → BPE by merge rank → ids
//   decode: ids → token strings → reverse byte map → bytes
#include "sightline/tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "sightline/error.h"
#include "sightline/untrusted.h"
#include "util/files.h"

namespace sightline {
namespace {

using nlohmann::json;

// GPT-2 bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 + n.
std::array<uint32_t, 256> makeByteToUnicode() {
    std::array<uint32_t, 256> table{};
    std::vector<bool> direct(256, false);
    for (int b = '!'; b <= '~'; ++b) direct[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
    uint32_t n = 0;
    for (int b = 0; b < 256; ++b) table[b] = direct[b] ? static_cast<uint32_t>(b) : 256 + n++;
    return table;
}

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Decodes one code point at s[i]; returns its length, 0 if invalid.
size_t decodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return 0;
    cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

struct PairHash {
    size_t operator()(const std::pair<int32_t, int32_t>& p) const noexcept {
        return std::hash<int64_t>()((static_cast<int64_t>(p.first) << 32) ^ static_cast<uint32_t>(p.second));
    }
};

}  // namespace

// The UTF-8 rule lives in sightline/utf8.h; these names stay for the tokenizer's callers.
size_t completeUtf8Prefix(std::string_view bytes) {
    return utf8CompletePrefix(bytes);
}
std::string repairUtf8(std::string_view bytes) {
    return toValidUtf8(bytes);
}

struct Tokenizer::Impl {
    std::unordered_map<std::string, int32_t> vocab;  // byte-level-encoded token → id
    std::vector<std::string> idToToken;              // id → byte-level string (or added content)
    std::vector<std::string> idToBytes;              // id → raw bytes
    std::unordered_map<std::pair<int32_t, int32_t>, std::pair<int32_t, int32_t>, PairHash> merges;  // → (rank, merged id)
    std::vector<std::pair<std::string, int32_t>> added;                                             // sorted longest first
    std::unordered_set<int32_t> specialIds;
    std::unordered_map<std::string, int32_t> addedByContent;
    std::array<uint32_t, 256> byteToUnicode{};
    std::array<int32_t, 256> byteTokenIds{};          // the vocabulary id of each single byte (checked at load)
    static constexpr size_t kCachedPieceBytes = 256;  // longer pieces are rare and would bloat the cache
    std::unordered_map<uint32_t, uint8_t> unicodeToByte;
    pcre2_code* regex = nullptr;
    bool byteLevel = true;

    mutable std::mutex cacheMutex;
    mutable std::unordered_map<std::string, std::vector<int32_t>> cache;

    ~Impl() {
        if (regex) pcre2_code_free(regex);
    }

    void bpe(std::string_view piece, std::vector<int64_t>& out) const;
    void encodeOrdinary(std::string_view text, std::vector<int64_t>& out) const;
};

void Tokenizer::Impl::bpe(std::string_view piece, std::vector<int64_t>& out) const {
    if (piece.size() <= kCachedPieceBytes) {
        std::lock_guard lock(cacheMutex);
        auto it = cache.find(std::string(piece));
        if (it != cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    // Hugging Face's Word::merge_all: a queue of adjacent pairs by (merge rank, position); the lowest
    // is merged, its new neighbour pairs join the queue, stale entries are skipped. O(n log n) in
    // the piece's length, so a megabyte without a space does not stall the request.
    struct Symbol {
        int32_t id;
        int32_t prev, next;  // neighbours still alive, -1 at the ends
        bool alive = true;
    };
    struct Candidate {
        int32_t rank, pos, left, right;  // the pair (left, right) at symbols[pos] when queued
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    if (piece.size() > static_cast<size_t>(INT32_MAX)) throwBadInput("text too long to tokenize");
    const auto n = static_cast<int32_t>(piece.size());
    std::vector<Symbol> sym;
    sym.reserve(piece.size());
    for (int32_t i = 0; i < n; ++i)
        sym.push_back({byteTokenIds[static_cast<unsigned char>(piece[static_cast<size_t>(i)])], i - 1, i + 1 < n ? i + 1 : -1});
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    auto consider = [&](int32_t pos) {
        const int32_t next = sym[static_cast<size_t>(pos)].next;
        if (next < 0) return;
        const int32_t l = sym[static_cast<size_t>(pos)].id, r = sym[static_cast<size_t>(next)].id;
        auto it = merges.find({l, r});
        if (it != merges.end()) queue.push({it->second.first, pos, l, r});
    };
    for (int32_t i = 0; i + 1 < n; ++i) consider(i);
    while (!queue.empty()) {
        const Candidate c = queue.top();
        queue.pop();
        Symbol& a = sym[static_cast<size_t>(c.pos)];
        if (!a.alive || a.next < 0 || a.id != c.left || sym[static_cast<size_t>(a.next)].id != c.right) continue;  // stale
        Symbol& b = sym[static_cast<size_t>(a.next)];
        a.id = merges.find({c.left, c.right})->second.second;
        b.alive = false;
        a.next = b.next;
        if (b.next >= 0) sym[static_cast<size_t>(b.next)].prev = c.pos;
        if (a.prev >= 0) consider(a.prev);
        consider(c.pos);
    }
    std::vector<int32_t> symbols;
    for (int32_t i = n > 0 ? 0 : -1; i >= 0; i = sym[static_cast<size_t>(i)].next) symbols.push_back(sym[static_cast<size_t>(i)].id);
    if (piece.size() <= kCachedPieceBytes) {
        std::lock_guard lock(cacheMutex);
        if (cache.size() > 200000) cache.clear();
        cache.emplace(std::string(piece), symbols);
    }
    out.insert(out.end(), symbols.begin(), symbols.end());
}

void Tokenizer::Impl::encodeOrdinary(std::string_view text, std::vector<int64_t>& out) const {
    if (text.empty()) return;
    const std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> md(pcre2_match_data_create_from_pattern(regex, nullptr),
                                                                            pcre2_match_data_free);
    if (!md) throw Error(ErrorKind::OutOfMemory, "out of host memory during tokenization");
    size_t pos = 0;
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    while (pos < text.size()) {
        const int rc = pcre2_match(regex, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md.get(), nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) {  // the rest is one piece (Isolated behaviour keeps gaps)
            bpe(text.substr(pos), out);
            break;
        }
        if (rc < 0) {  // the match limit of a pathological pre-tokenizer regex: an error, not a silent giant piece
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            throwBadInput(std::string("the tokenizer's pre-tokenizer regex failed on this text: ") + reinterpret_cast<char*>(msg));
        }
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
        size_t start = ov[0], end = ov[1];
        if (start < pos || end < start || end > text.size())  // a \K trick; would stall or overrun the scan
            throwBadInput("the tokenizer's pre-tokenizer regex gave a match outside the text");
        if (start > pos) bpe(text.substr(pos, start - pos), out);
        if (end == start) {  // empty match: step one code point
            uint32_t cp = 0;
            size_t len = decodeUtf8(text, start, cp);
            end = start + (len ? len : 1);
        }
        bpe(text.substr(start, end - start), out);
        pos = end;
    }
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

std::shared_ptr<const Tokenizer> Tokenizer::fromFile(const std::string& path) {
    return fromJson(util::readTextFile(path), path);
}

namespace {

// A token for an error message: quoted, cut to 40 bytes (tokens can be long).
std::string quotedToken(const std::string& token) {
    return "\"" + (token.size() > 40 ? token.substr(0, utf8CompletePrefix(token.substr(0, 40))) + "..." : token) + "\"";
}

// A token id from tokenizer.json: an exact integer in [0, kMaxVocabSize). Anything else (negative,
// fractional, 1e308, 2^31, a string) is refused naming the token, before any array is sized by it.
int32_t tokenIdFrom(const json& v, const std::string& token, const std::string& where) {
    const std::optional<int64_t> id = jsonInt64(v);
    if (!id || *id < 0 || *id >= kMaxVocabSize)
        throwBadInput(where + ": token " + quotedToken(token) + " has id " + v.dump() + ", not an integer in [0, " +
                      std::to_string(kMaxVocabSize) + ")");
    return static_cast<int32_t>(*id);
}

}  // namespace

std::shared_ptr<const Tokenizer> Tokenizer::fromJson(const std::string& text, const std::string& where) {
    json root;
    try {
        root = parseJsonLimited(text);
    } catch (const json::exception& e) {
        throwBadInput(where + ": malformed JSON: " + e.what());
    }
    auto impl = std::make_unique<Impl>();
    try {
        if (!root.is_object()) throwBadInput(where + ": expected a JSON object");
        const json& model = root.at("model");
        if (model.value("type", std::string("BPE")) != "BPE")
            throwBadInput(where + ": unsupported tokenizer model type \"" + model.value("type", std::string()) + "\"");
        impl->byteToUnicode = makeByteToUnicode();
        for (int b = 0; b < 256; ++b) impl->unicodeToByte[impl->byteToUnicode[b]] = static_cast<uint8_t>(b);

        // Every id is checked before it sizes or indexes anything.
        const json& vocab = model.at("vocab");
        if (!vocab.is_object()) throwBadInput(where + ": model.vocab is not an object");
        const json added = root.value("added_tokens", json::array());
        if (!added.is_array()) throwBadInput(where + ": added_tokens is not a list");
        int32_t maxId = -1;
        for (auto& [tok, id] : vocab.items()) {
            const int32_t i = tokenIdFrom(id, tok, where);
            impl->vocab.emplace(tok, i);
            maxId = std::max(maxId, i);
        }
        std::vector<std::pair<std::string, int32_t>> addedTokens;
        for (const auto& a : added) {
            if (!a.is_object() || !a.contains("content") || !a["content"].is_string() || !a.contains("id"))
                throwBadInput(where + ": an added_tokens entry needs a string \"content\" and an \"id\"");
            const auto content = a["content"].get<std::string>();
            addedTokens.emplace_back(content, tokenIdFrom(a["id"], content, where));
            maxId = std::max(maxId, addedTokens.back().second);
        }
        impl->idToToken.assign(static_cast<size_t>(maxId + 1), std::string());
        impl->idToBytes.assign(static_cast<size_t>(maxId + 1), std::string());
        std::vector<bool> taken(static_cast<size_t>(maxId + 1), false);
        for (const auto& [tok, id] : impl->vocab) {
            if (taken[static_cast<size_t>(id)])
                throwBadInput(where + ": tokens " + quotedToken(impl->idToToken[static_cast<size_t>(id)]) + " and " + quotedToken(tok) +
                              " have the same id " + std::to_string(id));
            taken[static_cast<size_t>(id)] = true;
            impl->idToToken[static_cast<size_t>(id)] = tok;
            std::string bytes;
            for (size_t i = 0; i < tok.size();) {
                uint32_t cp = 0;
                size_t len = decodeUtf8(tok, i, cp);
                if (len == 0) throwBadInput(where + ": vocab token is not valid UTF-8");
                auto it = impl->unicodeToByte.find(cp);
                if (it == impl->unicodeToByte.end()) {
                    impl->byteLevel = false;
                    bytes.append(tok, i, len);
                } else {
                    bytes += static_cast<char>(it->second);
                }
                i += len;
            }
            impl->idToBytes[static_cast<size_t>(id)] = bytes;
        }
        // Byte-level BPE starts every piece from single bytes: each needs its token.
        for (int b = 0; b < 256; ++b) {
            std::string u;
            appendUtf8(u, impl->byteToUnicode[b]);
            const auto it = impl->vocab.find(u);
            if (it != impl->vocab.end()) {
                impl->byteTokenIds[static_cast<size_t>(b)] = it->second;
            } else {
                char hex[8];
                std::snprintf(hex, sizeof hex, "0x%02X", b);
                throwBadInput(where + ": the vocabulary has no token for byte " + hex + " (not a byte-level BPE tokenizer)");
            }
        }
        int32_t rank = 0;
        const json& merges = model.at("merges");
        if (!merges.is_array()) throwBadInput(where + ": model.merges is not a list");
        for (const auto& m : merges) {
            std::string a, b;
            if (m.is_string()) {
                const auto s = m.get<std::string>();
                const auto sp = s.find(' ');
                if (sp == std::string::npos) throwBadInput(where + ": malformed merge " + quotedToken(s));
                a = s.substr(0, sp);
                b = s.substr(sp + 1);
            } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
                a = m[0].get<std::string>();
                b = m[1].get<std::string>();
            } else {
                throwBadInput(where + ": merge " + std::to_string(rank) + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
            // As Hugging Face's BPE builder: a merge must name tokens of the vocabulary, and so must its result.
            auto ia = impl->vocab.find(a), ib = impl->vocab.find(b), im = impl->vocab.find(a + b);
            for (const auto& [it, tok] : {std::pair{ia, &a}, {ib, &b}, {im, nullptr}})
                if (it == impl->vocab.end())
                    throwBadInput(where + ": merge " + std::to_string(rank) + " (" + quotedToken(a) + " + " + quotedToken(b) +
                                  ") names token " + quotedToken(tok ? *tok : a + b) + ", which is not in the vocabulary");
            impl->merges.emplace(std::pair{ia->second, ib->second}, std::pair{rank, im->second});
            ++rank;
        }
        std::unordered_map<int32_t, std::string> addedById;
        for (size_t k = 0; k < addedTokens.size(); ++k) {
            const auto& [content, id] = addedTokens[k];
            const auto [prev, fresh] = addedById.emplace(id, content);
            if (!fresh && prev->second != content)
                throwBadInput(where + ": added tokens " + quotedToken(prev->second) + " and " + quotedToken(content) +
                              " have the same id " + std::to_string(id));
            if (!fresh) continue;
            impl->added.emplace_back(content, id);
            impl->addedByContent[content] = id;
            impl->idToToken[static_cast<size_t>(id)] = content;
            impl->idToBytes[static_cast<size_t>(id)] = content;
            if (added[k].value("special", false)) impl->specialIds.insert(id);
        }
        std::stable_sort(impl->added.begin(), impl->added.end(),
                         [](const auto& x, const auto& y) { return x.first.size() > y.first.size(); });

        // Pre-tokenizer: the first Split regex (a Sequence or a bare Split).
        std::string pattern;
        const json& pre = root.at("pre_tokenizer");
        auto takeSplit = [&](const json& p) {
            if (p.value("type", std::string()) == "Split" && pattern.empty()) {
                const json& pat = p.at("pattern");
                if (!pat.contains("Regex")) throwBadInput(where + ": only Regex Split patterns are supported");
                pattern = pat["Regex"].get<std::string>();
            }
        };
        if (pre.value("type", std::string()) == "Sequence")
            for (const auto& p : pre.at("pretokenizers")) takeSplit(p);
        else
            takeSplit(pre);
        if (pattern.empty()) throwBadInput(where + ": no Split regex pre-tokenizer found");
        int err = 0;
        PCRE2_SIZE errOffset = 0;
        impl->regex =
            pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(), PCRE2_UTF | PCRE2_UCP, &err, &errOffset, nullptr);
        if (!impl->regex) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            throwBadInput(where + ": pre-tokenizer regex does not compile: " + reinterpret_cast<char*>(msg));
        }
        pcre2_jit_compile(impl->regex, PCRE2_JIT_COMPLETE);  // optional speed-up; falls back if unavailable
    } catch (const json::exception& e) {
        throwBadInput(where + ": unexpected tokenizer.json layout: " + e.what());
    }
    return std::shared_ptr<const Tokenizer>(new Tokenizer(std::move(impl)));
}

std::vector<int64_t> Tokenizer::encode(std::string_view text, bool allowSpecial) const {
    std::vector<int64_t> ids;
    // Invalid UTF-8 is replaced first so PCRE2 (UTF mode, no check) never sees it.
    const std::string clean = repairUtf8(text);
    std::string_view rest(clean);
    size_t segStart = 0;
    size_t i = 0;
    while (allowSpecial && i < rest.size()) {
        bool matched = false;
        for (const auto& [content, id] : m_impl->added) {
            if (!content.empty() && rest.compare(i, content.size(), content) == 0) {
                m_impl->encodeOrdinary(rest.substr(segStart, i - segStart), ids);
                ids.push_back(id);
                i += content.size();
                segStart = i;
                matched = true;
                break;
            }
        }
        if (!matched) ++i;
    }
    m_impl->encodeOrdinary(rest.substr(segStart), ids);
    return ids;
}

std::string Tokenizer::tokenBytes(int64_t id) const {
    if (id < 0 || id >= static_cast<int64_t>(m_impl->idToBytes.size())) return {};
    return m_impl->idToBytes[static_cast<size_t>(id)];
}

std::string Tokenizer::decode(const std::vector<int64_t>& ids, bool skipSpecial) const {
    std::string bytes;
    for (auto id : ids) {
        if (skipSpecial && isSpecial(id)) continue;
        bytes += tokenBytes(id);
    }
    return repairUtf8(bytes);
}

std::optional<int64_t> Tokenizer::tokenId(std::string_view token) const {
    auto a = m_impl->addedByContent.find(std::string(token));
    if (a != m_impl->addedByContent.end()) return a->second;
    auto v = m_impl->vocab.find(std::string(token));
    if (v != m_impl->vocab.end()) return v->second;
    return std::nullopt;
}

bool Tokenizer::isSpecial(int64_t id) const {
    return m_impl->specialIds.count(static_cast<int32_t>(id)) > 0;
}
int64_t Tokenizer::vocabSize() const {
    return static_cast<int64_t>(m_impl->idToBytes.size());
}

StreamDecoder::StreamDecoder(std::shared_ptr<const Tokenizer> tokenizer, bool skipSpecial)
    : m_tokenizer(std::move(tokenizer)), m_skipSpecial(skipSpecial) {}

std::string StreamDecoder::push(int64_t id) {
    if (m_skipSpecial && m_tokenizer->isSpecial(id)) return {};
    return m_utf8.push(m_tokenizer->tokenBytes(id));
}

std::string StreamDecoder::flush() {
    return m_utf8.finish();
}

}  // namespace sightline
