// The filters, tests, methods and global functions of the chat-template interpreter, with
// jinja2's (and Python's) semantics; transformers' environment adds tojson (json.dumps with
// ensure_ascii=False), raise_exception and strftime_now. A name not listed here is refused when the
// template is parsed (isKnown*), so a template never fails halfway for lack of a builtin.
// Builtins throw Error(BadInput) without a location; the renderer adds the template line.
#pragma once

#include <string>

#include "text/jinja/value.h"

namespace sightline::jinja {

// What a builtin may ask of the render it runs in: the budgets against hostile templates.
class Budget {
public:
    virtual ~Budget() = default;
    virtual void chargeBytes(size_t bytes) = 0;  // bytes a string or list operation produced
    virtual size_t maxItems() const = 0;         // longest list or string (in bytes) one value may be
};

bool isKnownFilter(const std::string& name);
bool isKnownTest(const std::string& name);
bool isKnownMethod(const std::string& name);
bool isKnownGlobal(const std::string& name);

Value applyFilter(Budget& budget, const std::string& name, const Value& value, const CallArgs& args);
bool applyTest(Budget& budget, const std::string& name, const Value& value, const ValueList& args);
// obj.name(args) for str, dict and list values.
Value callMethod(Budget& budget, const Value& obj, const std::string& name, const CallArgs& args);
// The global functions (range, namespace, dict, raise_exception, strftime_now) as callables.
Value globalFunction(Budget& budget, const std::string& name);

// jinja2's getattr / getitem: a missing attribute, key or index is Undefined, not an error
// (attribute or item of Undefined itself is an error, raised by the renderer).
Value getAttr(const Value& obj, const std::string& name);
Value getItem(const Value& obj, const Value& key);
Value getSlice(Budget& budget, const Value& obj, const Value& start, const Value& stop, const Value& step);
// The items a for loop visits: list items, dict keys, string characters; Undefined: none. The
// values built are charged to the budget (a string's characters each become a value).
ValueList iterate(Budget& budget, const Value& v);

}  // namespace sightline::jinja
