// Text rules of the moderation pipeline: PII masking and legacy-encoding repair.
//
// maskPersonalData was three std::regex passes; std::regex recurses once per character of a
// match and overflowed the stack on a 30,000-character title. The scanners below find exactly
// what those patterns found (same leftmost-first, greedy choices), in linear time and constant
// stack:
//   email       [A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}
//   national id \b\d{17}[\dXx]\b | \b\d{15}\b | \b\d{3}-\d{2}-\d{4}\b
//   phone       \+?\d[\d\s().\-]{6,}\d   (replaced only with 7+ digits: prices and years stay)
#include <array>
#include <cstdint>

#include "moderation.h"
#include "sightline/untrusted.h"

namespace sightline::moderation {
namespace {

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isAlpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool isWord(char c) {
    return isDigit(c) || isAlpha(c) || c == '_';
}  // \w without Unicode
bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
bool isLocalChar(char c) {
    return isDigit(c) || isAlpha(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool isDomainChar(char c) {
    return isDigit(c) || isAlpha(c) || c == '.' || c == '-';
}
bool isPhoneMiddle(char c) {
    return isDigit(c) || isSpace(c) || c == '(' || c == ')' || c == '.' || c == '-';
}

// End of the e-mail address whose '@' is at `at`, or 0 when the domain part does not match.
// The greedy domain run backs off to the last '.' that is followed by two or more letters.
size_t emailEnd(const std::string& s, size_t at) {
    size_t run = at + 1;
    while (run < s.size() && isDomainChar(s[run])) ++run;
    for (size_t dot = run; dot-- > at + 2;) {  // at least one domain character before the dot
        if (s[dot] != '.') continue;
        size_t end = dot + 1;
        while (end < run && isAlpha(s[end])) ++end;
        if (end - dot - 1 >= 2) return end;
    }
    return 0;
}

std::string maskEmails(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    size_t copied = 0;  // s[0, copied) is in out; also the earliest start of the next match
    for (size_t at = s.find('@'); at != std::string::npos; at = s.find('@', at + 1)) {
        size_t start = at;
        while (start > copied && isLocalChar(s[start - 1])) --start;
        if (start == at) continue;
        const size_t end = emailEnd(s, at);
        if (end == 0) continue;
        out.append(s, copied, start - copied);
        out += "[email]";
        copied = end;
        at = end - 1;
    }
    out.append(s, copied);
    return out;
}

bool digitsAt(const std::string& s, size_t i, size_t n) {
    if (i + n > s.size()) return false;
    for (size_t k = 0; k < n; ++k)
        if (!isDigit(s[i + k])) return false;
    return true;
}

bool boundaryAfter(const std::string& s, size_t end) {
    return end >= s.size() || !isWord(s[end]);
}

// Length of the ID-like number starting at i (a word boundary before it), or 0.
size_t nationalIdLength(const std::string& s, size_t i) {
    if (digitsAt(s, i, 17) && i + 17 < s.size() && (isDigit(s[i + 17]) || s[i + 17] == 'X' || s[i + 17] == 'x') && boundaryAfter(s, i + 18))
        return 18;
    if (digitsAt(s, i, 15) && boundaryAfter(s, i + 15)) return 15;
    if (digitsAt(s, i, 3) && i + 3 < s.size() && s[i + 3] == '-' && digitsAt(s, i + 4, 2) && i + 6 < s.size() && s[i + 6] == '-' &&
        digitsAt(s, i + 7, 4) && boundaryAfter(s, i + 11))
        return 11;
    return 0;
}

std::string maskNationalIds(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const bool boundaryBefore = i == 0 || !isWord(s[i - 1]);
        if (boundaryBefore && isDigit(s[i]))
            if (const size_t n = nationalIdLength(s, i)) {
                out += "[id]";
                i += n;
                continue;
            }
        out += s[i++];
    }
    return out;
}

// End of the phone-like run whose first digit is at `first`, or 0: the greedy middle run backs off
// to its last digit with at least six characters between the two digits.
size_t phoneEnd(const std::string& s, size_t first) {
    size_t run = first + 1;
    while (run < s.size() && isPhoneMiddle(s[run])) ++run;
    for (size_t last = run; last-- > first + 7;)  // last >= first + 7
        if (isDigit(s[last])) return last + 1;
    return 0;
}

std::string maskPhones(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        size_t first = std::string::npos;
        if (s[i] == '+' && i + 1 < s.size() && isDigit(s[i + 1]))
            first = i + 1;
        else if (isDigit(s[i]))
            first = i;
        // A failed "+" start is retried from its digit on the next step, as the regex would.
        const size_t end = first == std::string::npos ? 0 : phoneEnd(s, first);
        if (end == 0) {
            out += s[i++];
            continue;
        }
        size_t digits = 0;
        for (size_t k = i; k < end; ++k) digits += isDigit(s[k]) ? 1 : 0;
        if (digits >= 7)
            out += "[phone]";
        else
            out.append(s, i, end - i);
        i = end;
    }
    return out;
}

// Windows-1252 0x80-0x9F; 0 where the code page leaves the byte undefined (mapped to U+FFFD).
constexpr std::array<uint16_t, 32> kCp1252High = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
                                                  0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
                                                  0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

}  // namespace

std::string maskPersonalData(const std::string& text) {
    return maskPhones(maskNationalIds(maskEmails(text)));
}

std::string decodeLegacyText(const std::string& bytes, bool* converted) {
    if (converted) *converted = false;
    if (isValidUtf8(bytes)) return bytes;
    if (converted) *converted = true;
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 4);
    for (const char ch : bytes) {
        const auto b = static_cast<unsigned char>(ch);
        if (b < 0x80)
            out += ch;
        else if (b < 0xA0)
            appendUtf8(out, kCp1252High[b - 0x80] ? kCp1252High[b - 0x80] : 0xFFFD);
        else
            appendUtf8(out, b);  // Latin-1 = the first 256 code points
    }
    return out;
}

}  // namespace sightline::moderation
