// The C++ side of the chat-template parity test (tests/cli/check_chat_template_parity.py): renders a
// JSON list of conversations the way the engine does (parseChatJson, then the checkpoint's
// PromptFormat, then the tokenizer) and prints, per conversation, the prompt and its token ids, or
// the error.
//   chat_template_render MODEL_DIR CASES.json [TEMPLATE_FILE]
// CASES.json: {"base_dir": "...", "cases": [{"messages": [...], "tools": [...] | null,
//              "add_generation_prompt": bool, "enable_thinking": bool (optional)}]}
// TEMPLATE_FILE replaces the checkpoint's own template (the test's modified templates).
//   chat_template_render --snippets
// reads JSON lines {"t": template, "v": variables} from stdin and writes, per line, {"out": text}
// or {"err": message} (the differential test against jinja2, check_chat_template_differential.py).
#include <iostream>
#include <nlohmann/json.hpp>

#include "sightline/chat.h"
#include "sightline/chat_template.h"
#include "sightline/error.h"
#include "sightline/tokenizer.h"
#include "sightline/untrusted.h"

int main(int argc, char** argv) {
    using namespace sightline;
    using json = nlohmann::ordered_json;
    if (argc == 2 && std::string(argv[1]) == "--snippets") {
        std::string line;
        while (std::getline(std::cin, line)) {
            json o;
            try {
                const json j = parseOrderedJsonLimited(line);
                o["out"] = ChatTemplate::parse(j["t"].get<std::string>(), "snippet")->render(j["v"]);
            } catch (const std::exception& e) {
                o["err"] = e.what();
            }
            std::cout << o.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
        }
        return 0;
    }
    if (argc < 3) {
        std::cerr << "usage: chat_template_render MODEL_DIR CASES.json [TEMPLATE_FILE]\n";
        return 2;
    }
    try {
        const std::string modelDir = argv[1];
        const auto readAll = [](const std::string& path) {
            std::FILE* f = std::fopen(path.c_str(), "rb");
            if (!f) throwBadInput("cannot open " + path);
            std::string s;
            char buf[65536];
            size_t n;
            while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
            std::fclose(f);
            return s;
        };
        PromptFormat format = PromptFormat::load(modelDir);
        if (argc > 3) {
            const json special = format.variables({}, ChatTemplateOptions{});
            json tokens = json::object();
            for (const char* k : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"})
                if (special.contains(k)) tokens[k] = special[k];
            format = PromptFormat::fromTemplate(ChatTemplate::parse(readAll(argv[3]), argv[3]), tokens);
        }
        const auto tokenizer = Tokenizer::fromFile(modelDir + "/tokenizer.json");
        const json input = parseOrderedJsonLimited(readAll(argv[2]));
        const std::string baseDir = input.value("base_dir", std::string("."));
        json out = json::array();
        for (const json& c : input["cases"]) {
            try {
                const auto messages = parseChatJson(c["messages"].dump(), baseDir);
                ChatTemplateOptions o;
                o.addGenerationPrompt = c.value("add_generation_prompt", true);
                o.passEnableThinking = c.contains("enable_thinking");
                o.enableThinking = c.value("enable_thinking", true);
                if (c.contains("tools") && !c["tools"].is_null()) o.toolsJson = c["tools"].dump();
                const std::string prompt = format.render(messages, o);
                out.push_back({{"prompt", prompt}, {"ids", tokenizer->encode(prompt)}});
            } catch (const Error& e) {
                out.push_back({{"error", e.what()}});
            }
        }
        std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "chat_template_render: " << e.what() << "\n";
        return 2;
    }
}
