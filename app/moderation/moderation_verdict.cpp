// Verdict extraction and repair.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "moderation.h"
#include "sightline/thinking.h"
#include "sightline/untrusted.h"

namespace sightline::moderation {
using nlohmann::json;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
}

// From the first '{': the balanced object, or (truncated output) everything after it with the
// open strings and brackets closed.
std::string extractObject(const std::string& s, bool* truncated) {
    const auto start = s.find('{');
    if (start == std::string::npos) return {};
    std::vector<char> stack;
    bool inString = false, escaped = false;
    char quote = 0;
    for (size_t i = start; i < s.size(); ++i) {
        const char c = s[i];
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == quote)
                inString = false;
            continue;
        }
        if (c == '"' || c == '\'') {
            inString = true;
            quote = c;
        } else if (c == '{' || c == '[') {
            stack.push_back(c == '{' ? '}' : ']');
        } else if (c == '}' || c == ']') {
            if (!stack.empty()) stack.pop_back();
            if (stack.empty()) return s.substr(start, i - start + 1);
        }
    }
    *truncated = true;
    std::string out = s.substr(start);
    if (inString) out += quote;
    while (!out.empty() && (std::isspace(static_cast<unsigned char>(out.back())) || out.back() == ',' || out.back() == ':')) out.pop_back();
    for (auto it = stack.rbegin(); it != stack.rend(); ++it) out += *it;
    return out;
}

bool isJsonSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
bool isKeyStart(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool isKeyChar(char c) {
    return isKeyStart(c) || (c >= '0' && c <= '9');
}

// Single quotes (when there is no double quote), trailing commas (",\s*}" → "}") and bare keys
// ("{key:" → "{\"key\":"). Linear scanners: model output may be long, and std::regex recursed
// once per character.
std::string repairJson(std::string s) {
    if (s.find('"') == std::string::npos) std::replace(s.begin(), s.end(), '\'', '"');
    std::string noCommas;
    noCommas.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        if (s[i] == ',') {
            size_t j = i + 1;
            while (j < s.size() && isJsonSpace(s[j])) ++j;
            if (j < s.size() && (s[j] == '}' || s[j] == ']')) {
                noCommas += s[j];
                i = j + 1;
                continue;
            }
        }
        noCommas += s[i++];
    }
    std::string out;
    out.reserve(noCommas.size() + 16);
    const std::string& t = noCommas;
    for (size_t i = 0; i < t.size();) {
        if (t[i] == '{' || t[i] == ',') {
            size_t k = i + 1;
            while (k < t.size() && isJsonSpace(t[k])) ++k;
            size_t m = k;
            if (m < t.size() && isKeyStart(t[m]))
                while (m < t.size() && isKeyChar(t[m])) ++m;
            size_t colon = m;
            while (colon < t.size() && isJsonSpace(t[colon])) ++colon;
            if (m > k && colon < t.size() && t[colon] == ':') {
                out.append(t, i, k - i);
                out += '"';
                out.append(t, k, m - k);
                out += "\":";
                i = colon + 1;
                continue;
            }
        }
        out += t[i++];
    }
    return out;
}

std::vector<std::string> stringList(const json& v) {
    std::vector<std::string> out;
    if (v.is_string()) {
        if (!v.get<std::string>().empty()) out.push_back(v.get<std::string>());
    } else if (v.is_array()) {
        for (const auto& x : v)
            if (x.is_string())
                out.push_back(x.get<std::string>());
            else if (!x.is_null())
                out.push_back(x.dump());
    }
    return out;
}

}  // namespace

const char* verdictName(VerdictKind v) {
    switch (v) {
        case VerdictKind::Approve:
            return "approve";
        case VerdictKind::Reject:
            return "reject";
        case VerdictKind::Review:
            return "review";
    }
    return "review";
}

const char* decisionName(HumanDecision d) {
    switch (d) {
        case HumanDecision::Approve:
            return "approve";
        case HumanDecision::Reject:
            return "reject";
        case HumanDecision::Escalate:
            return "escalate";
    }
    return "escalate";
}

std::optional<Verdict> parseVerdict(const std::string& output, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<Verdict> {
        if (error) *error = why;
        return std::nullopt;
    };
    const ThinkingSplit split = splitThinking(output);  // the shared rule (sightline/thinking.h)
    if (split.open) return fail("the output is still reasoning (no answer after <think>)");
    const std::string& text = split.answer;
    bool truncated = false;
    const std::string object = extractObject(text, &truncated);
    if (object.empty()) return fail("no JSON object in the output");
    json j;
    bool repaired = truncated;
    try {
        j = parseJsonLimited(object);
    } catch (const json::exception&) {
        try {
            j = parseJsonLimited(repairJson(object));
            repaired = true;
        } catch (const json::exception& e) {
            return fail(std::string("unrepairable JSON: ") + e.what());
        }
    }
    if (!j.is_object()) return fail("the JSON is not an object");
    std::string v;
    for (const char* key : {"verdict", "decision", "label"})
        if (j.contains(key) && j[key].is_string()) {
            v = lower(j[key].get<std::string>());
            break;
        }
    Verdict out;
    if (v == "approve" || v == "approved" || v == "allow")
        out.verdict = VerdictKind::Approve;
    else if (v == "reject" || v == "rejected" || v == "deny" || v == "block")
        out.verdict = VerdictKind::Reject;
    else if (v == "review" || v == "escalate" || v == "needs_review" || v == "human_review")
        out.verdict = VerdictKind::Review;
    else
        return fail(v.empty() ? "no \"verdict\" field" : "unknown verdict \"" + v + "\"");
    if (j.contains("reasons"))
        out.reasons = stringList(j["reasons"]);
    else if (j.contains("reason"))
        out.reasons = stringList(j["reason"]);
    if (j.contains("categories")) out.categories = stringList(j["categories"]);
    if (j.contains("confidence") && j["confidence"].is_number()) out.statedConfidence = j["confidence"].get<double>();
    out.repaired = repaired;
    return out;
}

double verdictTokenProbability(const GenerateResult& r) {
    // Position of the verdict value in the text, then the token whose text covers it.
    std::string text;
    std::vector<size_t> ends;
    for (const auto& t : r.tokens) {
        text += t.textDelta;
        ends.push_back(text.size());
    }
    // The answer is a suffix of the output (splitThinking): search from where it starts.
    const size_t answerAt = text.size() - splitThinking(text).answer.size();
    const size_t key = text.find("\"verdict\"", answerAt);
    if (key == std::string::npos) return 0;
    size_t p = text.find(':', key);
    if (p == std::string::npos) return 0;
    p = text.find_first_not_of(" \t\n\"'", p + 1);
    if (p == std::string::npos) return 0;
    for (size_t i = 0; i < ends.size(); ++i)
        if (ends[i] > p) return std::exp(static_cast<double>(r.tokens[i].logprob));
    return 0;
}

}  // namespace sightline::moderation
