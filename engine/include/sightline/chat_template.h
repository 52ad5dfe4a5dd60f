// A checkpoint's own chat template (chat_template.jinja, or "chat_template" in
// tokenizer_config.json), run by Sightline's interpreter of the Jinja subset chat templates use, with
// the environment transformers' apply_chat_template renders in: trim_blocks, lstrip_blocks, no
// trailing newline kept, tojson = json.dumps(ensure_ascii=False), raise_exception, strftime_now,
// loop controls and the {% generation %} tag.
//
// Supported: text, {{ }}, {# #}, whitespace control (- and +); if/elif/else, for (loop.index,
// index0, revindex, revindex0, first, last, length, previtem, nextitem; unpacking; "for x in y if
// c"; else; break/continue), set (names, tuples, namespace attributes, block set), macro and calls
// of macros (defaults, keyword arguments); literals, lists, tuples, dicts, attribute / subscript /
// slice, in / not in, ~, + - * / // % **, comparisons (chained), and / or / not, x if c else y; the
// filters, tests, methods and functions listed in engine/src/text/jinja/builtins.cpp. Anything else
// (include, import, extends, call blocks, filter blocks, recursive loops, unknown filters / tests /
// methods / functions) is refused when the template is parsed, with the construct named.
//
// Known differences from Python / jinja2: integers are 64-bit (overflow is an error); case mapping
// covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic (text_case.h); str(dict) writes
// Python's repr with an approximation of str.isprintable for rare control characters; a dict
// attribute that is also a dict method name (x.items without a call) is looked up as a key;
// select / map / unique / items return lists, not jinja2's lazy generators (so `{{ xs | map(…) }}`
// prints the list, and a non-iterable fails where jinja2 fails only once the generator is used);
// printf-style "%" on strings is refused. tests/cli/check_chat_template_differential.py checks the
// rest against jinja2 on random templates.
//
// Hostile templates are bounded (ChatTemplateLimits): output size, total bytes produced, evaluation
// steps, macro recursion, parse nesting; exceeding one is Error(BadInput), never a crash or hang.
//
// Threads: a parsed ChatTemplate is immutable; render() may run on any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sightline/chat.h"

namespace sightline {

namespace jinja {
struct Template;
}

struct ChatTemplateLimits {
    size_t maxOutputBytes = size_t(16) << 20;   // the rendered prompt (and any one string or list)
    int64_t maxWorkBytes = int64_t(256) << 20;  // bytes all string / list operations produce or scan together
    int64_t maxSteps = 5'000'000;               // statements, expressions and loop turns evaluated (a long chat: ~1e5)
    int maxCallDepth = 64;                      // macro calls in progress
};

class ChatTemplate {
public:
    // Throws Error(BadInput) "<name> line N: …" for a syntax error or an unsupported construct.
    static std::shared_ptr<const ChatTemplate> parse(const std::string& source, const std::string& name);

    // Renders with `variables` (a JSON object: messages, tools, add_generation_prompt, the
    // special tokens, chat_template_kwargs such as enable_thinking). Throws Error(BadInput)
    // "<name> line N: …" (raise_exception, a type error, a limit).
    std::string render(const nlohmann::ordered_json& variables, const ChatTemplateLimits& limits = {}) const;

    const std::string& name() const;

private:
    explicit ChatTemplate(std::shared_ptr<const jinja::Template> parsed);
    std::shared_ptr<const jinja::Template> m_parsed;
};

// How a checkpoint's prompts are written: its own chat template when it ships one
// (chat_template.jinja, else "chat_template" in tokenizer_config.json: transformers' order), with
// the variables apply_chat_template passes (messages, tools, documents = None,
// add_generation_prompt, the special tokens of tokenizer_config.json, enable_thinking); without a
// template, the built-in GLM-4.6V-family renderer (renderGlmChat). Immutable; any thread.
class PromptFormat {
public:
    PromptFormat() = default;  // the built-in renderer
    // Throws Error(BadInput) naming the file (and line and construct) for a template that is
    // malformed or uses what the interpreter does not support.
    static PromptFormat load(const std::string& modelDir);
    static PromptFormat fromTemplate(std::shared_ptr<const ChatTemplate> chatTemplate,
                                     nlohmann::ordered_json specialTokens = nlohmann::ordered_json::object());

    // Throws Error(BadInput): the template refused the conversation (raise_exception) or failed;
    // tools given to a checkpoint without a template.
    std::string render(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options) const;
    // The variables a template gets for these messages and options (what render passes).
    nlohmann::ordered_json variables(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options) const;
    bool usesTemplate() const { return m_template != nullptr; }
    std::string describe() const;  // "chat_template.jinja of the checkpoint" / "built-in GLM-4.6V format"

private:
    std::shared_ptr<const ChatTemplate> m_template;
    nlohmann::ordered_json m_specialTokens = nlohmann::ordered_json::object();
};

// The messages as a chat template sees them (templateJson where set, else built from the fields).
nlohmann::ordered_json chatTemplateMessages(const std::vector<ChatMessage>& messages);

}  // namespace sightline
