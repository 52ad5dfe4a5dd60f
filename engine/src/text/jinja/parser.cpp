// Recursive-descent parser of the Jinja subset (grammar and precedence as jinja2's parser.py:
// cond-expr < or < and < not < compare < + - < ~ < * / // % < ** < unary < postfix, filters, tests).
#include <set>

#include "sightline/error.h"
#include "text/jinja/ast.h"
#include "text/jinja/builtins.h"
#include "text/jinja/lexer.h"

namespace sightline::jinja {
namespace {

class Parser {
public:
    Parser(std::vector<Token> tokens, const std::string& name) : m_t(std::move(tokens)), m_name(name) {}

    std::shared_ptr<const Template> run() {
        auto t = std::make_shared<Template>();
        t->name = m_name;
        std::string ended;
        t->body = parseBody({}, ended);
        for (const auto& [fn, line] : m_calledNames)
            if (!m_macros.count(fn) && !isKnownGlobal(fn))
                fail(line, "calls \"" + fn + "()\", which is neither a macro of the template nor a function Sightline's interpreter knows");
        return t;
    }

private:
    struct Depth {
        Depth(Parser& p, int line) : m_p(p) {
            if (++m_p.m_depth > kMaxNesting) m_p.fail(line, "nesting deeper than " + std::to_string(kMaxNesting) + " levels");
        }
        ~Depth() { --m_p.m_depth; }
        Parser& m_p;
    };

    [[noreturn]] void fail(int line, const std::string& what) const {
        throwBadInput(m_name + " line " + std::to_string(line) + ": " + what);
    }
    const Token& peek(size_t ahead = 0) const { return m_t[std::min(m_p + ahead, m_t.size() - 1)]; }
    const Token& next() {
        const Token& t = peek();
        if (m_p < m_t.size() - 1) ++m_p;
        return t;
    }
    bool isOp(const char* op, size_t ahead = 0) const { return peek(ahead).kind == Tok::Op && peek(ahead).text == op; }
    bool isName(const char* n, size_t ahead = 0) const { return peek(ahead).kind == Tok::Name && peek(ahead).text == n; }
    void expectOp(const char* op) {
        if (!isOp(op)) fail(peek().line, std::string("expected '") + op + "', found " + describe(peek()));
        next();
    }
    std::string expectName() {
        if (peek().kind != Tok::Name) fail(peek().line, "expected a name, found " + describe(peek()));
        return next().text;
    }
    void expectBlockEnd() {
        if (peek().kind != Tok::BlockEnd) fail(peek().line, "expected the end of the tag (%}), found " + describe(peek()));
        next();
    }
    static std::string describe(const Token& t) {
        switch (t.kind) {
            case Tok::Text:
                return "template text";
            case Tok::VarBegin:
                return "'{{'";
            case Tok::VarEnd:
                return "'}}'";
            case Tok::BlockBegin:
                return "'{%'";
            case Tok::BlockEnd:
                return "'%}'";
            case Tok::Eof:
                return "the end of the template";
            case Tok::String:
                return "a string";
            case Tok::Int:
            case Tok::Float:
                return "a number";
            default:
                return "'" + t.text + "'";
        }
    }

    // Every expression's depth is bounded as it is built: evaluating and freeing it recurse.
    void note(Expr& parent, const ExprPtr& child) {
        if (!child) return;
        parent.depth = std::max(parent.depth, child->depth + 1);
        if (parent.depth > kMaxExprDepth)
            fail(parent.line, "an expression nested deeper than " + std::to_string(kMaxExprDepth) + " levels");
    }
    void adopt(Expr& parent, ExprPtr child) {
        note(parent, child);
        parent.children.push_back(std::move(child));
    }

    ExprPtr make(ExprKind kind, int line) {
        auto e = std::make_unique<Expr>();
        e->kind = kind;
        e->line = line;
        return e;
    }

    // Statements up to one of `ends` ({% name ... %}); `ended` gets which one (the tag's name is
    // consumed, the rest of that tag is the caller's). No ends: up to the end of the template.
    Body parseBody(const std::set<std::string>& ends, std::string& ended) {
        Body body;
        while (true) {
            const Token& t = peek();
            if (t.kind == Tok::Eof) {
                if (!ends.empty()) fail(t.line, "the template ends inside a block: expected {% " + *ends.begin() + " %}");
                return body;
            }
            if (t.kind == Tok::Text) {
                auto n = std::make_unique<Node>();
                n->kind = NodeKind::Text;
                n->line = t.line;
                n->text = next().text;
                body.push_back(std::move(n));
                continue;
            }
            if (t.kind == Tok::VarBegin) {
                next();
                auto n = std::make_unique<Node>();
                n->kind = NodeKind::Output;
                n->line = t.line;
                n->expr = parseTuple(true);
                if (peek().kind != Tok::VarEnd) fail(peek().line, "expected '}}', found " + describe(peek()));
                next();
                body.push_back(std::move(n));
                continue;
            }
            if (t.kind != Tok::BlockBegin) fail(t.line, "unexpected " + describe(t));
            next();
            const int line = peek().line;
            const std::string kw = expectName();
            if (ends.count(kw)) {
                ended = kw;
                return body;
            }
            body.push_back(parseStatement(kw, line));
        }
    }

    NodePtr parseStatement(const std::string& kw, int line) {
        Depth depth(*this, line);
        auto n = std::make_unique<Node>();
        n->line = line;
        std::string ended;
        if (kw == "if") {
            n->kind = NodeKind::If;
            n->conditions.push_back(parseTuple(true));
            expectBlockEnd();
            while (true) {
                n->bodies.push_back(parseBody({"elif", "else", "endif"}, ended));
                if (ended == "elif") {
                    n->conditions.push_back(parseTuple(true));
                    expectBlockEnd();
                } else if (ended == "else") {
                    expectBlockEnd();
                    n->bodies.push_back(parseBody({"endif"}, ended));
                    expectBlockEnd();
                    break;
                } else {
                    expectBlockEnd();
                    break;
                }
            }
        } else if (kw == "for") {
            n->kind = NodeKind::For;
            n->targets = parseTargets();
            if (!isName("in")) fail(peek().line, "expected 'in' in the for tag, found " + describe(peek()));
            next();
            n->expr = parseTuple(false);
            if (isName("if")) {
                next();
                n->filter = parseTuple(true);
            }
            if (isName("recursive")) fail(line, "recursive for loops are not supported by Sightline's chat-template interpreter");
            expectBlockEnd();
            const int loopRefs = m_loopRefs;
            n->body = parseBody({"else", "endfor"}, ended);
            n->usesLoop = m_loopRefs != loopRefs;
            expectBlockEnd();
            if (ended == "else") {
                n->elseBody = parseBody({"endfor"}, ended);
                expectBlockEnd();
            }
        } else if (kw == "set") {
            if (peek().kind == Tok::Name && isOp(".", 1)) {
                n->kind = NodeKind::Set;
                n->targets.push_back(next().text);
                next();
                n->attr = expectName();
                expectOp("=");
                n->expr = parseTuple(true);
                expectBlockEnd();
            } else {
                n->targets = parseTargets();
                if (peek().kind == Tok::BlockEnd) {
                    if (n->targets.size() != 1) fail(line, "a block set assigns one name");
                    next();
                    n->kind = NodeKind::SetBlock;
                    n->body = parseBody({"endset"}, ended);
                    expectBlockEnd();
                } else {
                    if (isOp("|"))
                        fail(line, "filtered block set ({% set x | filter %}) is not supported by Sightline's chat-template interpreter");
                    n->kind = NodeKind::Set;
                    expectOp("=");
                    n->expr = parseTuple(true);
                    expectBlockEnd();
                }
            }
        } else if (kw == "macro") {
            n->kind = NodeKind::Macro;
            n->text = expectName();
            m_macros.insert(n->text);
            expectOp("(");
            while (!isOp(")")) {
                n->targets.push_back(expectName());
                if (isOp("=")) {
                    next();
                    n->defaults.push_back(parseExpression(true));
                } else {
                    n->defaults.push_back(nullptr);
                }
                if (!isOp(")")) expectOp(",");
            }
            next();
            expectBlockEnd();
            n->body = parseBody({"endmacro"}, ended);
            if (peek().kind == Tok::Name) next();  // {% endmacro name %}
            expectBlockEnd();
        } else if (kw == "break" || kw == "continue") {
            n->kind = kw == "break" ? NodeKind::Break : NodeKind::Continue;
            expectBlockEnd();
        } else if (kw == "generation") {
            n->kind = NodeKind::Scope;
            expectBlockEnd();
            n->body = parseBody({"endgeneration"}, ended);
            expectBlockEnd();
        } else {
            static const std::set<std::string> kKnownUnsupported = {"include", "import", "from", "extends", "block",      "call",
                                                                    "filter",  "raw",    "with", "do",      "autoescape", "trans"};
            if (kKnownUnsupported.count(kw)) fail(line, "{% " + kw + " %} is not supported by Sightline's chat-template interpreter");
            fail(line, "unknown tag {% " + kw + " %}");
        }
        return n;
    }

    std::vector<std::string> parseTargets() {
        std::vector<std::string> names;
        const bool paren = isOp("(");
        if (paren) next();
        names.push_back(expectName());
        while (isOp(",")) {
            next();
            if (peek().kind != Tok::Name) break;
            names.push_back(expectName());
        }
        if (paren) expectOp(")");
        return names;
    }

    // expr or expr, expr, ... (a tuple without parentheses)
    ExprPtr parseTuple(bool withCond) {
        const int line = peek().line;
        ExprPtr first = parseExpression(withCond);
        if (!isOp(",")) return first;
        auto t = make(ExprKind::Tuple, line);
        adopt(*t, std::move(first));
        while (isOp(",")) {
            next();
            if (peek().kind == Tok::BlockEnd || peek().kind == Tok::VarEnd || isOp(")")) break;
            adopt(*t, parseExpression(withCond));
        }
        return t;
    }

    ExprPtr parseExpression(bool withCond) {
        Depth depth(*this, peek().line);
        ExprPtr e = parseOr();
        while (withCond && isName("if")) {
            const int line = next().line;
            auto c = make(ExprKind::Cond, line);
            adopt(*c, parseOr());
            adopt(*c, std::move(e));
            if (isName("else")) {
                next();
                adopt(*c, parseExpression(true));
            } else {
                adopt(*c, nullptr);
            }
            e = std::move(c);
        }
        return e;
    }

    ExprPtr binary(ExprKind kind, const std::string& op, ExprPtr a, ExprPtr b, int line) {
        auto e = make(kind, line);
        e->name = op;
        adopt(*e, std::move(a));
        adopt(*e, std::move(b));
        return e;
    }

    ExprPtr parseOr() {
        ExprPtr e = parseAnd();
        while (isName("or")) {
            const int line = next().line;
            e = binary(ExprKind::Or, "or", std::move(e), parseAnd(), line);
        }
        return e;
    }
    ExprPtr parseAnd() {
        ExprPtr e = parseNot();
        while (isName("and")) {
            const int line = next().line;
            e = binary(ExprKind::And, "and", std::move(e), parseNot(), line);
        }
        return e;
    }
    ExprPtr parseNot() {
        if (isName("not")) {
            Depth depth(*this, peek().line);
            auto e = make(ExprKind::Not, next().line);
            adopt(*e, parseNot());
            return e;
        }
        return parseCompare();
    }
    ExprPtr parseCompare() {
        const int line = peek().line;
        ExprPtr first = parseMath1();
        ExprPtr cmp;
        while (true) {
            std::string op;
            if (peek().kind == Tok::Op && (peek().text == "==" || peek().text == "!=" || peek().text == "<" || peek().text == ">" ||
                                           peek().text == "<=" || peek().text == ">=")) {
                op = next().text;
            } else if (isName("in")) {
                next();
                op = "in";
            } else if (isName("not") && isName("in", 1)) {
                next();
                next();
                op = "notin";
            } else {
                break;
            }
            if (!cmp) {
                cmp = make(ExprKind::Compare, line);
                adopt(*cmp, std::move(first));
            }
            cmp->ops.push_back(op);
            adopt(*cmp, parseMath1());
        }
        return cmp ? std::move(cmp) : std::move(first);
    }
    ExprPtr parseMath1() {
        ExprPtr e = parseConcat();
        while (isOp("+") || isOp("-")) {
            const Token& t = next();
            e = binary(ExprKind::Binary, t.text, std::move(e), parseConcat(), t.line);
        }
        return e;
    }
    ExprPtr parseConcat() {
        ExprPtr e = parseMath2();
        while (isOp("~")) {
            const int line = next().line;
            e = binary(ExprKind::Binary, "~", std::move(e), parseMath2(), line);
        }
        return e;
    }
    ExprPtr parseMath2() {
        ExprPtr e = parsePow();
        while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
            const Token& t = next();
            e = binary(ExprKind::Binary, t.text, std::move(e), parsePow(), t.line);
        }
        return e;
    }
    ExprPtr parsePow() {
        ExprPtr e = parseUnary(true);
        while (isOp("**")) {
            const int line = next().line;
            e = binary(ExprKind::Binary, "**", std::move(e), parseUnary(true), line);
        }
        return e;
    }
    ExprPtr parseUnary(bool withFilter) {
        Depth depth(*this, peek().line);
        ExprPtr e;
        if (isOp("-") || isOp("+")) {
            const Token& t = next();
            e = make(t.text == "-" ? ExprKind::Neg : ExprKind::Pos, t.line);
            adopt(*e, parseUnary(false));
        } else {
            e = parsePrimary();
        }
        e = parsePostfix(std::move(e));
        if (withFilter) e = parseFilterExpr(std::move(e));
        return e;
    }

    ExprPtr parsePrimary() {
        const Token& t = peek();
        const int line = t.line;
        if (t.kind == Tok::Name) {
            next();
            auto e = make(ExprKind::Literal, line);
            if (t.text == "true" || t.text == "True")
                e->literal = Value::boolean(true);
            else if (t.text == "false" || t.text == "False")
                e->literal = Value::boolean(false);
            else if (t.text == "none" || t.text == "None")
                e->literal = Value::none();
            else {
                e->kind = ExprKind::Name;
                e->name = t.text;
                if (t.text == "loop") ++m_loopRefs;
            }
            return e;
        }
        if (t.kind == Tok::String) {
            std::string s;
            while (peek().kind == Tok::String) s += next().text;
            auto e = make(ExprKind::Literal, line);
            e->literal = Value::string(std::move(s));
            return e;
        }
        if (t.kind == Tok::Int || t.kind == Tok::Float) {
            next();
            auto e = make(ExprKind::Literal, line);
            e->literal = t.kind == Tok::Int ? Value::integer(t.intValue) : Value::number(t.floatValue);
            return e;
        }
        if (isOp("(")) {
            next();
            if (isOp(")")) {
                next();
                return make(ExprKind::Tuple, line);
            }
            ExprPtr first = parseExpression(true);
            if (isOp(")")) {
                next();
                return first;
            }
            auto tuple = make(ExprKind::Tuple, line);
            adopt(*tuple, std::move(first));
            while (isOp(",")) {
                next();
                if (isOp(")")) break;
                adopt(*tuple, parseExpression(true));
            }
            expectOp(")");
            return tuple;
        }
        if (isOp("[")) {
            next();
            auto list = make(ExprKind::List, line);
            while (!isOp("]")) {
                adopt(*list, parseExpression(true));
                if (!isOp("]")) expectOp(",");
            }
            next();
            return list;
        }
        if (isOp("{")) {
            next();
            auto dict = make(ExprKind::Dict, line);
            while (!isOp("}")) {
                dict->keys.push_back(parseExpression(true));
                note(*dict, dict->keys.back());
                expectOp(":");
                adopt(*dict, parseExpression(true));
                if (!isOp("}")) expectOp(",");
            }
            next();
            return dict;
        }
        fail(line, "expected an expression, found " + describe(t));
    }

    void parseCallArgs(Expr& call) {
        expectOp("(");
        while (!isOp(")")) {
            if (isOp("*") || isOp("**"))
                fail(peek().line, "*args / **kwargs in a call are not supported by Sightline's chat-template interpreter");
            if (peek().kind == Tok::Name && isOp("=", 1)) {
                std::string key = next().text;
                next();
                call.kwargs.emplace_back(std::move(key), parseExpression(true));
                note(call, call.kwargs.back().second);
            } else {
                if (!call.kwargs.empty()) fail(peek().line, "a positional argument follows a keyword argument");
                adopt(call, parseExpression(true));
            }
            if (!isOp(")")) expectOp(",");
        }
        next();
    }

    ExprPtr parsePostfix(ExprPtr e) {
        while (true) {
            const int line = peek().line;
            if (isOp(".")) {
                next();
                if (peek().kind == Tok::Int) {
                    auto item = make(ExprKind::Item, line);
                    auto key = make(ExprKind::Literal, line);
                    key->literal = Value::integer(next().intValue);
                    adopt(*item, std::move(e));
                    adopt(*item, std::move(key));
                    e = std::move(item);
                    continue;
                }
                auto attr = make(ExprKind::Attr, line);
                attr->name = expectName();
                adopt(*attr, std::move(e));
                e = std::move(attr);
            } else if (isOp("[")) {
                next();
                ExprPtr parts[3];
                bool slice = false;
                for (int k = 0; k < 3; ++k) {
                    if (!isOp(":") && !isOp("]")) parts[k] = parseExpression(true);
                    if (isOp(":") && k < 2) {
                        next();
                        slice = true;
                    } else {
                        break;
                    }
                }
                expectOp("]");
                auto item = make(slice ? ExprKind::Slice : ExprKind::Item, line);
                adopt(*item, std::move(e));
                if (!slice && !parts[0]) fail(line, "empty subscript []");
                for (int k = 0; k < (slice ? 3 : 1); ++k) adopt(*item, std::move(parts[k]));
                e = std::move(item);
            } else if (isOp("(")) {
                e = parseCall(std::move(e), line);
            } else {
                return e;
            }
        }
    }

    ExprPtr parseCall(ExprPtr callee, int line) {
        if (callee->kind == ExprKind::Name) m_calledNames.emplace_back(callee->name, line);
        if (callee->kind == ExprKind::Attr && !isKnownMethod(callee->name))
            fail(line, "calls the method \"." + callee->name + "()\", which Sightline's chat-template interpreter does not support");
        auto call = make(ExprKind::Call, line);
        adopt(*call, std::move(callee));
        parseCallArgs(*call);
        return call;
    }

    ExprPtr parseFilterExpr(ExprPtr e) {
        while (true) {
            const int line = peek().line;
            if (isOp("|")) {
                next();
                auto f = make(ExprKind::Filter, line);
                f->name = expectName();
                if (!isKnownFilter(f->name))
                    fail(line, "uses the filter \"" + f->name + "\", which Sightline's chat-template interpreter does not support");
                adopt(*f, std::move(e));
                if (isOp("(")) parseCallArgs(*f);
                e = std::move(f);
            } else if (isName("is")) {
                next();
                auto t = make(ExprKind::Test, line);
                if (isName("not")) {
                    next();
                    t->negated = true;
                }
                t->name = expectName();
                if (!isKnownTest(t->name))
                    fail(line, "uses the test \"is " + t->name + "\", which Sightline's chat-template interpreter does not support");
                adopt(*t, std::move(e));
                if (isOp("(")) {
                    parseCallArgs(*t);
                } else if ((peek().kind == Tok::Name || peek().kind == Tok::String || peek().kind == Tok::Int ||
                            peek().kind == Tok::Float || isOp("[") || isOp("{")) &&
                           !isName("else") && !isName("or") && !isName("and") && !isName("if")) {
                    adopt(*t, parsePostfix(parsePrimary()));
                }
                e = std::move(t);
            } else if (isOp("(")) {
                e = parseCall(std::move(e), line);
            } else {
                return e;
            }
        }
    }

    std::vector<Token> m_t;
    size_t m_p = 0;
    const std::string& m_name;
    int m_depth = 0;
    int m_loopRefs = 0;  // Name "loop" seen so far
    std::set<std::string> m_macros;
    std::vector<std::pair<std::string, int>> m_calledNames;
};

}  // namespace

std::shared_ptr<const Template> parseTemplate(const std::string& source, const std::string& name) {
    return Parser(tokenize(source, name), name).run();
}

}  // namespace sightline::jinja
