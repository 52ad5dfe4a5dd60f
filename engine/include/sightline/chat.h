// Chat messages and the GLM-4.6V-family prompt format.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sightline/image.h"

namespace sightline {

enum class Role { System, User, Assistant, Observation };

struct ContentPart {
    enum class Type { Text, Image };
    Type type = Type::Text;
    std::string text;                       // Type::Text
    std::shared_ptr<const RgbImage> image;  // Type::Image, decoded
    std::string imageSource;                // where it came from, for messages and history
};

struct ChatMessage {
    Role role = Role::User;
    std::vector<ContentPart> content;
    std::string reasoning;  // optional reasoning_content of an assistant turn

    static ChatMessage text(Role role, std::string text);
};

// Special-token strings of the prompt format. Defaults are the GLM-4.6V family's literal markers;
// the ids behind them are looked up in the checkpoint's tokenizer.
struct ChatTemplateOptions {
    bool addGenerationPrompt = true;
    bool enableThinking = true;
};

// Renders the conversation exactly as the GLM-4.6V-family chat_template.jinja does (HF settings
// trim_blocks / lstrip_blocks): "[gMASK]<sop>", role tags, one "<|begin_of_image|><|image|>
// <|end_of_image|>" per image (not yet expanded), "/nothink" and "<think></think>" handling.
std::string renderGlmChat(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options);

// Parses a Hugging Face-style chat list (bare array or {"messages": [...]}); image parts name
// their file under "image", "path" or "url" (relative to baseDir, file:// URL or data: URI).
// Images are decoded, after every image's header was checked against decode.maxPixels and all of
// them together against decode.maxTotalPixels. Throws Error(BadInput) with the JSON path of the
// fault; JSON nested deeper than kJsonMaxDepth is refused.
// localFilesRefusal not empty: only data: URIs are accepted; a part naming a file is refused with
// this explanation, a remote URL as never fetched (a server reading messages from clients).
std::vector<ChatMessage> parseChatJson(const std::string& jsonText, const std::string& baseDir, const DecodeOptions& decode = {},
                                       const std::string& localFilesRefusal = {});

const char* roleName(Role role);

}  // namespace sightline
