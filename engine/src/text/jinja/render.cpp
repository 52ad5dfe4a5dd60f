// The evaluator of parsed chat templates (ast.h) and the ChatTemplate API.
#include <algorithm>
#include <cmath>

#include "sightline/chat_template.h"
#include "sightline/error.h"
#include "text/jinja/ast.h"
#include "text/jinja/builtins.h"

namespace sightline {
namespace jinja {
namespace {

// Scopes as jinja2 has them: the template's top level, one per for-loop iteration (assignments
// inside a loop do not leak out, nor into the next iteration), one per macro call (whose parent is
// the top level, not the caller).
struct Frame {
    std::vector<std::pair<std::string, Value>> vars;
    const Frame* parent = nullptr;

    const Value* find(const std::string& name) const {
        for (const Frame* f = this; f; f = f->parent)
            for (const auto& [k, v] : f->vars)
                if (k == name) return &v;
        return nullptr;
    }
    void set(const std::string& name, Value v) {
        for (auto& [k, x] : vars)
            if (k == name) {
                x = std::move(v);
                return;
            }
        vars.emplace_back(name, std::move(v));
    }
};

enum class Flow { Normal, Break, Continue };

class Renderer final : public Budget {
public:
    Renderer(const Template& t, const ChatTemplateLimits& limits) : m_t(t), m_limits(limits) {}

    std::string render(const nlohmann::ordered_json& variables) {
        Frame root;
        for (const char* g : {"range", "namespace", "dict", "raise_exception", "strftime_now"}) root.set(g, globalFunction(*this, g));
        if (variables.is_object())
            for (auto it = variables.begin(); it != variables.end(); ++it) root.set(it.key(), Value::fromJson(it.value()));
        m_root = &root;
        std::string out;
        try {
            if (exec(m_t.body, root, out) != Flow::Normal) fail("break or continue outside a loop");
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::BadInput) throw;
            throw Error(ErrorKind::BadInput, m_t.name + " line " + std::to_string(m_line) + ": " + e.what());
        }
        return out;
    }

    void chargeBytes(size_t bytes) override {
        m_workBytes += static_cast<int64_t>(bytes);
        if (m_workBytes > m_limits.maxWorkBytes)
            fail("the template produced more than " + std::to_string(m_limits.maxWorkBytes >> 20) + " MiB of text while rendering");
    }
    size_t maxItems() const override { return m_limits.maxOutputBytes; }

private:
    [[noreturn]] void fail(const std::string& what) const { throwBadInput(what); }

    // Evaluation recurses along the template's nesting and through macro calls: bounded, so a
    // hostile template is refused rather than overflowing the stack.
    static constexpr int kMaxRenderDepth = 1200;
    struct DepthGuard {
        explicit DepthGuard(Renderer& r) : m_r(r) {
            if (++m_r.m_depth > kMaxRenderDepth)
                m_r.fail("the template nests (through macro calls) deeper than " + std::to_string(kMaxRenderDepth) + " levels");
        }
        ~DepthGuard() { --m_r.m_depth; }
        Renderer& m_r;
    };

    void step(int line) {
        m_line = line;
        if (++m_steps > m_limits.maxSteps)
            fail("rendering took more than " + std::to_string(m_limits.maxSteps) + " steps (a loop too long for a chat template)");
    }

    void append(std::string& out, const std::string& s) {
        if (out.size() + s.size() > m_limits.maxOutputBytes)
            fail("the rendered text is longer than " + std::to_string(m_limits.maxOutputBytes >> 20) + " MiB");
        chargeBytes(s.size());
        out += s;
    }

    Flow exec(const Body& body, Frame& frame, std::string& out) {
        for (const NodePtr& n : body) {
            const Flow f = execNode(*n, frame, out);
            if (f != Flow::Normal) return f;
        }
        return Flow::Normal;
    }

    void assign(Frame& frame, const std::vector<std::string>& targets, const Value& v) {
        if (targets.size() == 1) {
            frame.set(targets[0], v);
            return;
        }
        const ValueList items = iterate(*this, v);
        if (items.size() != targets.size())
            fail("cannot unpack " + std::to_string(items.size()) + " values into " + std::to_string(targets.size()) + " names");
        for (size_t i = 0; i < targets.size(); ++i) frame.set(targets[i], items[i]);
    }

    Flow execNode(const Node& n, Frame& frame, std::string& out) {
        DepthGuard guard(*this);
        step(n.line);
        switch (n.kind) {
            case NodeKind::Text:
                append(out, n.text);
                return Flow::Normal;
            case NodeKind::Output: {
                const Value v = eval(*n.expr, frame);
                append(out, v.pyStr());
                return Flow::Normal;
            }
            case NodeKind::If:
                for (size_t i = 0; i < n.bodies.size(); ++i)
                    if (i >= n.conditions.size() || eval(*n.conditions[i], frame).truthy()) return exec(n.bodies[i], frame, out);
                return Flow::Normal;
            case NodeKind::For:
                execFor(n, frame, out);
                return Flow::Normal;
            case NodeKind::Set: {
                Value v = eval(*n.expr, frame);
                m_line = n.line;
                if (!n.attr.empty()) {
                    const Value* ns = frame.find(n.targets[0]);
                    if (!ns || !ns->isNamespace()) fail("cannot assign attribute on non-namespace object '" + n.targets[0] + "'");
                    ns->dictPtr()->set(n.attr, std::move(v));
                } else {
                    assign(frame, n.targets, v);
                }
                return Flow::Normal;
            }
            case NodeKind::SetBlock: {
                std::string text;
                if (exec(n.body, frame, text) != Flow::Normal) fail("break or continue inside a block set");
                frame.set(n.targets[0], Value::string(std::move(text)));
                return Flow::Normal;
            }
            case NodeKind::Macro: {
                auto c = std::make_shared<Callable>();
                c->name = n.text;
                c->macro = &n;
                frame.set(n.text, Value::callable(std::move(c)));
                return Flow::Normal;
            }
            case NodeKind::Break:
                return Flow::Break;
            case NodeKind::Continue:
                return Flow::Continue;
            case NodeKind::Scope:
                return exec(n.body, frame, out);
        }
        return Flow::Normal;
    }

    void execFor(const Node& n, Frame& frame, std::string& out) {
        const Value iterable = eval(*n.expr, frame);
        if (iterable.isNone()) fail("'NoneType' object is not iterable");
        chargeBytes(iterable.size());
        ValueList items = iterate(*this, iterable);
        if (n.filter) {
            ValueList kept;
            for (const Value& item : items) {
                step(n.line);
                Frame f;
                f.parent = &frame;
                assign(f, n.targets, item);
                if (eval(*n.filter, f).truthy()) kept.push_back(item);
            }
            items = std::move(kept);
        }
        const auto length = static_cast<int64_t>(items.size());
        for (int64_t i = 0; i < length; ++i) {
            step(n.line);  // an empty body still costs a step per item
            Frame f;
            f.parent = &frame;
            f.vars.reserve(n.targets.size() + 1);
            if (n.usesLoop) {
                auto loop = std::make_shared<Dict>();  // fresh keys: appended without the lookup set() does
                loop->items.reserve(11);
                loop->items.emplace_back("index0", Value::integer(i));
                loop->items.emplace_back("index", Value::integer(i + 1));
                loop->items.emplace_back("revindex0", Value::integer(length - i - 1));
                loop->items.emplace_back("revindex", Value::integer(length - i));
                loop->items.emplace_back("first", Value::boolean(i == 0));
                loop->items.emplace_back("last", Value::boolean(i == length - 1));
                loop->items.emplace_back("length", Value::integer(length));
                loop->items.emplace_back("depth", Value::integer(1));
                loop->items.emplace_back("depth0", Value::integer(0));
                loop->items.emplace_back("previtem", i > 0 ? items[static_cast<size_t>(i - 1)] : Value());
                loop->items.emplace_back("nextitem", i + 1 < length ? items[static_cast<size_t>(i + 1)] : Value());
                f.vars.emplace_back("loop", Value::dict(std::move(loop)));
            }
            assign(f, n.targets, items[static_cast<size_t>(i)]);
            if (exec(n.body, f, out) == Flow::Break) break;
        }
        if (length == 0) exec(n.elseBody, frame, out);
    }

    Value callValue(const Value& fn, CallArgs& args, int line) {
        if (!fn.isCallable()) {
            if (fn.isUndefined())
                fail((fn.undefinedName().empty() ? std::string("a value") : "'" + fn.undefinedName() + "'") + " is undefined");
            fail(std::string("'") + fn.typeName() + "' object is not callable");
        }
        const Callable& c = fn.callableRef();
        if (!c.macro) return c.builtin(args);
        const Node& m = *c.macro;
        if (m_callDepth >= m_limits.maxCallDepth)
            fail("macros call each other more than " + std::to_string(m_limits.maxCallDepth) + " deep");
        if (args.positional.size() > m.targets.size())
            fail("macro '" + m.text + "' takes not more than " + std::to_string(m.targets.size()) + " arguments");
        Frame f;
        f.parent = m_root;
        for (size_t i = 0; i < m.targets.size(); ++i) {
            if (i < args.positional.size()) {
                f.set(m.targets[i], args.positional[i]);
                continue;
            }
            bool given = false;
            for (const auto& [k, v] : args.keyword)
                if (k == m.targets[i]) {
                    f.set(k, v);
                    given = true;
                }
            if (!given) f.set(m.targets[i], m.defaults[i] ? eval(*m.defaults[i], f) : Value::undefined(m.targets[i]));
        }
        for (const auto& [k, v] : args.keyword)
            if (std::find(m.targets.begin(), m.targets.end(), k) == m.targets.end())
                fail("macro '" + m.text + "' takes no keyword argument '" + k + "'");
        ++m_callDepth;
        std::string text;
        const Flow flow = exec(m.body, f, text);
        --m_callDepth;
        m_line = line;
        if (flow != Flow::Normal) fail("break or continue outside a loop");
        return Value::string(std::move(text));
    }

    CallArgs evalArgs(const Expr& e, size_t firstChild, Frame& frame) {
        CallArgs a;
        for (size_t i = firstChild; i < e.children.size(); ++i) a.positional.push_back(eval(*e.children[i], frame));
        for (const auto& [k, x] : e.kwargs) a.keyword.emplace_back(k, eval(*x, frame));
        return a;
    }

    static const Value& defined(const Value& v) {
        if (v.isUndefined())
            throwBadInput((v.undefinedName().empty() ? std::string("a value") : "'" + v.undefinedName() + "'") + " is undefined");
        return v;
    }

    Value eval(const Expr& e, Frame& frame) {
        DepthGuard guard(*this);
        step(e.line);
        switch (e.kind) {
            case ExprKind::Literal:
                return e.literal;
            case ExprKind::Name: {
                const Value* v = frame.find(e.name);
                return v ? *v : Value::undefined(e.name);
            }
            case ExprKind::List:
            case ExprKind::Tuple: {
                ValueList items;
                for (const auto& c : e.children) items.push_back(eval(*c, frame));
                return Value::list(std::move(items), e.kind == ExprKind::Tuple);
            }
            case ExprKind::Dict: {
                auto d = std::make_shared<Dict>();
                for (size_t i = 0; i < e.keys.size(); ++i) {
                    const Value k = eval(*e.keys[i], frame);
                    if (!k.isString()) fail("dict keys in a chat template must be strings");
                    d->set(k.str(), eval(*e.children[i], frame));
                }
                return Value::dict(std::move(d));
            }
            case ExprKind::Attr:
                return getAttr(defined(eval(*e.children[0], frame)), e.name);
            case ExprKind::Item: {
                const Value obj = eval(*e.children[0], frame);
                const Value key = eval(*e.children[1], frame);
                if (obj.isString()) chargeBytes(obj.size());  // a character index decodes the string
                return getItem(defined(obj), key);
            }
            case ExprKind::Slice: {
                const Value obj = defined(eval(*e.children[0], frame));
                Value parts[3];
                for (int k = 0; k < 3; ++k) parts[k] = e.children[1 + k] ? eval(*e.children[1 + k], frame) : Value::none();
                chargeBytes(obj.size());
                return getSlice(*this, obj, parts[0], parts[1], parts[2]);
            }
            case ExprKind::Call: {
                const Expr& callee = *e.children[0];
                if (callee.kind == ExprKind::Attr) {
                    const Value obj = defined(eval(*callee.children[0], frame));
                    CallArgs args = evalArgs(e, 1, frame);
                    if (obj.isDict())
                        if (const Value* member = obj.dictRef().find(callee.name); member && member->isCallable())
                            return callValue(*member, args, e.line);
                    chargeBytes(obj.size());
                    return callMethod(*this, obj, callee.name, args);
                }
                const Value fn = eval(callee, frame);
                CallArgs args = evalArgs(e, 1, frame);
                return callValue(fn, args, e.line);
            }
            case ExprKind::Filter: {
                const Value v = eval(*e.children[0], frame);
                const CallArgs args = evalArgs(e, 1, frame);
                m_line = e.line;
                chargeBytes(v.size());
                return applyFilter(*this, e.name, v, args);
            }
            case ExprKind::Test: {
                const Value v = eval(*e.children[0], frame);
                const CallArgs args = evalArgs(e, 1, frame);
                m_line = e.line;
                chargeBytes(v.size() + (args.positional.empty() ? 0 : args.positional[0].size()));
                return Value::boolean(applyTest(*this, e.name, v, args.positional) != e.negated);
            }
            case ExprKind::Neg:
            case ExprKind::Pos: {
                const Value v = defined(eval(*e.children[0], frame));
                if (!v.isNumber())
                    fail(std::string("bad operand type for unary ") + (e.kind == ExprKind::Neg ? "-" : "+") + ": " + v.typeName());
                if (e.kind == ExprKind::Pos) return v.type() == Value::Type::Bool ? Value::integer(v.asInt()) : v;
                if (v.type() == Value::Type::Float) return Value::number(-v.asDouble());
                if (v.asInt() == INT64_MIN) fail("integer overflow");
                return Value::integer(-v.asInt());
            }
            case ExprKind::Not:
                return Value::boolean(!eval(*e.children[0], frame).truthy());
            case ExprKind::And: {
                Value a = eval(*e.children[0], frame);
                return a.truthy() ? eval(*e.children[1], frame) : a;
            }
            case ExprKind::Or: {
                Value a = eval(*e.children[0], frame);
                return a.truthy() ? a : eval(*e.children[1], frame);
            }
            case ExprKind::Binary:
                return binary(e.name, eval(*e.children[0], frame), eval(*e.children[1], frame));
            case ExprKind::Compare: {
                Value left = eval(*e.children[0], frame);
                for (size_t i = 0; i < e.ops.size(); ++i) {
                    Value right = eval(*e.children[i + 1], frame);
                    if (!compare(e.ops[i], left, right)) return Value::boolean(false);
                    left = std::move(right);
                }
                return Value::boolean(true);
            }
            case ExprKind::Cond:
                if (eval(*e.children[0], frame).truthy()) return eval(*e.children[1], frame);
                return e.children[2] ? eval(*e.children[2], frame) : Value::undefined("the inline if's missing else");
        }
        return Value::undefined();
    }

    bool compare(const std::string& op, const Value& a, const Value& b) {
        chargeBytes(a.size() + b.size());  // equality of lists and dicts, substring search: linear work
        if (op == "==") return pyEquals(a, b);
        if (op == "!=") return !pyEquals(a, b);
        if (op == "in" || op == "notin") {
            bool found = false;
            if (b.isString()) {
                if (!a.isString()) fail(std::string("'in <string>' requires string as left operand, not ") + a.typeName());
                found = b.str().find(a.str()) != std::string::npos;
            } else if (b.isDict()) {
                if (a.isDict() || (a.isList() && !a.isTuple())) fail(std::string("unhashable type: '") + a.typeName() + "'");
                found = a.isString() && b.dictRef().find(a.str()) != nullptr;
            } else if (b.isList()) {
                for (const Value& x : b.items())
                    if (pyEquals(x, a)) {
                        found = true;
                        break;
                    }
            } else if (!b.isUndefined()) {
                fail(std::string("argument of type '") + b.typeName() + "' is not iterable");
            }
            return found == (op == "in");
        }
        const int c = pyCompare(defined(a), defined(b));
        if (op == "<") return c < 0;
        if (op == ">") return c > 0;
        if (op == "<=") return c <= 0;
        return c >= 0;
    }

    Value binary(const std::string& op, const Value& a, const Value& b) {
        if (op == "~") {
            std::string s = a.pyStr() + b.pyStr();
            if (s.size() > m_limits.maxOutputBytes) fail("a string is longer than the output limit");
            chargeBytes(s.size());
            return Value::string(std::move(s));
        }
        defined(a);
        defined(b);
        if (op == "+" && a.isString() && b.isString()) return binary("~", a, b);
        if (op == "+" && a.isList() && b.isList()) {
            if (a.isTuple() != b.isTuple())
                fail(std::string("can only concatenate ") + a.typeName() + " (not \"" + b.typeName() + "\") to " + a.typeName());
            ValueList items = a.items();
            items.insert(items.end(), b.items().begin(), b.items().end());
            chargeBytes(items.size() * sizeof(Value));
            return Value::list(std::move(items), a.isTuple());
        }
        if (op == "*" && (a.isString() || a.isList()) && b.isNumber() && b.type() != Value::Type::Float) return repeat(a, b.asInt());
        if (op == "*" && (b.isString() || b.isList()) && a.isNumber() && a.type() != Value::Type::Float) return repeat(b, a.asInt());
        if (op == "%" && a.isString()) fail("printf-style '%' formatting is not supported by Sightline's chat-template interpreter");
        if (!a.isNumber() || !b.isNumber())
            fail("unsupported operand types for " + op + ": '" + a.typeName() + "' and '" + b.typeName() + "'");
        const bool isFloat = a.type() == Value::Type::Float || b.type() == Value::Type::Float;
        if (op == "/") {
            if (b.asDouble() == 0) fail("division by zero");
            return Value::number(a.asDouble() / b.asDouble());
        }
        if (isFloat) {
            const double x = a.asDouble(), y = b.asDouble();
            if (op == "+") return Value::number(x + y);
            if (op == "-") return Value::number(x - y);
            if (op == "*") return Value::number(x * y);
            if (op == "**") return Value::number(std::pow(x, y));
            if (y == 0) fail("float division by zero");
            if (op == "//") return Value::number(std::floor(x / y));
            double r = std::fmod(x, y);
            if (r != 0 && ((r < 0) != (y < 0))) r += y;
            return Value::number(r);
        }
        const int64_t x = a.asInt(), y = b.asInt();
        int64_t r = 0;
        bool overflow = false;
        if (op == "+")
            overflow = __builtin_add_overflow(x, y, &r);
        else if (op == "-")
            overflow = __builtin_sub_overflow(x, y, &r);
        else if (op == "*")
            overflow = __builtin_mul_overflow(x, y, &r);
        else if (op == "**") {
            if (y < 0) return Value::number(std::pow(static_cast<double>(x), static_cast<double>(y)));
            r = 1;
            for (int64_t i = 0; i < y && !overflow; ++i) {
                overflow = __builtin_mul_overflow(r, x, &r);
                if (r == 0 || r == 1) break;
                if (r == -1) {
                    r = (y % 2 == 0) ? 1 : -1;
                    break;
                }
            }
        } else {
            if (y == 0) fail("integer division or modulo by zero");
            if (x == INT64_MIN && y == -1) fail("integer overflow");
            int64_t q = x / y, m = x % y;
            if (m != 0 && ((m < 0) != (y < 0))) {
                --q;
                m += y;
            }
            r = op == "//" ? q : m;
        }
        if (overflow) fail("integer overflow (chat templates get 64-bit integers)");
        return Value::integer(r);
    }

    Value repeat(const Value& v, int64_t n) {
        if (n <= 0) return v.isString() ? Value::string("") : Value::list({}, v.isTuple());
        const size_t unit = v.isString() ? v.str().size() : v.items().size() * sizeof(Value);
        if (unit > 0 && static_cast<uint64_t>(n) > m_limits.maxOutputBytes / unit)
            fail("a repeated string or list is longer than the output limit");
        chargeBytes(unit * static_cast<size_t>(n));
        if (v.isString()) {
            std::string s;
            for (int64_t i = 0; i < n; ++i) s += v.str();
            return Value::string(std::move(s));
        }
        ValueList items;
        for (int64_t i = 0; i < n; ++i) items.insert(items.end(), v.items().begin(), v.items().end());
        return Value::list(std::move(items), v.isTuple());
    }

    const Template& m_t;
    const ChatTemplateLimits& m_limits;
    const Frame* m_root = nullptr;
    int64_t m_steps = 0;
    int64_t m_workBytes = 0;
    int m_callDepth = 0;
    int m_depth = 0;
    int m_line = 1;
};

}  // namespace
}  // namespace jinja

ChatTemplate::ChatTemplate(std::shared_ptr<const jinja::Template> parsed) : m_parsed(std::move(parsed)) {}

std::shared_ptr<const ChatTemplate> ChatTemplate::parse(const std::string& source, const std::string& name) {
    return std::shared_ptr<const ChatTemplate>(new ChatTemplate(jinja::parseTemplate(source, name)));
}

std::string ChatTemplate::render(const nlohmann::ordered_json& variables, const ChatTemplateLimits& limits) const {
    return jinja::Renderer(*m_parsed, limits).render(variables);
}

const std::string& ChatTemplate::name() const {
    return m_parsed->name;
}

}  // namespace sightline
