// GLM-4.6V-family prompt rendering (mirrors chat_template.jinja of the family, HF jinja settings
// trim_blocks + lstrip_blocks) and Hugging Face-style chat JSON parsing.
#include <climits>
#include <nlohmann/json.hpp>

#include "sightline/chat.h"
#include "sightline/error.h"
#include "sightline/untrusted.h"
#include "util/files.h"

namespace sightline {
namespace {

using json = nlohmann::ordered_json;  // key order kept: the chat template sees the messages as given

bool isPySpace(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Python str.strip() for the ASCII whitespace the template can meet.
std::string pyStrip(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && isPySpace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && isPySpace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string flatten(const ChatMessage& m) {
    std::string text;
    for (const auto& part : m.content) {
        if (part.type == ContentPart::Type::Image)
            text += "<|begin_of_image|><|image|><|end_of_image|>";
        else if (part.type == ContentPart::Type::Video)
            text += "<|begin_of_video|><|video|><|end_of_video|>";
        else
            text += part.text;
    }
    return text;
}

std::string base64Decode(const std::string& in, const std::string& where) {
    static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int val = 0, bits = -8;
    for (unsigned char c : in) {
        if (c == '=' || isPySpace(c)) continue;
        const auto pos = chars.find(static_cast<char>(c == '-' ? '+' : c == '_' ? '/' : c));
        if (pos == std::string::npos) throwBadInput(where + ": data URI is not valid base64");
        val = (val << 6) + static_cast<int>(pos);
        bits += 6;
        if (bits >= 0) {
            out += static_cast<char>((val >> bits) & 0xFF);
            bits -= 8;
        }
    }
    return out;
}

std::string percentDecode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// The bytes of a base64 data: URI (image or video part).
std::string dataUriBytes(const std::string& ref, const std::string& where) {
    const auto comma = ref.find(',');
    if (comma == std::string::npos || ref.substr(0, comma).find(";base64") == std::string::npos)
        throwBadInput(where + ": only base64 data: URIs are supported");
    return base64Decode(ref.substr(comma + 1), where);
}

// A local reference as a path: file:// URLs decoded, other URLs refused, relative paths under baseDir.
std::string localPath(const std::string& ref, const std::string& baseDir, const std::string& where) {
    std::string path = ref;
    if (path.rfind("file://", 0) == 0)
        path = percentDecode(path.substr(7));
    else if (path.find("://") != std::string::npos)
        throwBadInput(where + ": \"" + ref + "\" is a remote URL; Sightline reads local files only");
    if (!path.empty() && path[0] != '/' && !baseDir.empty()) path = util::joinPath(baseDir, path);
    return path;
}

// An image part's bytes, not yet decoded (all images of a conversation are probed first).
struct ImageBytes {
    std::vector<uint8_t> bytes;
    std::string name;  // for messages: the file, or the JSON path of a data: URI
};

ImageBytes readImageRef(const std::string& ref, const std::string& baseDir, const std::string& where, const DecodeOptions& decode,
                        const std::string& localFilesRefusal) {
    if (ref.rfind("data:", 0) == 0) {
        const std::string bytes = dataUriBytes(ref, where);
        return {std::vector<uint8_t>(bytes.begin(), bytes.end()), where};
    }
    if (!localFilesRefusal.empty()) {
        if (ref.rfind("http://", 0) == 0 || ref.rfind("https://", 0) == 0)
            throwBadInput(where + ": remote image URLs are not fetched; send the image as a data: URI (base64)");
        throwBadInput(where + ": images must be data: URIs (base64); " + localFilesRefusal);
    }
    const std::string path = localPath(ref, baseDir, where);
    return {
        util::readBinaryFile(path, decode.maxFileBytes, decode.uniformFileErrors ? util::FileErrors::Uniform : util::FileErrors::Detailed),
        path};
}

// An OpenAI image_url part becomes {"type": "image"} (as vLLM hands such parts to chat templates);
// a data: URI elsewhere in the part is cut to its header: no template prints image bytes, and the
// copy lives as long as the request.
void shortenImageRefs(json& part) {
    if (part.value("type", std::string()) == "image_url") {
        part = json{{"type", "image"}};
        return;
    }
    if (part.value("type", std::string()) == "video_url") {
        part = json{{"type", "video"}};
        return;
    }
    for (auto it = part.begin(); it != part.end(); ++it)
        if (it.value().is_string()) {
            const std::string& v = it.value().get_ref<const std::string&>();
            if (v.rfind("data:", 0) == 0 && v.find(',') != std::string::npos) it.value() = v.substr(0, v.find(',') + 1);
        }
}

// A video part's source: a data: URI's bytes, or a local file (never read whole: FFmpeg reads it).
VideoSource readVideoRef(const std::string& ref, const std::string& baseDir, const std::string& where, const DecodeOptions& decode,
                         const std::string& localFilesRefusal) {
    VideoDecodeOptions vo;
    vo.maxFramePixels = decode.maxPixels;
    if (ref.rfind("data:", 0) == 0) {
        const std::string bytes = dataUriBytes(ref, where);
        return videoSourceFromBytes(std::make_shared<const std::vector<uint8_t>>(bytes.begin(), bytes.end()), where, vo);
    }
    if (!localFilesRefusal.empty()) {
        if (ref.rfind("http://", 0) == 0 || ref.rfind("https://", 0) == 0)
            throwBadInput(where + ": remote video URLs are not fetched; send the video as a data: URI (base64)");
        throwBadInput(where + ": videos must be data: URIs (base64)");
    }
    const std::string path = localPath(ref, baseDir, where);
    return videoSourceFromFile(path, vo);
}

// The file or URL an image or video part names: its "image"/"video", "path" or "url" string, else
// OpenAI's {"image_url": {"url": …}} / {"video_url": …} (or a bare string there).
std::string partReference(const json& part, const std::string& kind, const std::string& where) {
    for (const std::string& key : {kind, std::string("path"), std::string("url")})
        if (part.contains(key) && part[key].is_string()) {
            if (!part[key].get_ref<const std::string&>().empty()) return part[key].get<std::string>();
            break;  // the first string key decides; an empty one falls to the *_url object
        }
    const std::string urlKey = kind + "_url";
    if (part.contains(urlKey)) {
        const json& u = part[urlKey];
        const std::string ref = u.is_string() ? u.get<std::string>() : u.value("url", std::string());
        if (!ref.empty()) return ref;
    }
    throwBadInput(where + ": " + kind + " part names no file (\"" + kind + "\", \"path\" or \"url\")");
}

Role parseRole(const std::string& r, const std::string& where) {
    if (r == "system") return Role::System;
    if (r == "user") return Role::User;
    if (r == "assistant") return Role::Assistant;
    if (r == "observation" || r == "tool") return Role::Observation;
    throwBadInput(where + ": unknown role \"" + r + "\"");
}

}  // namespace

ChatMessage ChatMessage::text(Role role, std::string text) {
    ChatMessage m;
    m.role = role;
    ContentPart p;
    p.text = std::move(text);
    m.content.push_back(std::move(p));
    return m;
}

const char* roleName(Role role) {
    switch (role) {
        case Role::System:
            return "system";
        case Role::User:
            return "user";
        case Role::Assistant:
            return "assistant";
        case Role::Observation:
            return "observation";
    }
    return "user";
}

std::string renderGlmChat(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options) {
    const bool noThink = !options.enableThinking;
    std::string out = "[gMASK]<sop>";
    int lastUser = -1;
    for (size_t i = 0; i < messages.size(); ++i)
        if (messages[i].role == Role::User) lastUser = static_cast<int>(i);
    for (size_t i = 0; i < messages.size(); ++i) {
        const ChatMessage& m = messages[i];
        const std::string text = flatten(m);
        switch (m.role) {
            case Role::System:
                out += "<|system|>\n" + text;
                break;
            case Role::User:
                out += "<|user|>\n" + text;
                if (noThink && !endsWith(text, "/nothink")) out += "/nothink";
                break;
            case Role::Assistant: {
                std::string answer = text, reason;
                if (!m.reasoning.empty()) {
                    reason = m.reasoning;
                } else if (const auto close = text.find("</think>"); close != std::string::npos) {
                    const std::string before = text.substr(0, close);
                    const auto open = before.rfind("<think>");
                    reason = open == std::string::npos ? before : before.substr(open + 7);
                    answer = text.substr(text.rfind("</think>") + 8);
                }
                out += "<|assistant|>\n";
                // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "literal" + string.
                const std::string thought = pyStrip(reason), shown = pyStrip(answer);
                out += "<think>";
                if (static_cast<int>(i) > lastUser) out += thought;
                out += "</think>";
                if (!shown.empty()) {
                    out += '\n';
                    out += shown;
                }
                break;
            }
            case Role::Observation:
                break;  // the family template used here has no tool turns
        }
    }
    if (options.addGenerationPrompt) {
        out += "<|assistant|>\n";
        if (noThink) out += "<think></think>\n";
    }
    return out;
}

std::vector<ChatMessage> parseChatJson(const std::string& jsonText, const std::string& baseDir, const DecodeOptions& decode,
                                       const std::string& localFilesRefusal) {
    json root;
    try {
        root = parseOrderedJsonLimited(jsonText);  // messages come from files and clients: nesting is bounded
    } catch (const json::exception& e) {
        throwBadInput(std::string("conversation JSON is malformed: ") + e.what());
    }
    const json* list = &root;
    if (root.is_object()) {
        if (!root.contains("messages")) throwBadInput("conversation JSON: an object needs a \"messages\" list");
        list = &root["messages"];
    }
    if (!list->is_array()) throwBadInput("conversation JSON: expected a list of messages");
    std::vector<ChatMessage> messages;
    struct Pending {
        size_t message, part;
        ImageBytes image;
    };
    std::vector<Pending> pending;
    for (size_t i = 0; i < list->size(); ++i) {
        const json& jm = (*list)[i];
        const std::string where = "messages[" + std::to_string(i) + "]";
        if (!jm.is_object() || !jm.contains("role") || !jm["role"].is_string()) throwBadInput(where + ": needs a string \"role\"");
        ChatMessage m;
        m.role = parseRole(jm["role"].get<std::string>(), where);
        json templateJson = jm;  // what the chat template sees (image bytes left out below)
        if (jm.contains("reasoning_content") && jm["reasoning_content"].is_string())
            m.reasoning = jm["reasoning_content"].get<std::string>();
        const json content = jm.value("content", json(""));
        if (content.is_string()) {
            ContentPart p;
            p.text = content.get<std::string>();
            m.content.push_back(std::move(p));
        } else if (content.is_array()) {
            for (size_t k = 0; k < content.size(); ++k) {
                const json& part = content[k];
                const std::string pw = where + ".content[" + std::to_string(k) + "]";
                if (!part.is_object()) throwBadInput(pw + ": expected an object");
                if (part.contains("type") && !part["type"].is_string()) throwBadInput(pw + ": \"type\" must be a string");
                std::string type = part.value("type", std::string());
                if (type.empty() && part.contains("image")) type = "image";  // {"image": …} without a type, as HF templates take it
                if (type.empty() && part.contains("text")) type = "text";
                ContentPart p;
                if (type == "text") {
                    p.text = part.value("text", std::string());
                } else if (type == "image" || type == "image_url") {
                    const std::string ref = partReference(part, "image", pw);
                    p.type = ContentPart::Type::Image;
                    p.imageSource = ref.rfind("data:", 0) == 0 ? "data URI" : ref;
                    shortenImageRefs(templateJson["content"][k]);
                    pending.push_back({messages.size(), m.content.size(), readImageRef(ref, baseDir, pw, decode, localFilesRefusal)});
                } else if (type == "video" || type == "video_url") {
                    const std::string ref = partReference(part, "video", pw);
                    p.type = ContentPart::Type::Video;
                    p.imageSource = ref.rfind("data:", 0) == 0 ? "data URI" : ref;
                    shortenImageRefs(templateJson["content"][k]);
                    p.video = std::make_shared<const VideoSource>(readVideoRef(ref, baseDir, pw, decode, localFilesRefusal));
                } else {
                    throwBadInput(pw + ": unsupported content type \"" + type + "\"");
                }
                m.content.push_back(std::move(p));
            }
        } else if (!content.is_null()) {
            throwBadInput(where + ": content must be a string or a list of parts");
        }
        m.templateJson = templateJson.dump(-1, ' ', false, json::error_handler_t::replace);
        messages.push_back(std::move(m));
    }
    // Every header before any pixel: an image over the per-image cap, or images over the cap for the
    // whole conversation together, are refused before anything is decoded.
    int64_t total = 0;
    for (const Pending& im : pending) {
        const ImageProbe probe = probeImage(im.image.bytes, im.image.name, decode);
        checkImagePixels(probe, decode.maxPixels, im.image.name);
        total = probe.pixels() > INT64_MAX - total ? INT64_MAX : total + probe.pixels();
    }
    if (decode.maxTotalPixels > 0 && total > decode.maxTotalPixels)
        throwBadInput("the " + std::to_string(pending.size()) + " images of this conversation have " + std::to_string(total) +
                      " pixels together, over the limit of " + std::to_string(decode.maxTotalPixels));
    for (Pending& im : pending) {
        messages[im.message].content[im.part].image = std::make_shared<RgbImage>(decodeImage(im.image.bytes, im.image.name, decode));
        im.image.bytes = {};  // the decoded copy is what stays
    }
    return messages;
}

}  // namespace sightline
