// The parsed form of a chat template: expressions and statements of the Jinja subset the
// interpreter runs (see chat_template.h for the list). Built once by parseTemplate, then only read:
// one parsed template may be rendered by any number of threads at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "text/jinja/value.h"

namespace sightline::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
    Literal,  // literal
    Name,     // name
    List,     // [children]
    Tuple,    // (children)
    Dict,     // {keys[i]: children[i]}
    Attr,     // children[0].name
    Item,     // children[0][children[1]]
    Slice,    // children[0][children[1]:children[2]:children[3]] (null where left out)
    Call,     // children[0](children[1..], kwargs)
    Filter,   // children[0] | name(children[1..], kwargs)
    Test,     // children[0] is [not] name(children[1..])
    Neg,      // -children[0]
    Pos,      // +children[0]
    Not,      // not children[0]
    Binary,   // children[0] op children[1]: + - * / // % ** ~
    And,      // children[0] and children[1]
    Or,       // children[0] or children[1]
    Compare,  // children[0] ops[0] children[1] ops[1] children[2] ... (==, !=, <, >, <=, >=, in, notin)
    Cond,     // children[1] if children[0] else children[2] (children[2] may be null)
};

struct Expr {
    ExprKind kind = ExprKind::Literal;
    int line = 0;
    int depth = 1;  // levels of sub-expressions, at most kMaxExprDepth
    Value literal;
    std::string name;      // Name, Attr, Filter, Test; the operator of Binary
    bool negated = false;  // Test: "is not"
    std::vector<ExprPtr> children;
    std::vector<ExprPtr> keys;  // Dict
    std::vector<std::pair<std::string, ExprPtr>> kwargs;
    std::vector<std::string> ops;  // Compare
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

enum class NodeKind {
    Text,      // text
    Output,    // {{ expr }}
    If,        // conditions[i] → bodies[i]; a trailing body without condition is else
    For,       // for targets in expr [if filter] body [else elseBody]
    Set,       // set targets = expr, or set target.attr = expr (attr not empty)
    SetBlock,  // set targets[0] %}body{% endset
    Macro,     // macro name(params = defaults) body
    Break,
    Continue,
    Scope,  // a body rendered in place ({% generation %}, the transformers extension)
};

struct Node {
    NodeKind kind = NodeKind::Text;
    int line = 0;
    std::string text;                  // Text; Macro name
    ExprPtr expr;                      // Output, For iterable, Set value
    ExprPtr filter;                    // For ... if filter
    std::vector<std::string> targets;  // For / Set names; Macro parameter names
    std::string attr;                  // Set ns.attr
    std::vector<ExprPtr> defaults;     // Macro: default of each parameter (null: none)
    std::vector<ExprPtr> conditions;   // If
    std::vector<Body> bodies;          // If
    Body body, elseBody;
    bool usesLoop = true;  // For: the body names `loop` (else the loop object is not built)
};

struct Template {
    Body body;
    std::string name;  // for messages: the file the template came from
};

// Throws Error(BadInput) "<name> line N: …" for a syntax error or a construct the interpreter does
// not support (named). Nesting deeper than kMaxNesting is refused.
std::shared_ptr<const Template> parseTemplate(const std::string& source, const std::string& name);

inline constexpr int kMaxNesting = 96;
inline constexpr int kMaxExprDepth = 128;

}  // namespace sightline::jinja
