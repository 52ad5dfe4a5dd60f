#include "text/jinja/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "sightline/error.h"

namespace sightline::jinja {

const Value* Dict::find(const std::string& key) const {
    for (const auto& [k, v] : items)
        if (k == key) return &v;
    return nullptr;
}

void Dict::set(const std::string& key, Value value) {
    for (auto& [k, v] : items)
        if (k == key) {
            v = std::move(value);
            return;
        }
    items.emplace_back(key, std::move(value));
}

Value Value::undefined(std::string name) {
    Value v;
    v.m_string = std::make_shared<const std::string>(std::move(name));
    return v;
}
Value Value::none() {
    Value v;
    v.m_type = Type::None;
    return v;
}
Value Value::boolean(bool b) {
    Value v;
    v.m_type = Type::Bool;
    v.m_bool = b;
    return v;
}
Value Value::integer(int64_t i) {
    Value v;
    v.m_type = Type::Int;
    v.m_int = i;
    return v;
}
Value Value::number(double f) {
    Value v;
    v.m_type = Type::Float;
    v.m_float = f;
    return v;
}
Value Value::string(std::string s) {
    Value v;
    v.m_type = Type::String;
    v.m_string = std::make_shared<const std::string>(std::move(s));
    return v;
}
Value Value::list(ValueList items, bool tuple) {
    Value v;
    v.m_type = Type::List;
    v.m_tuple = tuple;
    v.m_list = std::make_shared<ValueList>(std::move(items));
    return v;
}
Value Value::dict(std::shared_ptr<Dict> d, bool isNamespace) {
    Value v;
    v.m_type = Type::Dict;
    v.m_namespace = isNamespace;
    v.m_dict = std::move(d);
    return v;
}
Value Value::callable(std::shared_ptr<const Callable> c) {
    Value v;
    v.m_type = Type::Callable;
    v.m_callable = std::move(c);
    return v;
}

Value Value::fromJson(const nlohmann::ordered_json& j) {
    switch (j.type()) {
        case nlohmann::ordered_json::value_t::null:
            return none();
        case nlohmann::ordered_json::value_t::boolean:
            return boolean(j.get<bool>());
        case nlohmann::ordered_json::value_t::number_integer:
            return integer(j.get<int64_t>());
        case nlohmann::ordered_json::value_t::number_unsigned: {
            const uint64_t u = j.get<uint64_t>();
            if (u > static_cast<uint64_t>(INT64_MAX)) return number(static_cast<double>(u));
            return integer(static_cast<int64_t>(u));
        }
        case nlohmann::ordered_json::value_t::number_float:
            return number(j.get<double>());
        case nlohmann::ordered_json::value_t::string:
            return string(j.get<std::string>());
        case nlohmann::ordered_json::value_t::array: {
            ValueList out;
            out.reserve(j.size());
            for (const auto& x : j) out.push_back(fromJson(x));
            return list(std::move(out));
        }
        case nlohmann::ordered_json::value_t::object: {
            auto d = std::make_shared<Dict>();
            for (auto it = j.begin(); it != j.end(); ++it) d->items.emplace_back(it.key(), fromJson(it.value()));
            return dict(std::move(d));
        }
        default:
            return none();  // binary / discarded: not produced by the JSON parser
    }
}

const std::string& Value::emptyString() {
    static const std::string empty;
    return empty;
}

size_t Value::size() const {
    switch (m_type) {
        case Type::String:
            return str().size();
        case Type::List:
            return m_list->size();
        case Type::Dict:
            return m_dict->items.size();
        default:
            return 1;
    }
}

bool Value::truthy() const {
    switch (m_type) {
        case Type::Undefined:
        case Type::None:
            return false;
        case Type::Bool:
            return m_bool;
        case Type::Int:
            return m_int != 0;
        case Type::Float:
            return m_float != 0;
        case Type::String:
            return !str().empty();
        case Type::List:
            return !m_list->empty();
        case Type::Dict:
            return !m_dict->items.empty();
        case Type::Callable:
            return true;
    }
    return false;
}

const char* Value::typeName() const {
    switch (m_type) {
        case Type::Undefined:
            return "undefined";
        case Type::None:
            return "NoneType";
        case Type::Bool:
            return "bool";
        case Type::Int:
            return "int";
        case Type::Float:
            return "float";
        case Type::String:
            return "str";
        case Type::List:
            return m_tuple ? "tuple" : "list";
        case Type::Dict:
            return m_namespace ? "Namespace" : "dict";
        case Type::Callable:
            return "function";
    }
    return "object";
}

void appendUtf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

std::vector<char32_t> toCodePoints(const std::string& s) {
    std::vector<char32_t> out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > s.size()) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        bool ok = true;
        for (int k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) ok = false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (!ok) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        out.push_back(cp);
        i += len;
    }
    return out;
}

bool isPyWhitespace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

namespace {

// Python's str.isprintable() for the characters a prompt can hold (approximation of the Unicode
// categories Cc, Cf, Zl, Zp, Zs other than space, surrogates and private use).
bool pyPrintable(char32_t c) {
    if (c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD) return false;
    if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x2064) ||
        (c >= 0x2066 && c <= 0x206F) || c == 0x3000 || c == 0xFEFF || (c >= 0xD800 && c <= 0xF8FF) || (c >= 0xFFF9 && c <= 0xFFFB) ||
        c == 0x061C || c == 0x180E || (c >= 0xE0000 && c <= 0xE007F) || c >= 0xF0000)
        return false;
    return true;
}

std::string pyStringRepr(const std::string& s) {
    const bool hasSingle = s.find('\'') != std::string::npos, hasDouble = s.find('"') != std::string::npos;
    const char quote = hasSingle && !hasDouble ? '"' : '\'';
    std::string out(1, quote);
    char buf[16];
    for (char32_t c : toCodePoints(s)) {
        if (c == static_cast<char32_t>(quote) || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (pyPrintable(c)) {
            appendUtf8(out, c);
        } else {
            if (c < 0x100)
                std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
            else if (c < 0x10000)
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            else
                std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
            out += buf;
        }
    }
    out += quote;
    return out;
}

}  // namespace

std::string pyFloatRepr(double f) {
    if (std::isnan(f)) return "nan";
    if (std::isinf(f)) return f < 0 ? "-inf" : "inf";
    if (f == 0) return std::signbit(f) ? "-0.0" : "0.0";
    char buf[64];
    // Shortest round-trip digits in scientific form, then laid out as Python's repr does.
    auto res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    bool negative = sci[0] == '-';
    if (negative) sci.erase(0, 1);
    const auto e = sci.find('e');
    std::string digits = sci.substr(0, e);
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    const int exponent = std::stoi(sci.substr(e + 1));
    std::string out = negative ? "-" : "";
    if (exponent >= -4 && exponent < 16) {
        if (exponent < 0) {
            out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
        } else if (static_cast<int>(digits.size()) <= exponent + 1) {
            out += digits + std::string(static_cast<size_t>(exponent + 1) - digits.size(), '0') + ".0";
        } else {
            out += digits.substr(0, static_cast<size_t>(exponent + 1)) + "." + digits.substr(static_cast<size_t>(exponent + 1));
        }
        return out;
    }
    out += digits.substr(0, 1);
    if (digits.size() > 1) {
        out += '.';
        out.append(digits, 1, std::string::npos);
    }
    std::snprintf(buf, sizeof buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + buf;
}

std::string Value::pyStr() const {
    switch (m_type) {
        case Type::Undefined:
            return {};
        case Type::String:
            return str();
        default:
            return pyRepr();
    }
}

std::string Value::pyRepr() const {
    switch (m_type) {
        case Type::Undefined:
            return {};
        case Type::None:
            return "None";
        case Type::Bool:
            return m_bool ? "True" : "False";
        case Type::Int:
            return std::to_string(m_int);
        case Type::Float:
            return pyFloatRepr(m_float);
        case Type::String:
            return pyStringRepr(str());
        case Type::List: {
            std::string out = m_tuple ? "(" : "[";
            for (size_t i = 0; i < m_list->size(); ++i) {
                if (i) out += ", ";
                out += (*m_list)[i].pyRepr();
            }
            if (m_tuple && m_list->size() == 1) out += ",";
            return out + (m_tuple ? ")" : "]");
        }
        case Type::Dict: {
            std::string out = m_namespace ? "<Namespace {" : "{";
            bool first = true;
            for (const auto& [k, v] : m_dict->items) {
                if (!first) out += ", ";
                first = false;
                out += pyStringRepr(k) + ": " + v.pyRepr();
            }
            return out + (m_namespace ? "}>" : "}");
        }
        case Type::Callable:
            return "<function " + m_callable->name + ">";
    }
    return {};
}

bool pyEquals(const Value& a, const Value& b) {
    using T = Value::Type;
    if (a.isNumber() && b.isNumber()) {
        if (a.type() == T::Float || b.type() == T::Float) return a.asDouble() == b.asDouble();
        return a.asInt() == b.asInt();
    }
    if (a.type() != b.type()) return false;
    switch (a.type()) {
        case T::Undefined:
        case T::None:
            return true;
        case T::String:
            return a.str() == b.str();
        case T::List: {
            if (a.isTuple() != b.isTuple() || a.items().size() != b.items().size()) return false;
            for (size_t i = 0; i < a.items().size(); ++i)
                if (!pyEquals(a.items()[i], b.items()[i])) return false;
            return true;
        }
        case T::Dict: {
            if (a.isNamespace() || b.isNamespace()) return a.dictPtr() == b.dictPtr();
            if (a.dictRef().items.size() != b.dictRef().items.size()) return false;
            for (const auto& [k, v] : a.dictRef().items) {
                const Value* o = b.dictRef().find(k);
                if (!o || !pyEquals(v, *o)) return false;
            }
            return true;
        }
        case T::Callable:
            return &a.callableRef() == &b.callableRef();
        default:
            return false;
    }
}

int pyCompare(const Value& a, const Value& b) {
    using T = Value::Type;
    if (a.isNumber() && b.isNumber()) {
        if (a.type() == T::Float || b.type() == T::Float) {
            const double x = a.asDouble(), y = b.asDouble();
            return x < y ? -1 : x > y ? 1 : 0;
        }
        return a.asInt() < b.asInt() ? -1 : a.asInt() > b.asInt() ? 1 : 0;
    }
    if (a.isString() && b.isString())
        return a.str().compare(b.str()) < 0 ? -1 : a.str() == b.str() ? 0 : 1;  // UTF-8 order = code point order
    if (a.isList() && b.isList() && a.isTuple() == b.isTuple()) {
        const auto& x = a.items();
        const auto& y = b.items();
        for (size_t i = 0; i < x.size() && i < y.size(); ++i)
            if (!pyEquals(x[i], y[i])) return pyCompare(x[i], y[i]);
        return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
    }
    throwBadInput(std::string("cannot compare ") + a.typeName() + " with " + b.typeName());
}

namespace {

void dumpJsonString(std::string& out, const std::string& s, bool ensureAscii) {
    out += '"';
    char buf[16];
    for (char32_t c : toCodePoints(s)) {
        switch (c) {
            case '"':
                out += "\\\"";
                continue;
            case '\\':
                out += "\\\\";
                continue;
            case '\n':
                out += "\\n";
                continue;
            case '\r':
                out += "\\r";
                continue;
            case '\t':
                out += "\\t";
                continue;
            case '\b':
                out += "\\b";
                continue;
            case '\f':
                out += "\\f";
                continue;
            default:
                break;
        }
        if (c < 0x20 || (ensureAscii && c > 0x7E)) {
            if (c >= 0x10000) {
                const char32_t v = c - 0x10000;
                std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 | (v >> 10)),
                              static_cast<unsigned>(0xDC00 | (v & 0x3FF)));
            } else {
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            }
            out += buf;
        } else {
            appendUtf8(out, c);
        }
    }
    out += '"';
}

void dumpJson(std::string& out, const Value& v, const JsonDumpOptions& o, const std::string& itemSep, const std::string& keySep,
              int level) {
    using T = Value::Type;
    auto newline = [&](int lvl) {
        if (!o.indent) return;
        out += '\n';
        for (int i = 0; i < lvl; ++i) out += *o.indent;
    };
    switch (v.type()) {
        case T::None:
            out += "null";
            return;
        case T::Bool:
            out += v.asBool() ? "true" : "false";
            return;
        case T::Int:
            out += std::to_string(v.asInt());
            return;
        case T::Float: {
            const double f = v.asDouble();
            out += std::isnan(f) ? "NaN" : std::isinf(f) ? (f < 0 ? "-Infinity" : "Infinity") : pyFloatRepr(f);
            return;
        }
        case T::String:
            dumpJsonString(out, v.str(), o.ensureAscii);
            return;
        case T::List: {
            if (v.items().empty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (size_t i = 0; i < v.items().size(); ++i) {
                if (i) out += itemSep;
                newline(level + 1);
                dumpJson(out, v.items()[i], o, itemSep, keySep, level + 1);
            }
            newline(level);
            out += ']';
            return;
        }
        case T::Dict: {
            if (v.isNamespace()) throwBadInput("tojson: a namespace is not JSON serializable");
            std::vector<const std::pair<std::string, Value>*> entries;
            for (const auto& e : v.dictRef().items) entries.push_back(&e);
            if (o.sortKeys) std::stable_sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
            if (entries.empty()) {
                out += "{}";
                return;
            }
            out += '{';
            for (size_t i = 0; i < entries.size(); ++i) {
                if (i) out += itemSep;
                newline(level + 1);
                dumpJsonString(out, entries[i]->first, o.ensureAscii);
                out += keySep;
                dumpJson(out, entries[i]->second, o, itemSep, keySep, level + 1);
            }
            newline(level);
            out += '}';
            return;
        }
        default:
            throwBadInput(std::string("tojson: Object of type ") + v.typeName() + " is not JSON serializable");
    }
}

}  // namespace

std::string pyJsonDumps(const Value& v, const JsonDumpOptions& o) {
    std::string itemSep = o.indent ? "," : ", ", keySep = ": ";
    if (o.separators) std::tie(itemSep, keySep) = *o.separators;
    std::string out;
    dumpJson(out, v, o, itemSep, keySep, 0);
    return out;
}

std::optional<Value> CallArgs::get(size_t index, const std::string& name) const {
    for (const auto& [k, v] : keyword)
        if (k == name) return v;
    if (index < positional.size()) return positional[index];
    return std::nullopt;
}

}  // namespace sightline::jinja
