// Values of the chat-template interpreter: the Python objects a Jinja template sees (None, bool,
// int, float, str, list/tuple, dict, callables, Jinja's Undefined), with Python's semantics for
// truth, equality, ordering, str() and repr(), and transformers' tojson (json.dumps).
// Lists and dicts are shared by reference as in Python (a namespace is a dict whose attributes the
// template may assign); everything else is a plain value. Pure; any thread, one Value per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sightline::jinja {

class Value;
using ValueList = std::vector<Value>;

// A dict keeps insertion order (Python 3.7+); keys are strings (the templates' inputs are JSON).
struct Dict {
    std::vector<std::pair<std::string, Value>> items;
    const Value* find(const std::string& key) const;
    void set(const std::string& key, Value value);
};

struct Node;  // a macro's definition (ast.h)
struct CallArgs;

// A built-in function or a macro. Builtins get the positional and keyword arguments.
struct Callable {
    std::string name;
    const Node* macro = nullptr;  // a template macro, or
    std::function<Value(CallArgs&)> builtin;
};

class Value {
public:
    enum class Type { Undefined, None, Bool, Int, Float, String, List, Dict, Callable };

    Value() = default;  // Undefined
    static Value undefined(std::string name = {});
    static Value none();
    static Value boolean(bool b);
    static Value integer(int64_t i);
    static Value number(double f);
    static Value string(std::string s);
    static Value list(ValueList items, bool tuple = false);
    static Value dict(std::shared_ptr<Dict> d, bool isNamespace = false);
    static Value callable(std::shared_ptr<const Callable> c);
    static Value fromJson(const nlohmann::ordered_json& j);

    Type type() const { return m_type; }
    bool isUndefined() const { return m_type == Type::Undefined; }
    bool isNone() const { return m_type == Type::None; }
    bool isString() const { return m_type == Type::String; }
    bool isList() const { return m_type == Type::List; }
    bool isDict() const { return m_type == Type::Dict; }
    bool isNumber() const { return m_type == Type::Int || m_type == Type::Float || m_type == Type::Bool; }
    bool isCallable() const { return m_type == Type::Callable; }
    bool isTuple() const { return m_tuple; }
    bool isNamespace() const { return m_namespace; }

    bool asBool() const { return m_bool; }
    int64_t asInt() const { return m_type == Type::Bool ? (m_bool ? 1 : 0) : m_int; }
    double asDouble() const { return m_type == Type::Float ? m_float : static_cast<double>(asInt()); }
    const std::string& str() const { return m_string ? *m_string : emptyString(); }
    const ValueList& items() const { return *m_list; }
    const std::shared_ptr<ValueList>& listPtr() const { return m_list; }
    const Dict& dictRef() const { return *m_dict; }
    const std::shared_ptr<Dict>& dictPtr() const { return m_dict; }
    const Callable& callableRef() const { return *m_callable; }
    const std::string& undefinedName() const { return str(); }
    // Work a builtin does on this value: its bytes, items or keys (charged against the budget).
    size_t size() const;

    bool truthy() const;
    // Python str(): the text {{ value }} writes (Undefined writes nothing).
    std::string pyStr() const;
    std::string pyRepr() const;
    const char* typeName() const;

private:
    Type m_type = Type::Undefined;
    bool m_bool = false;
    bool m_tuple = false;
    bool m_namespace = false;
    int64_t m_int = 0;
    double m_float = 0;
    // String; the variable's name for Undefined. Shared: copying a value (every variable read) is O(1).
    std::shared_ptr<const std::string> m_string;
    static const std::string& emptyString();
    std::shared_ptr<ValueList> m_list;
    std::shared_ptr<Dict> m_dict;
    std::shared_ptr<const Callable> m_callable;
};

struct CallArgs {
    ValueList positional;
    std::vector<std::pair<std::string, Value>> keyword;
    // The argument at `index` or named `name`, or nullopt.
    std::optional<Value> get(size_t index, const std::string& name) const;
};

bool pyEquals(const Value& a, const Value& b);
// <0, 0, >0; throws Error(BadInput) for types Python cannot order.
int pyCompare(const Value& a, const Value& b);
// Python repr(float) (shortest round trip: 0.1, 1e-05, 1e+16, inf, nan).
std::string pyFloatRepr(double f);

struct JsonDumpOptions {
    bool ensureAscii = false;           // transformers' tojson default
    std::optional<std::string> indent;  // none: one line
    std::optional<std::pair<std::string, std::string>> separators;
    bool sortKeys = false;
};
// Python's json.dumps with these options, byte for byte (transformers' tojson filter).
std::string pyJsonDumps(const Value& v, const JsonDumpOptions& options);

// Python's notion of whitespace (str.isspace) for one code point.
bool isPyWhitespace(char32_t c);
// UTF-8 code points of `s` (ill-formed bytes become U+FFFD each, as a template never sees them:
// inputs are valid UTF-8).
std::vector<char32_t> toCodePoints(const std::string& s);
void appendUtf8(std::string& out, char32_t c);

}  // namespace sightline::jinja
