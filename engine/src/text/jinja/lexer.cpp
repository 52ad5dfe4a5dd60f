#include "text/jinja/lexer.h"

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "sightline/error.h"
#include "text/jinja/value.h"

namespace sightline::jinja {
namespace {

[[noreturn]] void fail(const std::string& name, int line, const std::string& what) {
    throwBadInput(name + " line " + std::to_string(line) + ": " + what);
}

// Python's str.rstrip() / lstrip() (Unicode whitespace), on UTF-8.
std::string pyRstrip(const std::string& s) {
    auto cps = toCodePoints(s);
    size_t e = cps.size();
    while (e > 0 && isPyWhitespace(cps[e - 1])) --e;
    std::string out;
    for (size_t i = 0; i < e; ++i) appendUtf8(out, cps[i]);
    return out;
}

size_t pyLstripLength(const std::string& s, size_t from) {
    size_t i = from;
    while (i < s.size()) {
        const auto cps = toCodePoints(s.substr(i, std::min<size_t>(4, s.size() - i)));
        if (cps.empty() || !isPyWhitespace(cps[0])) break;
        std::string one;
        appendUtf8(one, cps[0]);
        i += one.size();
    }
    return i - from;
}

bool isSpaceOnly(const std::string& s, size_t from) {
    if (from >= s.size()) return false;  // Python's \s+ needs one character
    for (auto c : toCodePoints(s.substr(from)))
        if (!isPyWhitespace(c)) return false;
    return true;
}

std::string unescapeString(const std::string& raw, const std::string& name, int line) {
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\' || i + 1 >= raw.size()) {
            out += raw[i];
            continue;
        }
        const char c = raw[++i];
        auto hex = [&](int digits) {
            const std::string h = raw.substr(i + 1, static_cast<size_t>(digits));
            if (static_cast<int>(h.size()) != digits) fail(name, line, "truncated \\x/\\u escape in a string");
            for (char d : h)
                if (!std::isxdigit(static_cast<unsigned char>(d))) fail(name, line, "bad \\x/\\u escape in a string");
            i += static_cast<size_t>(digits);
            const unsigned long v = std::strtoul(h.c_str(), nullptr, 16);
            if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) fail(name, line, "escape names no Unicode character");
            appendUtf8(out, static_cast<char32_t>(v));
        };
        switch (c) {
            case 'n':
                out += '\n';
                break;
            case 't':
                out += '\t';
                break;
            case 'r':
                out += '\r';
                break;
            case 'a':
                out += '\a';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'v':
                out += '\v';
                break;
            case '\\':
                out += '\\';
                break;
            case '\'':
                out += '\'';
                break;
            case '"':
                out += '"';
                break;
            case '\n':
                break;  // line continuation
            case 'x':
                hex(2);
                break;
            case 'u':
                hex(4);
                break;
            case 'U':
                hex(8);
                break;
            default:
                if (c >= '0' && c <= '7') {
                    unsigned v = static_cast<unsigned>(c - '0');
                    for (int k = 0; k < 2 && i + 1 < raw.size() && raw[i + 1] >= '0' && raw[i + 1] <= '7'; ++k)
                        v = v * 8 + static_cast<unsigned>(raw[++i] - '0');
                    appendUtf8(out, static_cast<char32_t>(v));
                } else {
                    out += '\\';
                    out += c;
                }
        }
    }
    return out;
}

class Lexer {
public:
    Lexer(std::string src, const std::string& name) : m_src(std::move(src)), m_name(name) {}

    std::vector<Token> run() {
        size_t pos = 0;
        bool lineStarting = true, stripLeading = false;
        while (pos < m_src.size()) {
            size_t tag = m_src.find('{', pos);
            while (tag != std::string::npos &&
                   (tag + 1 >= m_src.size() || (m_src[tag + 1] != '{' && m_src[tag + 1] != '%' && m_src[tag + 1] != '#')))
                tag = m_src.find('{', tag + 1);
            std::string text = m_src.substr(pos, tag == std::string::npos ? std::string::npos : tag - pos);
            if (stripLeading) text.erase(0, pyLstripLength(text, 0));
            stripLeading = false;
            if (tag == std::string::npos) {
                emitText(text, pos);
                break;
            }
            const char kind = m_src[tag + 1];
            const char modifier = tag + 2 < m_src.size() ? m_src[tag + 2] : '\0';
            if (modifier == '-') {
                text = pyRstrip(text);
            } else if (modifier != '+' && kind != '{') {
                const size_t lpos = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
                if ((lpos > 0 || lineStarting) && isSpaceOnly(text, lpos)) text.resize(lpos);
            }
            emitText(text, pos);
            m_line = lineAt(tag);
            size_t p = tag + 2 + ((modifier == '-' || modifier == '+') ? 1 : 0);
            if (kind == '#') {
                const size_t end = m_src.find("#}", p);
                if (end == std::string::npos) fail(m_name, m_line, "comment {# is never closed");
                pos = end + 2;
                if (end > p && m_src[end - 1] == '-') {
                    stripLeading = true;
                    lineStarting = false;
                } else if (m_src[end - 1] != '+' && pos < m_src.size() && m_src[pos] == '\n') {
                    ++pos;
                    lineStarting = true;
                } else {
                    lineStarting = false;
                }
                continue;
            }
            const bool block = kind == '%';
            push(block ? Tok::BlockBegin : Tok::VarBegin, "", m_line);
            pos = lexTag(p, block, stripLeading, lineStarting);
        }
        push(Tok::Eof, "", lineAt(m_src.size()));
        return std::move(m_out);
    }

private:
    int lineAt(size_t offset) {
        while (m_lineOffset < offset && m_lineOffset < m_src.size()) {
            if (m_src[m_lineOffset] == '\n') ++m_lineCount;
            ++m_lineOffset;
        }
        return m_lineCount;
    }

    void emitText(const std::string& text, size_t at) {
        if (!text.empty()) push(Tok::Text, text, lineAt(at));
    }

    void push(Tok kind, std::string text, int line) {
        Token t;
        t.kind = kind;
        t.text = std::move(text);
        t.line = line;
        m_out.push_back(std::move(t));
    }

    // Tokens of one tag's expression, from p up to and past its closing "}}" / "%}". Returns the
    // position after the tag (and after the newline trim_blocks removes).
    size_t lexTag(size_t p, bool block, bool& stripLeading, bool& lineStarting) {
        const char close = block ? '%' : '}';
        const size_t n = m_src.size();
        while (true) {
            while (p < n && (m_src[p] == ' ' || m_src[p] == '\t' || m_src[p] == '\n' || m_src[p] == '\r')) {
                if (m_src[p] == '\n') ++m_line;
                ++p;
            }
            if (p >= n) fail(m_name, m_line, block ? "tag {% is never closed" : "expression {{ is never closed");
            const char c = m_src[p];
            auto closesAt = [&](size_t q) { return q + 1 < n && m_src[q] == close && m_src[q + 1] == '}'; };
            if (closesAt(p) || ((c == '-' || (c == '+' && block)) && closesAt(p + 1))) {
                const bool dash = c == '-', plus = c == '+';
                p += (dash || plus) ? 3 : 2;
                push(block ? Tok::BlockEnd : Tok::VarEnd, "", m_line);
                lineStarting = false;
                if (dash) {
                    stripLeading = true;
                } else if (block && !plus && p < n && m_src[p] == '\n') {
                    ++p;
                    lineStarting = true;
                }
                return p;
            }
            if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
                size_t e = p;
                while (e < n && (std::isalnum(static_cast<unsigned char>(m_src[e])) || m_src[e] == '_')) ++e;
                push(Tok::Name, m_src.substr(p, e - p), m_line);
                p = e;
                continue;
            }
            if (std::isdigit(static_cast<unsigned char>(c))) {
                p = lexNumber(p);
                continue;
            }
            if (c == '\'' || c == '"') {
                size_t e = p + 1;
                const int startLine = m_line;
                while (e < n && m_src[e] != c) {
                    if (m_src[e] == '\\') ++e;
                    if (e < n && m_src[e] == '\n') ++m_line;
                    ++e;
                }
                if (e >= n) fail(m_name, startLine, "string literal is never closed");
                push(Tok::String, unescapeString(m_src.substr(p + 1, e - p - 1), m_name, startLine), startLine);
                p = e + 1;
                continue;
            }
            static const char* const kOps[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "(",
                                               ")",  "[",  "]",  "{",  "}",  ",",  ".", ":", "|", "=", "<", ">"};
            bool matched = false;
            for (const char* op : kOps) {
                const std::string_view o(op);
                if (m_src.compare(p, o.size(), o) == 0) {
                    push(Tok::Op, std::string(o), m_line);
                    p += o.size();
                    matched = true;
                    break;
                }
            }
            if (!matched) fail(m_name, m_line, std::string("unexpected character '") + toValidUtf8(std::string(1, c)) + "' in a tag");
        }
    }

    size_t lexNumber(size_t p) {
        const size_t n = m_src.size();
        size_t e = p;
        auto digits = [&] {
            while (e < n && (std::isdigit(static_cast<unsigned char>(m_src[e])) ||
                             (m_src[e] == '_' && e + 1 < n && std::isdigit(static_cast<unsigned char>(m_src[e + 1])))))
                ++e;
        };
        digits();
        bool isFloat = false;
        if (e + 1 < n && m_src[e] == '.' && std::isdigit(static_cast<unsigned char>(m_src[e + 1]))) {
            ++e;
            digits();
            isFloat = true;
        }
        if (e < n && (m_src[e] == 'e' || m_src[e] == 'E')) {
            size_t q = e + 1;
            if (q < n && (m_src[q] == '+' || m_src[q] == '-')) ++q;
            if (q < n && std::isdigit(static_cast<unsigned char>(m_src[q]))) {
                e = q;
                digits();
                isFloat = true;
            }
        }
        std::string text = m_src.substr(p, e - p);
        std::erase(text, '_');
        Token t;
        t.line = m_line;
        t.text = text;
        if (isFloat) {
            t.kind = Tok::Float;
            t.floatValue = std::strtod(text.c_str(), nullptr);
        } else {
            t.kind = Tok::Int;
            auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), t.intValue);
            if (ec != std::errc()) fail(m_name, m_line, "integer literal " + text + " is out of range");
        }
        m_out.push_back(std::move(t));
        return e;
    }

    std::string m_src;
    const std::string& m_name;
    std::vector<Token> m_out;
    int m_line = 1;
    size_t m_lineOffset = 0;
    int m_lineCount = 1;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source, const std::string& name) {
    std::string src;
    src.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
        if (source[i] == '\r') {
            src += '\n';
            if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
        } else {
            src += source[i];
        }
    }
    if (!src.empty() && src.back() == '\n') src.pop_back();  // keep_trailing_newline=False
    return Lexer(std::move(src), name).run();
}

}  // namespace sightline::jinja
