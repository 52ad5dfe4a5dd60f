#include "text/jinja/text_case.h"

#include "text/jinja/value.h"

namespace sightline::jinja {
namespace {

char32_t upperOf(char32_t c) {
    if (c >= 'a' && c <= 'z') return c - 32;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
    if (c == 0xFF) return 0x178;
    if (c == 0xB5) return 0x39C;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x131) return 'I';
        if (c == 0x17F) return 'S';
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 0) ? c - 1 : c;  // odd = upper here
        if (c == 0x130 || c == 0x138 || c == 0x149) return c;
        return (c % 2 == 1) ? c - 1 : c;
    }
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
    if (c == 0x3C2) return 0x3A3;
    if (c >= 0x3AC && c <= 0x3AF) return c == 0x3AC ? 0x386 : c - 37;
    if (c >= 0x3CC && c <= 0x3CE) return c == 0x3CC ? 0x38C : c - 63;
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    return c;
}

char32_t lowerOf(char32_t c) {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
    if (c == 0x178) return 0xFF;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130) return 'i';  // Python gives "i̇" (two code points); the plain i is close enough here
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
        return (c % 2 == 0) ? c + 1 : c;
    }
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    return c;
}

bool cased(char32_t c) {
    return upperOf(c) != c || lowerOf(c) != c || c == 0xDF;
}

void appendUpper(std::string& out, char32_t c) {
    if (c == 0xDF) {
        out += "SS";
        return;
    }
    appendUtf8(out, upperOf(c));
}

}  // namespace

std::string pyUpper(const std::string& s) {
    std::string out;
    for (char32_t c : toCodePoints(s)) appendUpper(out, c);
    return out;
}

std::string pyLower(const std::string& s) {
    std::string out;
    const auto cps = toCodePoints(s);
    for (size_t i = 0; i < cps.size(); ++i) {
        // Greek capital sigma becomes the final form after a cased letter and before none (Python's Final_Sigma).
        if (cps[i] == 0x3A3 && i > 0 && cased(cps[i - 1]) && (i + 1 >= cps.size() || !cased(cps[i + 1]))) {
            appendUtf8(out, 0x3C2);
            continue;
        }
        appendUtf8(out, lowerOf(cps[i]));
    }
    return out;
}

std::string pyTitle(const std::string& s) {
    std::string out;
    bool previousCased = false;
    for (char32_t c : toCodePoints(s)) {
        if (previousCased)
            appendUtf8(out, lowerOf(c));
        else if (c == 0xDF)
            out += "Ss";
        else
            appendUtf8(out, upperOf(c));
        previousCased = cased(c);
    }
    return out;
}

std::string pyCapitalize(const std::string& s) {
    std::string out;
    bool first = true;
    for (char32_t c : toCodePoints(s)) {
        if (first && c == 0xDF)
            out += "Ss";
        else
            appendUtf8(out, first ? upperOf(c) : lowerOf(c));
        first = false;
    }
    return out;
}

std::string jinjaTitle(const std::string& s) {
    // item[0].upper() + item[1:].lower() for each run of separators and of other characters.
    auto separator = [](char32_t c) { return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || isPyWhitespace(c); };
    std::string out;
    bool startOfWord = true;
    for (char32_t c : toCodePoints(s)) {
        if (separator(c)) {
            appendUtf8(out, c);
            startOfWord = true;
            continue;
        }
        if (startOfWord)
            appendUpper(out, c);
        else
            appendUtf8(out, lowerOf(c));
        startOfWord = false;
    }
    return out;
}

}  // namespace sightline::jinja
