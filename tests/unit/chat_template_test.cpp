// The chat-template interpreter: jinja2's output on small templates (golden file from jinja2),
// errors with line numbers, unsupported constructs refused at parse naming them, hostile templates
// bounded, and PromptFormat's choice of template in a checkpoint folder.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "sightline/chat_template.h"
#include "sightline/error.h"
#include "sightline/untrusted.h"
#include "test_support.h"

using namespace sightline;
using ojson = nlohmann::ordered_json;

namespace {

std::string render(const std::string& source, const ojson& vars = ojson::object(), const ChatTemplateLimits& limits = {}) {
    return ChatTemplate::parse(source, "t.jinja")->render(vars, limits);
}

// The message of the BadInput error rendering throws ("" when it renders).
std::string renderError(const std::string& source, const ojson& vars = ojson::object(), const ChatTemplateLimits& limits = {}) {
    try {
        (void)render(source, vars, limits);
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        return e.what();
    }
    return {};
}

TEST(ChatTemplateInterpreter, MatchesJinja2OnGoldenTemplates) {
    std::ifstream f(std::string(SIGHTLINE_TEST_DATA_DIR) + "/chat_templates/interpreter_golden.json");
    std::stringstream ss;
    ss << f.rdbuf();
    const ojson cases = parseOrderedJsonLimited(ss.str());
    ASSERT_GE(cases.size(), 20u);
    for (const auto& c : cases) {
        SCOPED_TRACE(c["t"].get<std::string>());
        EXPECT_EQ(render(c["t"].get<std::string>(), c["v"]), c["want"].get<std::string>());
    }
}

TEST(ChatTemplateInterpreter, WhitespaceControlAndTrailingNewline) {
    // trim_blocks drops the newline after a block tag, lstrip_blocks the indent before one; "-" eats
    // all whitespace on its side, "+" keeps it; one trailing newline of the file goes.
    EXPECT_EQ(render("a\n  {% if true %}\n  b\n  {% endif %}\nc\n"), "a\n  b\nc");
    EXPECT_EQ(render("a  {{- 'b' -}}  \n c"), "abc");
    EXPECT_EQ(render("a\n  {%+ if true %}x{% endif +%}\ny"), "a\n  x\ny");
    EXPECT_EQ(render("{# comment #}\nx\r\ny\r\n\n"), "x\ny\n");
}

TEST(ChatTemplateInterpreter, ErrorsNameTheLine) {
    const std::string e = renderError("line one\n{{ raise_exception('no system turn allowed') }}");
    EXPECT_NE(e.find("t.jinja line 2"), std::string::npos) << e;
    EXPECT_NE(e.find("no system turn allowed"), std::string::npos) << e;
    EXPECT_NE(renderError("\n\n{{ x.y }}").find("line 3: 'x' is undefined"), std::string::npos);
    EXPECT_NE(renderError("{{ 1 + 'a' }}").find("unsupported operand"), std::string::npos);
    EXPECT_NE(renderError("{{ 1 // 0 }}").find("division"), std::string::npos);
    EXPECT_NE(renderError("{{ 9223372036854775807 + 1 }}").find("overflow"), std::string::npos);
    EXPECT_NE(renderError("{% set x = 1 %}{% set x.y = 2 %}").find("non-namespace"), std::string::npos);
}

TEST(ChatTemplateInterpreter, UnsupportedConstructsAreRefusedAtParseByName) {
    const std::pair<const char*, const char*> cases[] = {
        {"{% include 'x.jinja' %}", "{% include %} is not supported"},
        {"{% extends 'base' %}", "{% extends %} is not supported"},
        {"{% call m() %}x{% endcall %}", "{% call %} is not supported"},
        {"{% for x in y recursive %}{% endfor %}", "recursive for loops"},
        {"{{ x | wordwrap }}", "filter \"wordwrap\""},
        {"{% if x is prime %}{% endif %}", "test \"is prime\""},
        {"{{ x.append(1) }}", "method \".append()\""},
        {"{{ lipsum() }}", "\"lipsum()\""},
        {"{{ 'a' }", "expression {{ is never closed"},
        {"{% if x %}", "expected {% elif %}"},
        {"{# open", "comment {# is never closed"},
        {"{{ 'open }}", "string literal is never closed"},
    };
    for (const auto& [source, what] : cases) {
        SCOPED_TRACE(source);
        try {
            (void)ChatTemplate::parse(source, "t.jinja");
            ADD_FAILURE() << "parsed";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("t.jinja line 1"), std::string::npos) << e.what();
        }
    }
}

TEST(ChatTemplateInterpreter, HostileTemplatesAreBounded) {
    const auto start = std::chrono::steady_clock::now();
    // Loops that would run for hours, output that would fill memory, recursion that would
    // overflow the stack, nesting that would too: each is refused with its limit named.
    EXPECT_NE(renderError("{% set xs = range(3000) %}{% for i in xs %}{% for j in xs %}{% endfor %}{% endfor %}").find("steps"),
              std::string::npos);
    EXPECT_NE(renderError("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}").find("longer than 16 MiB"), std::string::npos);
    EXPECT_NE(renderError("{{ 'x' * 100000000000 }}").find("longer than the output limit"), std::string::npos);
    EXPECT_NE(renderError("{{ range(999999999999) | length }}").find("range() is longer"), std::string::npos);
    EXPECT_NE(renderError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").find("deep"), std::string::npos);
    EXPECT_NE(renderError("{% for i in range(200000) %}{% set x = range(200000) %}{% endfor %}").find("MiB"), std::string::npos);
    EXPECT_NE(renderError("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}").find("limit"),
              std::string::npos);
    std::string deepIf, deepParen = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
    for (int i = 0; i < 5000; ++i) deepIf += "{% if true %}";
    std::string longChain = "{{ 1";
    for (int i = 0; i < 100000; ++i) longChain += " + 1";
    longChain += " }}";
    for (const std::string& s : {deepIf, deepParen, longChain}) {
        try {
            (void)ChatTemplate::parse(s, "t.jinja");
            ADD_FAILURE() << "parsed " << s.substr(0, 40);
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("deeper than"), std::string::npos) << e.what();
        }
    }
    ChatTemplateLimits small;
    small.maxOutputBytes = 1000;
    EXPECT_NE(renderError("{% for i in range(100) %}0123456789abcdef{% endfor %}", {}, small).find("longer than"), std::string::npos);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 30.0);
}

// Found by fuzz_chat_template (3 December 2026): an attribute path of digits past int64 threw
// std::out_of_range out of the interpreter. Jinja's int() has no bound: no list holds that index.
TEST(ChatTemplateInterpreter, AttributeIndexPastInt64IsUndefined) {
    EXPECT_EQ(render("{{ [[7, 8]] | map(attribute='1') | first }}"), "8");
    EXPECT_EQ(render("{{ [[7]] | map(attribute='99999999999999999999') | first is undefined }}"), "True");
    EXPECT_EQ(render("{{ [{'a': [7]}] | map(attribute='a.000000000000000000000000000018446744073709551615') | first is defined }}"),
              "False");
}

// Found by fuzz_chat_template (3 December 2026, fourth session): a 652-byte template mapped a dotted
// path of ~30 parts over the characters of a 90 KB string; every step built an "has no attribute"
// message, unbudgeted (11 s under ASan, past the fuzzer's 10 s timeout). Now each step is charged to
// the work budget, and a step on Undefined raises as jinja2's attribute getter does.
TEST(ChatTemplateInterpreter, AttributePathsAreBudgetedAndRaiseOnUndefinedAsJinja2) {
    ChatTemplateLimits small;
    small.maxWorkBytes = 4 << 20;
    const std::string longMap = "{{ ('x' * 200000) | map(attribute='a.b.c', default='') | list | length }}";
    EXPECT_NE(renderError(longMap, {}, small), "");  // 200,000 items x 3 steps: over 4 MiB of work
    EXPECT_EQ(render(longMap), "200000");            // the engine's budget allows it
    // jinja2 3.1: a part looked up on Undefined raises; default replaces each undefined step.
    EXPECT_NE(renderError("{{ ['ab', 'c'] | map(attribute='x.y') | list }}").find("has no attribute 'x'"), std::string::npos);
    EXPECT_NE(renderError("{{ ['ab'] | join(',', attribute='x.y') }}"), "");
    EXPECT_NE(renderError("{{ ['ab'] | selectattr('x.y') | list }}"), "");
    EXPECT_EQ(render("{{ ['ab', 'c'] | map(attribute='x.y', default='d') | list }}"), "['d', 'd']");
    EXPECT_EQ(render("{{ ['ab', 'c'] | map(attribute='x') | list | length }}"), "2");
    EXPECT_EQ(render("{{ [{'a': 1}] | map(attribute='a.b') | first is defined }}"), "False");
    EXPECT_EQ(render("{{ ['ab'] | map(attribute='0.0.0') | list }}"), "['a']");
}

// Found by fuzz_chat_template (3 December 2026, fourth session): a 780-byte template joined a string's
// characters with a long separator, again, then mapped over the characters of the result: 27 s and
// 759 MB under ASan inside a 32 MiB work budget, because the values iteration builds (one per
// character) were not charged. Now every iteration is charged for the values it builds.
TEST(ChatTemplateInterpreter, IteratingAStringIsChargedPerCharacter) {
    ChatTemplateLimits small;
    small.maxWorkBytes = 32 << 20;
    // 100,000 characters listed n times: n x 100,000 values built from 100 KB of text.
    auto relist = [](int n) {
        return "{% set s = 'x' * 100000 %}{% for i in range(" + std::to_string(n) + ") %}{% set l = s | list %}{% endfor %}done";
    };
    EXPECT_NE(renderError(relist(50), {}, small).find("MiB of text while rendering"), std::string::npos);
    EXPECT_NE(renderError("{{ ('x' * 100000) | join('-' * 60) | map('upper') | join(',') | length }}", {}, small), "");
    // Once is within the budget; the engine's own budget allows far more.
    EXPECT_EQ(render("{{ ('x' * 100000) | list | length }}", {}, small), "100000");
    EXPECT_EQ(render(relist(10)), "done");
    // `in` over a string is a substring test, built without listing the string's characters.
    EXPECT_EQ(render("{{ ['ab', 'q', 'bc'] | select('in', 'x' * 900000 ~ 'abc') | list }}", {}, small), "['ab', 'bc']");
}

TEST(ChatTemplateInterpreter, TojsonIsJsonDumpsByteForByte) {
    // transformers' tojson: json.dumps(x, ensure_ascii=False) with Python's separators and floats.
    const ojson v = parseOrderedJsonLimited(R"({"z": [1.0, 1e-05, 1e16, 123456789.125, -0.0], "é": "\u0001\u2028<>&'", "a": {}})");
    EXPECT_EQ(render("{{ v | tojson }}", {{"v", v}}),
              "{\"z\": [1.0, 1e-05, 1e+16, 123456789.125, -0.0], \"é\": \"\\u0001\u2028<>&'\", \"a\": {}}");
    EXPECT_EQ(render("{{ v | tojson(separators=(',', ':'), sort_keys=true) }}", {{"v", v}}),
              "{\"a\":{},\"z\":[1.0,1e-05,1e+16,123456789.125,-0.0],\"é\":\"\\u0001\u2028<>&'\"}");
}

TEST(PromptFormat, TakesTheCheckpointsTemplateInTransformersOrder) {
    const auto dir = std::filesystem::temp_directory_path() / ("sightline-prompt-format-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto write = [&](const char* name, const std::string& text) { std::ofstream(dir / name) << text; };
    const std::vector<ChatMessage> messages = {ChatMessage::text(Role::User, "Hi")};
    // No template: the built-in GLM format.
    EXPECT_FALSE(PromptFormat::load(dir.string()).usesTemplate());
    EXPECT_EQ(PromptFormat::load(dir.string()).render(messages, {}), "[gMASK]<sop><|user|>\nHi<|assistant|>\n");
    // tokenizer_config.json's chat_template (a list of named templates: "default"), with its special tokens.
    write(
        "tokenizer_config.json",
        R"({"eos_token": {"content": "</s>"}, "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "{{ messages[0].content }}{{ eos_token }}{{ tools }}"}]})");
    EXPECT_EQ(PromptFormat::load(dir.string()).render(messages, {}), "Hi</s>None");
    // chat_template.jinja wins over tokenizer_config.json, as in transformers.
    write("chat_template.jinja", "J:{% for m in messages %}{{ m.role }}={{ m.content }}{% endfor %}{{ tools | length }}\n");
    ChatTemplateOptions o;
    o.toolsJson = R"([{"type": "function", "function": {"name": "f"}}])";
    EXPECT_EQ(PromptFormat::load(dir.string()).render(messages, o), "J:user=Hi1");
    // enable_thinking reaches the template only when given (transformers passes kwargs as sent).
    write("chat_template.jinja", "{{ enable_thinking is defined }}:{{ enable_thinking }}");
    ChatTemplateOptions thinking;
    thinking.passEnableThinking = false;
    EXPECT_EQ(PromptFormat::load(dir.string()).render(messages, thinking), "False:");
    thinking.passEnableThinking = true;
    thinking.enableThinking = false;
    EXPECT_EQ(PromptFormat::load(dir.string()).render(messages, thinking), "True:False");
    // A template using what the interpreter lacks is refused at load, naming file, line and construct.
    write("chat_template.jinja", "ok\n{% include 'other.jinja' %}");
    try {
        (void)PromptFormat::load(dir.string());
        ADD_FAILURE() << "loaded";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("chat_template.jinja line 2"), std::string::npos) << what;
        EXPECT_NE(what.find("{% include %}"), std::string::npos) << what;
    }
    // Tools to a checkpoint without a template are refused, not dropped.
    std::filesystem::remove(dir / "chat_template.jinja");
    write("tokenizer_config.json", "{}");
    EXPECT_THROW((void)PromptFormat::load(dir.string()).render(messages, o), Error);
    std::filesystem::remove_all(dir);
}

TEST(PromptFormat, MessagesReachTheTemplateAsSent) {
    // An image part without "type", a tool turn with an image, tool_calls and key order survive
    // parseChatJson into what the template sees (image bytes shortened).
    const std::string dir = test::fixturesDir() + "/cases";
    const auto messages = parseChatJson(
        R"([{"role": "user", "content": [{"image": "images/img_1x1.png"}, {"type": "text", "text": "q"}]},
            {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f", "arguments": {"z": 1, "a": 2}}}]},
            {"role": "tool", "tool_call_id": "c0", "content": [{"type": "image_url", "image_url": {"url": "images/img_1x1.png"}}]}])",
        dir);
    ASSERT_EQ(messages.size(), 3u);
    EXPECT_EQ(messages[0].content[0].type, ContentPart::Type::Image);
    EXPECT_EQ(messages[2].role, Role::Observation);
    const ojson seen = chatTemplateMessages(messages);
    EXPECT_EQ(seen.dump(), R"([{"role":"user","content":[{"image":"images/img_1x1.png"},{"type":"text","text":"q"}]},)"
                           R"({"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{"z":1,"a":2}}}]},)"
                           R"({"role":"tool","tool_call_id":"c0","content":[{"type":"image"}]}])");
}

}  // namespace
