// GLM-4.6V's native tool calls in the OpenAI API: the request side (tools, tool_choice, assistant
// tool_calls whose arguments arrive as JSON strings) and the answer side (the model's
// "<tool_call>name\n<arg_key>k</arg_key>\n<arg_value>v</arg_value>\n…</tool_call>" blocks parsed
// into OpenAI tool_calls, for a whole answer and for a stream).
//
// Rules, as vLLM's GLM-4.5/4.6 parser ("glm45") has them:
// - the content is the answer before the first "<tool_call>"; each complete block is one call;
// - a block's name is its text up to the first newline or "<arg_key>", trimmed;
// - keys and values are trimmed; a value stays a string when the tool's schema types that argument
//   "string", else it is kept typed when it is JSON (numbers, booleans, lists, objects; Python's
//   True / False / None as well), else it stays a string; function.arguments is the JSON text of
//   these pairs in the order the model wrote them (json.dumps, ensure_ascii=False);
// - an answer with "<tool_call>" but no complete block (cut off, malformed) has no calls: all of
//   it is content.
// Pure; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sightline::server {

struct ToolCall {
    std::string id;  // "call_<request>_<index>"
    std::string name;
    std::string arguments;  // a JSON object text
};

struct ToolRequest {
    std::string toolsJson;                                           // what the chat template gets (empty: no tools)
    bool parseCalls = false;                                         // the answer is searched for tool calls
    nlohmann::ordered_json tools = nlohmann::ordered_json::array();  // the request's tools (schemas)
};

// Validates tools / tool_choice / parallel_tool_calls and every assistant message's tool_calls,
// and turns tool_calls[].function.arguments given as a JSON string into the object (what chat
// templates iterate, as vLLM hands them over). tool_choice:
//   "auto" (the default with tools): tools rendered, the answer parsed;
//   "none": tools left out of the prompt, the answer not parsed;
//   "required" / {"type":"function","function":{"name":N}}: rendered and parsed as auto (a named
//   choice renders only that tool); decoding is not constrained, so the model may still answer in
//   text. Throws Error(BadInput) naming the field.
ToolRequest parseToolRequest(nlohmann::ordered_json& body);

struct ToolCallParse {
    std::string content;          // the answer text that is not a tool call
    std::vector<ToolCall> calls;  // complete calls, in order
};

// The answer so far. done = false (streaming): content stops before a "<tool_call>" (or a tail that
// may become one), and only closed blocks are calls; done = true: the rules above.
ToolCallParse parseToolCalls(const std::string& answer, bool done, const nlohmann::ordered_json& tools, const std::string& idPrefix);

}  // namespace sightline::server
