#include "text/jinja/builtins.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <set>

#include "sightline/error.h"
#include "text/jinja/text_case.h"

namespace sightline::jinja {
namespace {

const std::set<std::string>& filters() {
    static const std::set<std::string> s = {"trim",  "length",     "count",      "tojson", "string",  "default", "d",     "items",
                                            "upper", "lower",      "capitalize", "title",  "replace", "join",    "first", "last",
                                            "list",  "selectattr", "rejectattr", "select", "reject",  "map",     "int",   "float",
                                            "abs",   "reverse",    "sort",       "safe",   "indent",  "unique",  "min",   "max"};
    return s;
}
const std::set<std::string>& tests() {
    static const std::set<std::string> s = {"defined",     "undefined", "none",    "string", "mapping", "iterable", "sequence", "number",
                                            "integer",     "float",     "boolean", "true",   "false",   "callable", "odd",      "even",
                                            "divisibleby", "eq",        "equalto", "ne",     "lt",      "lessthan", "le",       "gt",
                                            "greaterthan", "ge",        "in",      "lower",  "upper",   "sameas"};
    return s;
}
const std::set<std::string>& methods() {
    static const std::set<std::string> s = {"startswith", "endswith", "split", "rsplit", "strip",      "lstrip", "rstrip",
                                            "replace",    "upper",    "lower", "title",  "capitalize", "find",   "count",
                                            "join",       "get",      "items", "keys",   "values"};
    return s;
}

[[noreturn]] void bad(const std::string& what) {
    throwBadInput(what);
}

const std::string& needString(const Value& v, const std::string& what) {
    if (!v.isString()) bad(what + " needs a string, not " + v.typeName());
    return v.str();
}

int64_t needInt(const Value& v, const std::string& what) {
    if (v.type() != Value::Type::Int && v.type() != Value::Type::Bool) bad(what + " needs an integer, not " + v.typeName());
    return v.asInt();
}

std::string fromCodePoints(const std::vector<char32_t>& cps, size_t b, size_t e) {
    std::string out;
    for (size_t i = b; i < e; ++i) appendUtf8(out, cps[i]);
    return out;
}

// Python's str.strip family: chars none = Unicode whitespace.
std::string pyStrip(const std::string& s, const std::optional<Value>& chars, bool left, bool right) {
    const auto cps = toCodePoints(s);
    std::vector<char32_t> set;
    const bool useSet = chars && !chars->isNone();
    if (useSet) set = toCodePoints(needString(*chars, "strip"));
    auto strip = [&](char32_t c) { return useSet ? std::find(set.begin(), set.end(), c) != set.end() : isPyWhitespace(c); };
    size_t b = 0, e = cps.size();
    if (left)
        while (b < e && strip(cps[b])) ++b;
    if (right)
        while (e > b && strip(cps[e - 1])) --e;
    return fromCodePoints(cps, b, e);
}

std::string pyReplace(Budget& budget, const std::string& s, const std::string& from, const std::string& to, int64_t count) {
    std::string out;
    if (from.empty()) {  // Python inserts `to` between every character (and at both ends)
        const auto cps = toCodePoints(s);
        int64_t n = 0;
        for (size_t i = 0; i <= cps.size(); ++i) {
            if (count < 0 || n < count) {
                out += to;
                ++n;
            }
            if (i < cps.size()) appendUtf8(out, cps[i]);
            if (out.size() > budget.maxItems()) bad("replace: the result is too long");
        }
        budget.chargeBytes(out.size());
        return out;
    }
    size_t pos = 0;
    int64_t n = 0;
    while (count < 0 || n < count) {
        const size_t hit = s.find(from, pos);
        if (hit == std::string::npos) break;
        out.append(s, pos, hit - pos);
        out += to;
        pos = hit + from.size();
        ++n;
        if (out.size() > budget.maxItems()) bad("replace: the result is too long");
    }
    out.append(s, pos, std::string::npos);
    budget.chargeBytes(out.size());
    return out;
}

ValueList pySplit(const std::string& s, const std::optional<Value>& sepArg, int64_t maxsplit, bool fromRight) {
    ValueList out;
    if (!sepArg || sepArg->isNone()) {  // runs of whitespace, none at the ends
        const auto cps = toCodePoints(s);
        std::vector<std::pair<size_t, size_t>> words;
        size_t i = 0;
        while (i < cps.size()) {
            while (i < cps.size() && isPyWhitespace(cps[i])) ++i;
            if (i >= cps.size()) break;
            size_t j = i;
            while (j < cps.size() && !isPyWhitespace(cps[j])) ++j;
            words.emplace_back(i, j);
            i = j;
        }
        if (maxsplit < 0 || static_cast<size_t>(maxsplit) >= words.size()) {
            for (auto [b, e] : words) out.push_back(Value::string(fromCodePoints(cps, b, e)));
            return out;
        }
        if (!fromRight) {
            for (size_t k = 0; k < static_cast<size_t>(maxsplit); ++k)
                out.push_back(Value::string(fromCodePoints(cps, words[k].first, words[k].second)));
            size_t e = cps.size();
            while (e > 0 && isPyWhitespace(cps[e - 1])) --e;
            out.push_back(Value::string(fromCodePoints(cps, words[static_cast<size_t>(maxsplit)].first, e)));
        } else {
            const size_t first = words.size() - static_cast<size_t>(maxsplit);
            size_t b = 0;
            while (b < cps.size() && isPyWhitespace(cps[b])) ++b;
            out.push_back(Value::string(fromCodePoints(cps, b, words[first - 1].second)));
            for (size_t k = first; k < words.size(); ++k)
                out.push_back(Value::string(fromCodePoints(cps, words[k].first, words[k].second)));
        }
        return out;
    }
    const std::string& sep = needString(*sepArg, "split");
    if (sep.empty()) bad("split: empty separator");
    std::vector<std::string> parts;
    if (!fromRight) {
        size_t pos = 0;
        int64_t n = 0;
        while (maxsplit < 0 || n < maxsplit) {
            const size_t hit = s.find(sep, pos);
            if (hit == std::string::npos) break;
            parts.push_back(s.substr(pos, hit - pos));
            pos = hit + sep.size();
            ++n;
        }
        parts.push_back(s.substr(pos));
    } else {
        size_t end = s.size();
        int64_t n = 0;
        std::vector<std::string> rev;
        while (maxsplit < 0 || n < maxsplit) {
            if (end < sep.size()) break;
            const size_t hit = s.rfind(sep, end - sep.size());
            if (hit == std::string::npos) break;
            rev.push_back(s.substr(hit + sep.size(), end - hit - sep.size()));
            end = hit;
            ++n;
        }
        rev.push_back(s.substr(0, end));
        parts.assign(rev.rbegin(), rev.rend());
    }
    for (auto& p : parts) out.push_back(Value::string(std::move(p)));
    return out;
}

std::string joinItems(Budget& budget, const ValueList& items, const std::string& sep) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += sep;
        out += items[i].pyStr();
        if (out.size() > budget.maxItems()) bad("join: the result is too long");
    }
    budget.chargeBytes(out.size());
    return out;
}

size_t pyLength(const Value& v) {
    switch (v.type()) {
        case Value::Type::String:
            return toCodePoints(v.str()).size();
        case Value::Type::List:
            return v.items().size();
        case Value::Type::Dict:
            return v.dictRef().items.size();
        case Value::Type::Undefined:
            return 0;
        default:
            bad(std::string("object of type '") + v.typeName() + "' has no len()");
    }
}

// An attribute path "a.b" as jinja's attrgetter (dots separate; digits index lists).
// jinja2's make_attrgetter: each part of a dotted path is looked up in turn (digits as an index), a
// part looked up on Undefined raises as in jinja2, and a default replaces every undefined step. Each
// step is charged to the budget: a map over a long string with a long path did seconds of unbudgeted
// work (fuzz_chat_template, 3 December 2026).
Value attrPath(Budget& budget, const Value& v, const std::string& path, const Value* dflt = nullptr) {
    Value cur = v;
    size_t pos = 0;
    while (true) {
        const size_t dot = path.find('.', pos);
        const std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
        budget.chargeBytes(part.size() + 16);
        if (cur.isUndefined()) bad(cur.undefinedName().empty() ? std::string("a value is undefined") : cur.undefinedName());
        const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (digits) {
            // Python's int() has no bound; an index past int64 is one no list or dict holds (undefined).
            int64_t index = 0;
            const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
            cur = ec == std::errc() && end == part.data() + part.size() ? getItem(cur, Value::integer(index)) : Value::undefined(part);
        } else {
            cur = getItem(cur, Value::string(part));
        }
        if (dflt && cur.isUndefined()) cur = *dflt;
        if (dot == std::string::npos) return cur;
        pos = dot + 1;
    }
}

Value tojson(const Value& v, const CallArgs& args) {
    JsonDumpOptions o;
    if (auto a = args.get(99, "ensure_ascii")) o.ensureAscii = a->truthy();
    if (auto a = args.get(0, "indent"); a && !a->isNone()) {
        if (a->isString())
            o.indent = a->str();
        else
            o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(needInt(*a, "tojson indent"), 0, 64)), ' ');
    }
    if (auto a = args.get(99, "separators"); a && !a->isNone()) {
        if (!a->isList() || a->items().size() != 2 || !a->items()[0].isString() || !a->items()[1].isString())
            bad("tojson: separators must be a pair of strings");
        o.separators = std::make_pair(a->items()[0].str(), a->items()[1].str());
    }
    if (auto a = args.get(99, "sort_keys")) o.sortKeys = a->truthy();
    return Value::string(pyJsonDumps(v, o));
}

ValueList selectItems(Budget& budget, const Value& v, const CallArgs& args, bool byAttr, bool keep) {
    ValueList out;
    size_t first = 0;
    std::string attr;
    if (byAttr) {
        if (args.positional.empty()) bad("selectattr/rejectattr need an attribute name");
        attr = needString(args.positional[0], "selectattr");
        first = 1;
    }
    std::string test;
    ValueList testArgs;
    if (args.positional.size() > first) {
        test = needString(args.positional[first], "select test");
        if (!isKnownTest(test)) bad("the test \"" + test + "\" is not supported");
        testArgs.assign(args.positional.begin() + static_cast<long>(first) + 1, args.positional.end());
    }
    for (const Value& item : iterate(budget, v)) {
        const Value subject = byAttr ? attrPath(budget, item, attr) : item;
        const bool pass = test.empty() ? subject.truthy() : applyTest(budget, test, subject, testArgs);
        if (pass == keep) out.push_back(item);
    }
    return out;
}

Value sortItems(Budget& budget, const Value& v, const CallArgs& args) {
    ValueList items = iterate(budget, v);
    const bool reverse = args.get(0, "reverse").value_or(Value::boolean(false)).truthy();
    const bool caseSensitive = args.get(1, "case_sensitive").value_or(Value::boolean(false)).truthy();
    const auto attribute = args.get(2, "attribute");
    auto key = [&](const Value& x) {
        Value k = attribute && !attribute->isNone() ? attrPath(budget, x, needString(*attribute, "sort attribute")) : x;
        if (!caseSensitive && k.isString()) k = Value::string(pyLower(k.str()));
        return k;
    };
    std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
        const int c = pyCompare(key(a), key(b));
        return reverse ? c > 0 : c < 0;
    });
    return Value::list(std::move(items));
}

}  // namespace

bool isKnownFilter(const std::string& name) {
    return filters().count(name) > 0;
}
bool isKnownTest(const std::string& name) {
    return tests().count(name) > 0;
}
bool isKnownMethod(const std::string& name) {
    return methods().count(name) > 0;
}
bool isKnownGlobal(const std::string& name) {
    return name == "range" || name == "namespace" || name == "dict" || name == "raise_exception" || name == "strftime_now";
}

constexpr size_t kSharedCopyBytes = 2 * sizeof(void*);

ValueList iterate(Budget& budget, const Value& v) {
    switch (v.type()) {
        // A copied list item shares what it holds: charged as a reference (a loop's turns are
        // counted as steps besides, so a loop over a list meets the step limit first).
        case Value::Type::List:
            budget.chargeBytes(v.items().size() * kSharedCopyBytes);
            return v.items();
        case Value::Type::Dict: {  // its keys become new strings
            ValueList keys;
            for (const auto& [k, x] : v.dictRef().items) {
                budget.chargeBytes(sizeof(Value) + k.size());
                keys.push_back(Value::string(k));
            }
            return keys;
        }
        case Value::Type::String: {
            // One value per character: a string of n bytes becomes up to n values, each far larger
            // than its byte. Charged before they are built, so a template that iterates long strings
            // over and over runs out of budget instead of time and memory.
            const std::vector<char32_t> cps = toCodePoints(v.str());
            budget.chargeBytes(v.str().size() + cps.size() * (sizeof(Value) + sizeof(std::string)));
            ValueList chars;
            chars.reserve(cps.size());
            for (char32_t c : cps) {
                std::string s;
                appendUtf8(s, c);
                chars.push_back(Value::string(std::move(s)));
            }
            return chars;
        }
        case Value::Type::Undefined:
            return {};
        default:
            bad(std::string("'") + v.typeName() + "' object is not iterable");
    }
}

// "'dict object' has no attribute 'x'" (built piecewise: GCC 12 warns, falsely, on "lit" + string).
std::string noAttribute(const Value& obj, const std::string& what) {
    std::string s = "'";
    s += obj.typeName();
    s += " object' has no attribute ";
    s += what;
    return s;
}

Value getAttr(const Value& obj, const std::string& name) {
    if (obj.isDict()) {
        if (const Value* v = obj.dictRef().find(name)) return *v;
        return Value::undefined(noAttribute(obj, "'" + name + "'"));
    }
    return Value::undefined(noAttribute(obj, "'" + name + "'"));
}

Value getItem(const Value& obj, const Value& key) {
    if (obj.isDict()) {
        if (key.isString())
            if (const Value* v = obj.dictRef().find(key.str())) return *v;
        return Value::undefined(noAttribute(obj, key.pyRepr()));
    }
    if ((obj.isList() || obj.isString()) && (key.type() == Value::Type::Int || key.type() == Value::Type::Bool)) {
        int64_t i = key.asInt();
        if (obj.isList()) {
            const auto n = static_cast<int64_t>(obj.items().size());
            if (i < 0) i += n;
            if (i >= 0 && i < n) return obj.items()[static_cast<size_t>(i)];
        } else {
            const auto cps = toCodePoints(obj.str());
            const auto n = static_cast<int64_t>(cps.size());
            if (i < 0) i += n;
            if (i >= 0 && i < n) return Value::string(fromCodePoints(cps, static_cast<size_t>(i), static_cast<size_t>(i) + 1));
        }
        return Value::undefined(std::string(obj.typeName()) + " index out of range");
    }
    return Value::undefined(noAttribute(obj, key.pyRepr()));
}

Value getSlice(Budget& budget, const Value& obj, const Value& start, const Value& stop, const Value& step) {
    if (obj.isDict()) bad("unhashable type: 'slice'");                                         // as jinja2 fails on a dict sliced
    if (!obj.isList() && !obj.isString()) return Value::undefined(noAttribute(obj, "slice"));  // a failed getitem is undefined
    const std::vector<char32_t> cps = obj.isString() ? toCodePoints(obj.str()) : std::vector<char32_t>{};
    const auto n = static_cast<int64_t>(obj.isString() ? cps.size() : obj.items().size());
    const int64_t st = step.isNone() || step.isUndefined() ? 1 : needInt(step, "slice step");
    if (st == 0) bad("slice step cannot be zero");
    auto bound = [&](const Value& v, int64_t dflt) {
        if (v.isNone() || v.isUndefined()) return dflt;
        int64_t i = needInt(v, "slice index");
        if (i < 0) i += n;
        if (st > 0) return std::clamp<int64_t>(i, 0, n);
        return std::clamp<int64_t>(i, -1, n - 1);
    };
    const int64_t b = bound(start, st > 0 ? 0 : n - 1), e = bound(stop, st > 0 ? n : -1);
    ValueList items;
    std::string text;
    for (int64_t i = b; st > 0 ? i < e : i > e; i += st) {
        if (obj.isString())
            appendUtf8(text, cps[static_cast<size_t>(i)]);
        else
            items.push_back(obj.items()[static_cast<size_t>(i)]);
    }
    budget.chargeBytes(text.size() + items.size() * sizeof(Value));
    return obj.isString() ? Value::string(std::move(text)) : Value::list(std::move(items), obj.isTuple());
}

bool applyTest(Budget& budget, const std::string& name, const Value& v, const ValueList& args) {
    using T = Value::Type;
    auto arg = [&](size_t i) -> const Value& {
        if (i >= args.size()) bad("the test \"" + name + "\" needs an argument");
        return args[i];
    };
    if (name == "defined") return !v.isUndefined();
    if (name == "undefined") return v.isUndefined();
    if (name == "none") return v.isNone();
    if (name == "string") return v.isString();
    if (name == "mapping") return v.isDict();
    if (name == "iterable") return v.isList() || v.isDict() || v.isString() || v.isUndefined();
    if (name == "sequence") return v.isList() || v.isDict() || v.isString() || v.isUndefined();
    if (name == "number") return v.isNumber();
    if (name == "integer") return v.type() == T::Int;
    if (name == "float") return v.type() == T::Float;
    if (name == "boolean") return v.type() == T::Bool;
    if (name == "true") return v.type() == T::Bool && v.asBool();
    if (name == "false") return v.type() == T::Bool && !v.asBool();
    if (name == "callable") return v.isCallable();
    if (name == "odd" || name == "even") {
        if (v.type() == T::Float) {  // Python: value % 2 (the sign of the divisor)
            double r = std::fmod(v.asDouble(), 2.0);
            if (r < 0) r += 2.0;
            return r == (name == "odd" ? 1.0 : 0.0);
        }
        const int64_t i = needInt(v, "the test " + name);
        return ((i % 2) != 0) == (name == "odd");
    }
    if (name == "divisibleby") {  // value % num == 0, floats included
        const Value& d = arg(0);
        if (!v.isNumber() || !d.isNumber()) bad("divisibleby needs numbers");
        if (v.type() == T::Float || d.type() == T::Float) {
            if (d.asDouble() == 0) bad("float modulo by zero");
            return std::fmod(v.asDouble(), d.asDouble()) == 0;
        }
        if (d.asInt() == 0) bad("integer division or modulo by zero");
        if (d.asInt() == -1) return true;
        return v.asInt() % d.asInt() == 0;
    }
    if (name == "eq" || name == "equalto") return pyEquals(v, arg(0));
    if (name == "ne") return !pyEquals(v, arg(0));
    if (name == "lt" || name == "lessthan") return pyCompare(v, arg(0)) < 0;
    if (name == "le") return pyCompare(v, arg(0)) <= 0;
    if (name == "gt" || name == "greaterthan") return pyCompare(v, arg(0)) > 0;
    if (name == "ge") return pyCompare(v, arg(0)) >= 0;
    if (name == "in") {
        // A string holds its substrings (Python's `in`), not only its characters: no list of characters is built.
        if (arg(0).isString()) return v.isString() && arg(0).str().find(v.str()) != std::string::npos;
        for (const Value& x : iterate(budget, arg(0)))
            if (pyEquals(x, v)) return true;
        return false;
    }
    if (name == "lower" || name == "upper") {  // str.islower / isupper: cased characters, all of one case
        const std::string text = v.pyStr();    // jinja2: str(value).islower()
        const std::string lower = pyLower(text), upper = pyUpper(text);
        return name == "lower" ? (lower == text && upper != text) : (upper == text && lower != text);
    }
    if (name == "sameas") {
        const Value& o = arg(0);
        if (v.type() != o.type()) return false;
        if (v.isNone() || v.isUndefined()) return true;
        if (v.type() == T::Bool) return v.asBool() == o.asBool();
        if (v.isList()) return v.listPtr() == o.listPtr();
        if (v.isDict()) return v.dictPtr() == o.dictPtr();
        return pyEquals(v, o);
    }
    bad("the test \"" + name + "\" is not supported");
}

Value applyFilter(Budget& budget, const std::string& name, const Value& v, const CallArgs& args) {
    if (name == "trim") return Value::string(pyStrip(v.pyStr(), args.get(0, "chars"), true, true));  // jinja2: str(value).strip()
    if (name == "length" || name == "count") return Value::integer(static_cast<int64_t>(pyLength(v)));
    if (name == "tojson") return tojson(v, args);
    if (name == "string") return Value::string(v.pyStr());
    if (name == "safe") return v;
    if (name == "default" || name == "d") {
        const Value dflt = args.get(0, "default_value").value_or(Value::string(""));
        const bool boolean = args.get(1, "boolean").value_or(Value::boolean(false)).truthy();
        if (v.isUndefined() || (boolean && !v.truthy())) return dflt;
        return v;
    }
    if (name == "items") {
        if (v.isUndefined()) return Value::list({});
        if (!v.isDict()) bad("items: can only get item pairs from a mapping");
        ValueList out;
        for (const auto& [k, x] : v.dictRef().items) out.push_back(Value::list({Value::string(k), x}, true));
        return Value::list(std::move(out));
    }
    if (name == "upper") return Value::string(pyUpper(v.pyStr()));
    if (name == "lower") return Value::string(pyLower(v.pyStr()));
    if (name == "capitalize") return Value::string(pyCapitalize(v.pyStr()));
    if (name == "title") return Value::string(jinjaTitle(v.pyStr()));  // jinja2's own rule, not str.title
    if (name == "replace") {
        const auto from = args.get(0, "old"), to = args.get(1, "new");
        if (!from || !to) bad("replace needs the old and the new text");
        const int64_t count =
            args.get(2, "count").has_value() && !args.get(2, "count")->isNone() ? needInt(*args.get(2, "count"), "replace") : -1;
        return Value::string(pyReplace(budget, v.pyStr(), from->pyStr(), to->pyStr(), count));
    }
    if (name == "join") {
        const std::string sep = args.get(0, "d").value_or(Value::string("")).pyStr();
        ValueList items = iterate(budget, v);
        if (auto attr = args.get(1, "attribute"); attr && !attr->isNone())
            for (Value& x : items) x = attrPath(budget, x, attr->pyStr());
        return Value::string(joinItems(budget, items, sep));
    }
    if (name == "first" || name == "last") {
        ValueList items = iterate(budget, v);
        if (items.empty()) return Value::undefined("no " + name + " item, sequence was empty");
        return name == "first" ? items.front() : items.back();
    }
    if (name == "list") return Value::list(iterate(budget, v));
    if (name == "reverse") {
        if (v.isString()) {
            auto cps = toCodePoints(v.str());
            std::reverse(cps.begin(), cps.end());
            return Value::string(fromCodePoints(cps, 0, cps.size()));
        }
        ValueList items = iterate(budget, v);
        std::reverse(items.begin(), items.end());
        return Value::list(std::move(items));
    }
    if (name == "selectattr" || name == "rejectattr") return Value::list(selectItems(budget, v, args, true, name == "selectattr"));
    if (name == "select" || name == "reject") return Value::list(selectItems(budget, v, args, false, name == "select"));
    if (name == "map") {
        ValueList out;
        if (auto attr = args.get(99, "attribute")) {
            const auto dflt = args.get(99, "default");
            const std::string path = attr->pyStr();
            for (const Value& x : iterate(budget, v)) out.push_back(attrPath(budget, x, path, dflt && !dflt->isNone() ? &*dflt : nullptr));
            return Value::list(std::move(out));
        }
        if (args.positional.empty()) bad("map needs a filter name or attribute=");
        const std::string filter = needString(args.positional[0], "map");
        if (!isKnownFilter(filter) || filter == "map") bad("map: the filter \"" + filter + "\" is not supported");
        CallArgs rest;
        rest.positional.assign(args.positional.begin() + 1, args.positional.end());
        rest.keyword = args.keyword;
        for (const Value& x : iterate(budget, v)) out.push_back(applyFilter(budget, filter, x, rest));
        return Value::list(std::move(out));
    }
    if ((name == "int" || name == "float") && v.isUndefined()) bad(v.undefinedName().empty() ? "a value is undefined" : v.undefinedName());
    if (name == "int") {  // jinja2: int(value), else int(float(value)), else the default
        const Value dflt = args.get(0, "default").value_or(Value::integer(0));
        if (v.type() == Value::Type::Float) {
            const double f = v.asDouble();
            if (!std::isfinite(f) || std::fabs(f) >= 9.2e18) return dflt;
            return Value::integer(static_cast<int64_t>(f));
        }
        if (v.isNumber()) return Value::integer(v.asInt());
        if (v.isString()) {
            const std::string s = pyStrip(v.str(), std::nullopt, true, true);
            try {
                size_t used = 0;
                const long long i = std::stoll(s, &used, 10);
                if (used == s.size()) return Value::integer(i);
            } catch (const std::exception&) {
            }
            try {
                size_t used = 0;
                const double f = std::stod(s, &used);
                if (used == s.size() && std::isfinite(f) && std::fabs(f) < 9.2e18) return Value::integer(static_cast<int64_t>(f));
            } catch (const std::exception&) {
            }
        }
        return dflt;
    }
    if (name == "float") {
        const Value dflt = args.get(0, "default").value_or(Value::number(0));
        if (v.isNumber()) return Value::number(v.asDouble());
        if (v.isString()) {
            try {
                size_t used = 0;
                const std::string s = pyStrip(v.str(), std::nullopt, true, true);
                const double f = std::stod(s, &used);
                if (used == s.size()) return Value::number(f);
            } catch (const std::exception&) {
            }
        }
        return dflt;
    }
    if (name == "abs") {
        if (v.type() == Value::Type::Float) return Value::number(std::abs(v.asDouble()));
        const int64_t i = needInt(v, "abs");
        if (i == INT64_MIN) bad("abs: integer overflow");
        return Value::integer(i < 0 ? -i : i);
    }
    if (name == "sort") return sortItems(budget, v, args);
    if (name == "unique") {  // jinja2: case-insensitive for strings unless case_sensitive=true
        const bool caseSensitive = args.get(0, "case_sensitive").value_or(Value::boolean(false)).truthy();
        auto key = [&](const Value& x) { return !caseSensitive && x.isString() ? Value::string(pyLower(x.str())) : x; };
        ValueList out, keys;
        for (const Value& x : iterate(budget, v)) {
            if (x.isList() && !x.isTuple()) bad("unhashable type: 'list'");  // jinja2 keeps a set of what it saw
            if (x.isDict()) bad("unhashable type: 'dict'");
            budget.chargeBytes(out.size());  // quadratic: bounded by the work budget
            const Value k = key(x);
            if (std::none_of(keys.begin(), keys.end(), [&](const Value& y) { return pyEquals(k, y); })) {
                keys.push_back(k);
                out.push_back(x);
            }
        }
        return Value::list(std::move(out));
    }
    if (name == "min" || name == "max") {
        ValueList items = iterate(budget, v);
        if (items.empty()) return Value::undefined("no " + name + " item, sequence was empty");
        Value best = items[0];
        for (const Value& x : items)
            if (name == "min" ? pyCompare(x, best) < 0 : pyCompare(x, best) > 0) best = x;
        return best;
    }
    if (name == "indent") {
        const Value w = args.get(0, "width").value_or(Value::integer(4));
        const std::string pad =
            w.isString() ? w.str() : std::string(static_cast<size_t>(std::clamp<int64_t>(needInt(w, "indent"), 0, 256)), ' ');
        const bool first = args.get(1, "first").value_or(Value::boolean(false)).truthy();
        const bool blank = args.get(2, "blank").value_or(Value::boolean(false)).truthy();
        const std::string s = v.pyStr();
        std::string out;
        size_t pos = 0;
        bool firstLine = true;
        while (pos <= s.size()) {
            const size_t nl = s.find('\n', pos);
            const std::string line = s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
            const bool indentIt = firstLine ? first : (blank || !pyStrip(line, std::nullopt, true, true).empty());
            if (indentIt && !(firstLine && line.empty() && s.empty())) out += pad;
            out += line;
            if (nl == std::string::npos) break;
            out += '\n';
            pos = nl + 1;
            firstLine = false;
            if (out.size() > budget.maxItems()) bad("indent: the result is too long");
        }
        budget.chargeBytes(out.size());
        return Value::string(std::move(out));
    }
    bad("the filter \"" + name + "\" is not supported");
}

Value callMethod(Budget& budget, const Value& obj, const std::string& name, const CallArgs& args) {
    if (obj.isString()) {
        const std::string& s = obj.str();
        if (name == "startswith" || name == "endswith") {
            const auto a = args.get(0, "prefix");
            if (!a) bad(name + " needs an argument");
            ValueList options = a->isList() ? a->items() : ValueList{*a};
            for (const Value& o : options) {
                const std::string& p = needString(o, name);
                if (name == "startswith" ? s.compare(0, p.size(), p) == 0 && s.size() >= p.size()
                                         : s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0)
                    return Value::boolean(true);
            }
            return Value::boolean(false);
        }
        if (name == "split" || name == "rsplit") {
            const auto m = args.get(1, "maxsplit");
            ValueList parts = pySplit(s, args.get(0, "sep"), m ? needInt(*m, name) : -1, name == "rsplit");
            budget.chargeBytes(s.size() + parts.size() * sizeof(Value));
            return Value::list(std::move(parts));
        }
        if (name == "strip") return Value::string(pyStrip(s, args.get(0, "chars"), true, true));
        if (name == "lstrip") return Value::string(pyStrip(s, args.get(0, "chars"), true, false));
        if (name == "rstrip") return Value::string(pyStrip(s, args.get(0, "chars"), false, true));
        if (name == "replace") {
            const auto from = args.get(0, "old"), to = args.get(1, "new");
            if (!from || !to) bad("replace needs the old and the new text");
            const auto c = args.get(2, "count");
            return Value::string(
                pyReplace(budget, s, needString(*from, "replace"), needString(*to, "replace"), c ? needInt(*c, "replace") : -1));
        }
        if (name == "upper") return Value::string(pyUpper(s));
        if (name == "lower") return Value::string(pyLower(s));
        if (name == "title") return Value::string(pyTitle(s));
        if (name == "capitalize") return Value::string(pyCapitalize(s));
        if (name == "find" || name == "count") {
            const auto a = args.get(0, "sub");
            if (!a) bad(name + " needs an argument");
            const std::string& sub = needString(*a, name);
            if (name == "find") {
                const size_t hit = s.find(sub);
                return Value::integer(hit == std::string::npos ? -1 : static_cast<int64_t>(toCodePoints(s.substr(0, hit)).size()));
            }
            if (sub.empty()) return Value::integer(static_cast<int64_t>(toCodePoints(s).size()) + 1);
            int64_t n = 0;
            for (size_t pos = s.find(sub); pos != std::string::npos; pos = s.find(sub, pos + sub.size())) ++n;
            return Value::integer(n);
        }
        if (name == "join") {
            const auto a = args.get(0, "iterable");
            if (!a) bad("join needs an argument");
            ValueList items = iterate(budget, *a);
            for (const Value& x : items) needString(x, "str.join");
            return Value::string(joinItems(budget, items, s));
        }
    } else if (obj.isDict() && !obj.isNamespace()) {
        const Dict& d = obj.dictRef();
        if (name == "get") {
            const auto k = args.get(0, "key");
            if (!k) bad("get needs a key");
            if (k->isString())
                if (const Value* v = d.find(k->str())) return *v;
            return args.get(1, "default").value_or(Value::none());
        }
        ValueList out;
        for (const auto& [k, v] : d.items) {
            if (name == "items")
                out.push_back(Value::list({Value::string(k), v}, true));
            else if (name == "keys")
                out.push_back(Value::string(k));
            else if (name == "values")
                out.push_back(v);
            else
                break;
        }
        if (name == "items" || name == "keys" || name == "values") return Value::list(std::move(out));
    }
    if (obj.isList() && name == "count") {  // list.count(x): the one non-mutating list method templates use
        const auto a = args.get(0, "value");
        if (!a) bad("count needs an argument");
        return Value::integer(std::count_if(obj.items().begin(), obj.items().end(), [&](const Value& x) { return pyEquals(x, *a); }));
    }
    if (obj.isUndefined()) bad(obj.undefinedName().empty() ? "a value is undefined" : obj.undefinedName());
    bad(std::string("'") + obj.typeName() + "' object has no method '" + name + "'");
}

Value globalFunction(Budget& budget, const std::string& name) {
    auto c = std::make_shared<Callable>();
    c->name = name;
    Budget* b = &budget;
    if (name == "range") {
        c->builtin = [b](CallArgs& a) {
            if (!a.keyword.empty() || a.positional.empty() || a.positional.size() > 3) bad("range takes 1 to 3 integers");
            int64_t start = 0, stop, step = 1;
            if (a.positional.size() == 1) {
                stop = needInt(a.positional[0], "range");
            } else {
                start = needInt(a.positional[0], "range");
                stop = needInt(a.positional[1], "range");
                if (a.positional.size() == 3) step = needInt(a.positional[2], "range");
            }
            if (step == 0) bad("range() arg 3 must not be zero");
            ValueList out;
            for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
                if (out.size() >= b->maxItems() / 64) bad("range() is longer than a chat template may make");
                out.push_back(Value::integer(i));
                if ((step > 0 && i > INT64_MAX - step) || (step < 0 && i < INT64_MIN - step)) break;
            }
            b->chargeBytes(out.size() * sizeof(Value));
            return Value::list(std::move(out));
        };
    } else if (name == "namespace" || name == "dict") {
        const bool ns = name == "namespace";
        c->builtin = [ns](CallArgs& a) {
            auto d = std::make_shared<Dict>();
            for (const Value& p : a.positional) {
                if (!p.isDict()) bad(std::string(ns ? "namespace" : "dict") + "() takes a mapping or keyword arguments");
                for (const auto& [k, v] : p.dictRef().items) d->set(k, v);
            }
            for (const auto& [k, v] : a.keyword) d->set(k, v);
            return Value::dict(std::move(d), ns);
        };
    } else if (name == "raise_exception") {
        c->builtin = [](CallArgs& a) -> Value {
            throw Error(ErrorKind::BadInput,
                        "the chat template refused the conversation: " + (a.positional.empty() ? std::string() : a.positional[0].pyStr()));
        };
    } else if (name == "strftime_now") {
        c->builtin = [](CallArgs& a) {
            if (a.positional.empty()) bad("strftime_now needs a format");
            const std::string& fmt = needString(a.positional[0], "strftime_now");
            const std::time_t now = std::time(nullptr);
            std::tm tm{};
            localtime_r(&now, &tm);
            char buf[256];
            const size_t n = fmt.size() < 128 ? std::strftime(buf, sizeof buf, fmt.c_str(), &tm) : 0;
            return Value::string(std::string(buf, n));
        };
    } else {
        return Value::undefined(name);
    }
    return Value::callable(std::move(c));
}

}  // namespace sightline::jinja
