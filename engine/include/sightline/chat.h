// Chat messages and the GLM-4.6V-family prompt format.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sightline/image.h"
#include "sightline/video.h"

namespace sightline {

enum class Role { System, User, Assistant, Observation };

struct ContentPart {
    enum class Type { Text, Image, Video };
    Type type = Type::Text;
    std::string text;                          // Type::Text
    std::shared_ptr<const RgbImage> image;     // Type::Image, decoded
    std::shared_ptr<const VideoSource> video;  // Type::Video, probed (decoded when a request is prepared)
    std::string imageSource;                   // where the image or video came from, for messages and history
};

struct ChatMessage {
    Role role = Role::User;
    std::vector<ContentPart> content;
    std::string reasoning;  // optional reasoning_content of an assistant turn
    // The message as the checkpoint's chat template sees it, when it came as JSON (parseChatJson):
    // a JSON object text keeping every field the engine does not model (tool_calls, tool_call_id,
    // name, a string content, an image part's own keys). Data: URIs of image parts are shortened to
    // their header (no template prints image bytes). Empty: the template gets role, content (a
    // string for one text part, else a list of {"type":"text"} / {"type":"image"} parts) and
    // reasoning_content, built from the fields above.
    std::string templateJson;

    static ChatMessage text(Role role, std::string text);
};

// Special-token strings of the prompt format. Defaults are the GLM-4.6V family's literal markers;
// the ids behind them are looked up in the checkpoint's tokenizer.
struct ChatTemplateOptions {
    bool addGenerationPrompt = true;
    bool enableThinking = true;
    // false: a chat template gets no enable_thinking at all (transformers without the kwarg).
    bool passEnableThinking = true;
    // The tools the model may call (a JSON list of OpenAI-style {"type":"function","function":{…}});
    // empty: none (the template sees tools = None, as transformers passes it). Only chat templates
    // render tools; renderGlmChat refuses them.
    std::string toolsJson;
};

// Renders the conversation exactly as the GLM-4.6V-family chat_template.jinja does (HF settings
// trim_blocks / lstrip_blocks): "[gMASK]<sop>", role tags, one "<|begin_of_image|><|image|>
// <|end_of_image|>" per image (not yet expanded), "/nothink" and "<think></think>" handling.
std::string renderGlmChat(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options);

// Parses a Hugging Face-style chat list (bare array or {"messages": [...]}); image parts name
// their file under "image", "path" or "url" (relative to baseDir, file:// URL or data: URI).
// Images are decoded, after every image's header was checked against decode.maxPixels and all of
// them together against decode.maxTotalPixels. Throws Error(BadInput) with the JSON path of the
// fault; JSON nested deeper than kJsonMaxDepth is refused. An image part may name its file without a
// "type" ({"image": …}, as transformers' templates accept); role "tool" is Role::Observation.
// localFilesRefusal not empty: only data: URIs are accepted; a part naming a file is refused with
// this explanation, a remote URL as never fetched (a server reading messages from clients).
std::vector<ChatMessage> parseChatJson(const std::string& jsonText, const std::string& baseDir, const DecodeOptions& decode = {},
                                       const std::string& localFilesRefusal = {});

const char* roleName(Role role);

}  // namespace sightline
