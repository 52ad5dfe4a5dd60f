// GLM tool calls in the API without a model: the model's <tool_call> blocks parsed into OpenAI
// tool_calls (whole answers, streamed prefixes, malformed and truncated texts) and the request side
// (tools, tool_choice, tool_calls arguments as JSON text).
#include <gtest/gtest.h>

#include "sightline/error.h"
#include "sightline/untrusted.h"
#include "tool_calls.h"

using namespace sightline::server;
using ojson = nlohmann::ordered_json;

namespace {

const ojson kTools = sightline::parseOrderedJsonLimited(R"([
  {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
      "city": {"type": "string"}, "days": {"type": "integer"}, "code": {"type": "string"}}}}},
  {"type": "function", "function": {"name": "crop", "parameters": {"type": "object", "properties": {
      "box": {"type": "array"}, "sharp": {"type": "boolean"}}}}}])");

ToolCallParse parse(const std::string& text, bool done = true) {
    return parseToolCalls(text, done, kTools, "call_x_");
}

TEST(ToolCalls, ParsesGlmBlocksIntoOpenAiCalls) {
    const auto p = parse(
        "Let me check.<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Zürich</arg_value>\n"
        "<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n<arg_key>code</arg_key>\n<arg_value>0042</arg_value>\n</tool_call>"
        "<tool_call>crop\n<arg_key> box </arg_key><arg_value>[1, 2.5, 3, 4]</arg_value>\n<arg_key>sharp</arg_key>\n"
        "<arg_value>True</arg_value>\n<arg_key>note</arg_key>\n<arg_value>not json {</arg_value>\n</tool_call>");
    EXPECT_EQ(p.content, "Let me check.");
    ASSERT_EQ(p.calls.size(), 2u);
    EXPECT_EQ(p.calls[0].id, "call_x_0");
    EXPECT_EQ(p.calls[0].name, "get_weather");
    // "string"-typed arguments stay strings even when they look like numbers; others are typed.
    EXPECT_EQ(p.calls[0].arguments, R"({"city":"Zürich","days":3,"code":"0042"})");
    EXPECT_EQ(p.calls[1].name, "crop");
    EXPECT_EQ(p.calls[1].arguments, R"({"box":[1,2.5,3,4],"sharp":true,"note":"not json {"})");
    EXPECT_EQ(p.calls[1].id, "call_x_1");
}

TEST(ToolCalls, CallWithoutArgumentsAndTextAfter) {
    const auto p = parse("<tool_call>list_files\n</tool_call>\nignored trailing text");
    ASSERT_EQ(p.calls.size(), 1u);
    EXPECT_EQ(p.calls[0].name, "list_files");
    EXPECT_EQ(p.calls[0].arguments, "{}");
    EXPECT_EQ(p.content, "");
    const auto q = parse("<tool_call>f<arg_key>a</arg_key><arg_value>1</arg_value></tool_call>");  // no newline after the name
    ASSERT_EQ(q.calls.size(), 1u);
    EXPECT_EQ(q.calls[0].name, "f");
    EXPECT_EQ(q.calls[0].arguments, R"({"a":1})");
}

TEST(ToolCalls, MalformedOrTruncatedTextIsContent) {
    // Cut off inside a block: no call, everything is content (nothing is lost).
    const std::string cut = "Sure.<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_val";
    EXPECT_TRUE(parse(cut).calls.empty());
    EXPECT_EQ(parse(cut).content, cut);
    // A block that names no function is no call.
    EXPECT_TRUE(parse("<tool_call>\n<arg_key>a</arg_key><arg_value>1</arg_value></tool_call>").calls.empty());
    // A key without a value is skipped; an unclosed value ends the arguments.
    const auto p = parse(
        "<tool_call>f\n<arg_key>k</arg_key> stray <arg_key>a</arg_key><arg_value>x</arg_value>\n"
        "<arg_key>b</arg_key><arg_value>open</tool_call>");
    ASSERT_EQ(p.calls.size(), 1u);
    EXPECT_EQ(p.calls[0].arguments, R"({"a":"x"})");
    // A complete call followed by a truncated one: the complete one counts.
    const auto q = parse("<tool_call>f\n</tool_call><tool_call>g\n<arg_key>a");
    ASSERT_EQ(q.calls.size(), 1u);
    EXPECT_EQ(q.calls[0].name, "f");
    // Plain text without tags is all content.
    EXPECT_EQ(parse("no calls here < tool_call >").content, "no calls here < tool_call >");
}

TEST(ToolCalls, StreamingHoldsBackPartialTagsAndGrowsByPrefix) {
    const std::string text = "Checking.<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Oslo</arg_value>\n</tool_call>";
    std::string shown;
    size_t calls = 0;
    for (size_t n = 0; n <= text.size(); ++n) {
        const auto p = parse(text.substr(0, n), false);
        // What was shown stays a prefix of what is shown later (deltas only append).
        ASSERT_EQ(p.content.compare(0, shown.size(), shown), 0) << n;
        shown = p.content;
        EXPECT_EQ(p.content.find('<'), std::string::npos) << "a partial tag leaked at " << n;
        ASSERT_GE(p.calls.size(), calls);
        calls = p.calls.size();
    }
    EXPECT_EQ(shown, "Checking.");
    EXPECT_EQ(calls, 1u);
    const auto done = parse(text, true);
    EXPECT_EQ(done.content, shown);
    // Text that turns out not to be a tag is released.
    EXPECT_EQ(parse("a <tool", false).content, "a ");
    EXPECT_EQ(parse("a <tools>", false).content, "a <tools>");
}

TEST(ToolCalls, RequestToolsAndToolChoice) {
    auto body = sightline::parseOrderedJsonLimited(R"({"messages": [
        {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\", \"days\": 2}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"}],
      "tools": [{"type": "function", "function": {"name": "get_weather"}}, {"type": "function", "function": {"name": "crop"}}]})");
    ToolRequest t = parseToolRequest(body);
    EXPECT_TRUE(t.parseCalls);
    EXPECT_EQ(ojson::parse(t.toolsJson).size(), 2u);
    // The arguments text became the object templates iterate, in its key order.
    EXPECT_EQ(body["messages"][0]["tool_calls"][0]["function"]["arguments"].dump(), R"({"city":"Oslo","days":2})");

    auto none = body;
    none["tool_choice"] = "none";
    t = parseToolRequest(none);
    EXPECT_FALSE(t.parseCalls);
    EXPECT_TRUE(t.toolsJson.empty());

    auto named = body;
    named["tool_choice"] = {{"type", "function"}, {"function", {{"name", "crop"}}}};
    t = parseToolRequest(named);
    EXPECT_EQ(t.toolsJson, R"([{"type":"function","function":{"name":"crop"}}])");

    const char* bad[] = {
        R"({"tools": {"a": 1}})",
        R"({"tools": [{"type": "function", "function": {"name": ""}}]})",
        R"({"tools": [{"type": "retrieval"}]})",
        R"({"tool_choice": "required"})",
        R"({"tools": [{"function": {"name": "f"}}], "tool_choice": "sometimes"})",
        R"({"tools": [{"function": {"name": "f"}}], "tool_choice": {"type": "function", "function": {"name": "g"}}})",
        R"({"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{not json"}}]}]})",
        R"({"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "[1]"}}]}]})",
        R"({"messages": [{"role": "assistant", "tool_calls": {"function": 1}}]})",
        R"({"parallel_tool_calls": "yes"})",
    };
    for (const char* b : bad) {
        auto j = sightline::parseOrderedJsonLimited(b);
        EXPECT_THROW(parseToolRequest(j), sightline::Error) << b;
    }
}

}  // namespace
