#include "tool_calls.h"

#include "sightline/error.h"
#include "sightline/untrusted.h"

namespace sightline::server {

namespace {

using json = nlohmann::ordered_json;

constexpr const char* kCallOpen = "<tool_call>";
constexpr const char* kCallClose = "</tool_call>";
constexpr const char* kKeyOpen = "<arg_key>";
constexpr const char* kKeyClose = "</arg_key>";
constexpr const char* kValueOpen = "<arg_value>";
constexpr const char* kValueClose = "</arg_value>";

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && isSpace(s[b])) ++b;
    while (e > b && isSpace(s[e - 1])) --e;
    return s.substr(b, e - b);
}

// The schema of `tool`'s argument `arg` says "type": "string".
bool stringTyped(const json& tools, const std::string& tool, const std::string& arg) {
    for (const json& t : tools) {
        if (!t.is_object() || !t.contains("function") || !t["function"].is_object()) continue;
        const json& f = t["function"];
        if (!f.contains("name") || f["name"] != tool) continue;
        if (!f.contains("parameters") || !f["parameters"].is_object()) return false;
        const json& p = f["parameters"];
        if (!p.contains("properties") || !p["properties"].is_object() || !p["properties"].contains(arg)) return false;
        const json& a = p["properties"][arg];
        return a.is_object() && a.contains("type") && a["type"] == "string";
    }
    return false;
}

json argumentValue(const std::string& raw) {
    if (raw == "True") return true;
    if (raw == "False") return false;
    if (raw == "None") return nullptr;
    try {
        return parseOrderedJsonLimited(raw);
    } catch (const std::exception&) {
        return raw;
    }
}

// One block's inside ("name\n<arg_key>…"): false when it names no function.
bool parseBlock(const std::string& body, const json& tools, ToolCall& call) {
    size_t nameEnd = std::min(body.find('\n'), body.find(kKeyOpen));
    call.name = trim(body.substr(0, nameEnd == std::string::npos ? body.size() : nameEnd));
    if (call.name.empty()) return false;
    json args = json::object();
    size_t pos = nameEnd == std::string::npos ? body.size() : nameEnd;
    while (true) {
        const size_t k = body.find(kKeyOpen, pos);
        if (k == std::string::npos) break;
        const size_t kEnd = body.find(kKeyClose, k);
        if (kEnd == std::string::npos) break;
        size_t v = kEnd + std::char_traits<char>::length(kKeyClose);
        while (v < body.size() && isSpace(body[v])) ++v;
        if (body.compare(v, std::char_traits<char>::length(kValueOpen), kValueOpen) != 0) {
            pos = v;
            continue;  // a key without a value is skipped, as the regex of vLLM's parser skips it
        }
        const size_t vStart = v + std::char_traits<char>::length(kValueOpen);
        const size_t vEnd = body.find(kValueClose, vStart);
        if (vEnd == std::string::npos) break;
        const std::string key =
            trim(body.substr(k + std::char_traits<char>::length(kKeyOpen), kEnd - k - std::char_traits<char>::length(kKeyOpen)));
        const std::string value = trim(body.substr(vStart, vEnd - vStart));
        args[key] = stringTyped(tools, call.name, key) ? json(value) : argumentValue(value);
        pos = vEnd + std::char_traits<char>::length(kValueClose);
    }
    call.arguments = args.dump(-1, ' ', false, json::error_handler_t::replace);
    return true;
}

// Length of the longest suffix of s that is a proper prefix of tag.
size_t partialTagTail(const std::string& s, const std::string& tag) {
    for (size_t n = std::min(s.size(), tag.size() - 1); n > 0; --n)
        if (s.compare(s.size() - n, n, tag, 0, n) == 0) return n;
    return 0;
}

void checkTools(const json& tools) {
    if (!tools.is_array()) throwBadInput("tools must be a list");
    for (size_t i = 0; i < tools.size(); ++i) {
        const std::string where = "tools[" + std::to_string(i) + "]";
        const json& t = tools[i];
        if (!t.is_object()) throwBadInput(where + " must be an object");
        if (t.contains("type") && t["type"] != "function") throwBadInput(where + ".type must be \"function\"");
        if (!t.contains("function") || !t["function"].is_object()) throwBadInput(where + ".function must be an object");
        const json& f = t["function"];
        if (!f.contains("name") || !f["name"].is_string() || f["name"].get_ref<const std::string&>().empty())
            throwBadInput(where + ".function.name must be a non-empty string");
        if (f.contains("parameters") && !f["parameters"].is_object() && !f["parameters"].is_null())
            throwBadInput(where + ".function.parameters must be an object (a JSON schema)");
    }
}

void normalizeToolCalls(json& messages) {
    for (size_t i = 0; i < messages.size(); ++i) {
        json& m = messages[i];
        if (!m.is_object() || !m.contains("tool_calls") || m["tool_calls"].is_null()) continue;
        const std::string where = "messages[" + std::to_string(i) + "].tool_calls";
        json& calls = m["tool_calls"];
        if (!calls.is_array()) throwBadInput(where + " must be a list");
        for (size_t k = 0; k < calls.size(); ++k) {
            const std::string cw = where + "[" + std::to_string(k) + "]";
            json& c = calls[k];
            if (!c.is_object() || !c.contains("function") || !c["function"].is_object()) throwBadInput(cw + ".function must be an object");
            json& f = c["function"];
            if (!f.contains("name") || !f["name"].is_string()) throwBadInput(cw + ".function.name must be a string");
            if (!f.contains("arguments") || f["arguments"].is_null()) {
                f["arguments"] = json::object();
            } else if (f["arguments"].is_string()) {
                json args;
                try {
                    args = parseOrderedJsonLimited(f["arguments"].get_ref<const std::string&>());
                } catch (const std::exception&) {
                    throwBadInput(cw + ".function.arguments is not valid JSON");
                }
                if (!args.is_object()) throwBadInput(cw + ".function.arguments must be a JSON object");
                f["arguments"] = std::move(args);
            } else if (!f["arguments"].is_object()) {
                throwBadInput(cw + ".function.arguments must be a JSON object or its text");
            }
        }
    }
}

}  // namespace

ToolRequest parseToolRequest(json& body) {
    ToolRequest out;
    if (body.contains("messages") && body["messages"].is_array()) normalizeToolCalls(body["messages"]);
    if (body.contains("parallel_tool_calls") && !body["parallel_tool_calls"].is_null() && !body["parallel_tool_calls"].is_boolean())
        throwBadInput("parallel_tool_calls must be true or false");
    const bool hasTools = body.contains("tools") && !body["tools"].is_null();
    if (hasTools) checkTools(body["tools"]);
    std::string choice = "auto";
    std::string named;
    if (body.contains("tool_choice") && !body["tool_choice"].is_null()) {
        const json& tc = body["tool_choice"];
        if (tc.is_string()) {
            choice = tc.get<std::string>();
            if (choice != "auto" && choice != "none" && choice != "required")
                throwBadInput("tool_choice must be \"auto\", \"none\", \"required\" or {\"type\":\"function\",\"function\":{\"name\":…}}");
        } else if (tc.is_object() && tc.contains("function") && tc["function"].is_object() && tc["function"].contains("name") &&
                   tc["function"]["name"].is_string()) {
            choice = "named";
            named = tc["function"]["name"].get<std::string>();
        } else {
            throwBadInput("tool_choice must be \"auto\", \"none\", \"required\" or {\"type\":\"function\",\"function\":{\"name\":…}}");
        }
        if (choice != "auto" && choice != "none" && !hasTools) throwBadInput("tool_choice \"" + choice + "\" needs tools");
    }
    if (!hasTools || choice == "none") return out;
    json tools = body["tools"];
    if (choice == "named") {
        json only = json::array();
        for (const json& t : tools)
            if (t["function"]["name"] == named) only.push_back(t);
        if (only.empty()) throwBadInput("tool_choice names \"" + named + "\", which is not among tools");
        tools = std::move(only);
    }
    out.toolsJson = tools.dump(-1, ' ', false, json::error_handler_t::replace);
    out.tools = std::move(tools);
    out.parseCalls = true;
    return out;
}

ToolCallParse parseToolCalls(const std::string& answer, bool done, const json& tools, const std::string& idPrefix) {
    ToolCallParse out;
    const size_t first = answer.find(kCallOpen);
    if (first == std::string::npos) {
        out.content = answer;
        if (!done) out.content.resize(answer.size() - partialTagTail(answer, kCallOpen));
        return out;
    }
    size_t pos = first;
    while (pos != std::string::npos) {
        const size_t bodyStart = pos + std::char_traits<char>::length(kCallOpen);
        const size_t close = answer.find(kCallClose, bodyStart);
        if (close == std::string::npos) break;
        std::string body = answer.substr(bodyStart, close - bodyStart);
        // A block that opens another before closing: the inner one is the call (vLLM's non-greedy match).
        if (const size_t inner = body.rfind(kCallOpen); inner != std::string::npos)
            body = body.substr(inner + std::char_traits<char>::length(kCallOpen));
        ToolCall call;
        if (parseBlock(body, tools, call)) {
            call.id = idPrefix + std::to_string(out.calls.size());
            out.calls.push_back(std::move(call));
        }
        pos = answer.find(kCallOpen, close + std::char_traits<char>::length(kCallClose));
    }
    out.content = (done && out.calls.empty()) ? answer : answer.substr(0, first);
    return out;
}

}  // namespace sightline::server
