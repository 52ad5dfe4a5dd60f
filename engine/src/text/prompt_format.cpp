// PromptFormat: a checkpoint's chat template (or the built-in GLM renderer) and the variables
// transformers' apply_chat_template passes to it.
#include "sightline/chat_template.h"
#include "sightline/error.h"
#include "sightline/untrusted.h"
#include "util/files.h"

namespace sightline {

using json = nlohmann::ordered_json;

namespace {

// transformers' SPECIAL_TOKENS_ATTRIBUTES: what special_tokens_map holds and the template may use.
constexpr const char* kSpecialTokenNames[] = {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"};

json builtMessage(const ChatMessage& m) {
    json out = {{"role", m.role == Role::Observation ? "tool" : roleName(m.role)}};
    const bool oneText = m.content.size() == 1 && m.content[0].type == ContentPart::Type::Text;
    if (m.content.empty()) {
        out["content"] = "";
    } else if (oneText) {
        out["content"] = m.content[0].text;
    } else {
        json parts = json::array();
        for (const ContentPart& p : m.content) {
            if (p.type == ContentPart::Type::Image)
                parts.push_back({{"type", "image"}});
            else if (p.type == ContentPart::Type::Video)
                parts.push_back({{"type", "video"}});
            else
                parts.push_back({{"type", "text"}, {"text", p.text}});
        }
        out["content"] = std::move(parts);
    }
    if (!m.reasoning.empty()) out["reasoning_content"] = m.reasoning;
    return out;
}

}  // namespace

json chatTemplateMessages(const std::vector<ChatMessage>& messages) {
    json list = json::array();
    for (const ChatMessage& m : messages) {
        if (m.templateJson.empty()) {
            list.push_back(builtMessage(m));
            continue;
        }
        json j = parseOrderedJsonLimited(m.templateJson);  // the engine wrote it (parseChatJson): well-formed
        if (!j.is_object()) throw Error(ErrorKind::Internal, "a message's template JSON is not an object");
        list.push_back(std::move(j));
    }
    return list;
}

PromptFormat PromptFormat::fromTemplate(std::shared_ptr<const ChatTemplate> chatTemplate, json specialTokens) {
    PromptFormat f;
    f.m_template = std::move(chatTemplate);
    f.m_specialTokens = specialTokens.is_object() ? std::move(specialTokens) : json::object();
    return f;
}

PromptFormat PromptFormat::load(const std::string& modelDir) {
    const std::string jinjaPath = util::joinPath(modelDir, "chat_template.jinja");
    const std::string configPath = util::joinPath(modelDir, "tokenizer_config.json");
    json config = json::object();
    if (util::fileExists(configPath)) {
        try {
            config = parseOrderedJsonLimited(util::readTextFile(configPath));
        } catch (const json::exception& e) {
            throwBadInput(configPath + " is not valid JSON: " + e.what());
        }
        if (!config.is_object()) throwBadInput(configPath + " is not a JSON object");
    }
    json special = json::object();
    for (const char* name : kSpecialTokenNames) {
        if (!config.contains(name)) continue;
        const json& t = config[name];
        if (t.is_string())
            special[name] = t;
        else if (t.is_object() && t.contains("content") && t["content"].is_string())
            special[name] = t["content"];
    }
    std::string source, name;
    if (util::fileExists(jinjaPath)) {
        source = util::readTextFile(jinjaPath);
        name = jinjaPath;
    } else if (config.contains("chat_template")) {
        const json& t = config["chat_template"];
        name = configPath + " (chat_template)";
        if (t.is_string()) {
            source = t.get<std::string>();
        } else if (t.is_array()) {  // named templates: transformers takes "default"
            for (const json& entry : t)
                if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template") &&
                    entry["template"].is_string())
                    source = entry["template"].get<std::string>();
            if (source.empty()) throwBadInput(configPath + ": chat_template is a list without a \"default\" template");
        } else if (!t.is_null()) {
            throwBadInput(configPath + ": chat_template must be a string or a list of named templates");
        }
    }
    if (source.empty()) return PromptFormat();
    if (!isValidUtf8(source)) throwBadInput(name + ": the chat template is not valid UTF-8");
    return fromTemplate(ChatTemplate::parse(source, name), std::move(special));
}

json PromptFormat::variables(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options) const {
    json vars = m_specialTokens;
    vars["messages"] = chatTemplateMessages(messages);
    vars["tools"] = nullptr;
    if (!options.toolsJson.empty()) {
        json tools;
        try {
            tools = parseOrderedJsonLimited(options.toolsJson);
        } catch (const json::exception& e) {
            throwBadInput(std::string("tools is not valid JSON: ") + e.what());
        }
        if (!tools.is_array()) throwBadInput("tools must be a list");
        vars["tools"] = std::move(tools);  // [] stays [] (transformers passes the list it got)
    }
    vars["documents"] = nullptr;
    vars["add_generation_prompt"] = options.addGenerationPrompt;
    if (options.passEnableThinking) vars["enable_thinking"] = options.enableThinking;
    return vars;
}

std::string PromptFormat::render(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options) const {
    if (!m_template) {
        if (!options.toolsJson.empty())
            throwBadInput("this checkpoint has no chat template (chat_template.jinja), so it cannot be given tools");
        for (const ChatMessage& m : messages)
            if (m.role == Role::Observation)
                throwBadInput("this checkpoint has no chat template (chat_template.jinja), so it cannot be given tool results");
        return renderGlmChat(messages, options);
    }
    return m_template->render(variables(messages, options));
}

std::string PromptFormat::describe() const {
    return m_template ? m_template->name() : std::string("the built-in GLM-4.6V prompt format (the checkpoint has no chat template)");
}

}  // namespace sightline
