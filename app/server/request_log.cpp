#include "request_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "image_inputs.h"
#include "moderation.h"
#include "sightline/request_rules.h"

namespace sightline::server {

namespace {

using json = nlohmann::json;

std::string isoTime(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                  tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

}  // namespace

RequestLog::RequestLog(RequestLogOptions options) : m_options(std::move(options)) {
    if (m_options.keep < 0) m_options.keep = 0;
    if (m_options.maxBytes < 1024) m_options.maxBytes = 1024;
}

std::string RequestLog::line(const RequestRecord& r) const {
    const double latencyMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - r.startSteady).count();
    json images = json::array();
    for (const auto& i : r.images) images.push_back({{"sha256", i.sha256}, {"bytes", i.bytes}});
    json j = {{"time", isoTime(r.start)},
              {"caller", r.caller},
              {"method", r.method},
              {"route", r.route},
              {"status", r.status},
              {"latency_ms", std::round(latencyMs * 10) / 10},
              {"images", images},
              {"prompt_tokens", r.promptTokens >= 0 ? json(r.promptTokens) : json(nullptr)},
              {"completion_tokens", r.completionTokens >= 0 ? json(r.completionTokens) : json(nullptr)},
              {"timings", r.timings}};
    if (m_options.content == RequestLogContent::Masked) {
        j["prompt"] = moderation::maskPersonalData(r.prompt);
        j["output"] = moderation::maskPersonalData(r.output);
    }
    return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

void RequestLog::rotate() {
    const std::string& p = m_options.path;
    if (m_options.keep == 0) {
        ::unlink(p.c_str());
        return;
    }
    ::unlink((p + "." + std::to_string(m_options.keep)).c_str());
    for (int i = m_options.keep - 1; i >= 1; --i)
        ::rename((p + "." + std::to_string(i)).c_str(), (p + "." + std::to_string(i + 1)).c_str());
    ::rename(p.c_str(), (p + ".1").c_str());
}

void RequestLog::append(const RequestRecord& record) noexcept {
    if (!enabled()) return;
    try {
        const std::string text = line(record);
        std::lock_guard lock(m_mutex);
        struct stat st {};
        if (::stat(m_options.path.c_str(), &st) == 0 && st.st_size > 0 &&
            st.st_size + static_cast<int64_t>(text.size()) > m_options.maxBytes)
            rotate();
        // Opened for each line: a log moved away or deleted by an operator is simply started again.
        const int fd = ::open(m_options.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
        bool ok = fd >= 0;
        if (ok) {
            ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
            ::close(fd);
        }
        if (!ok && m_failures++ == 0)
            std::fprintf(stderr, "sightline: warning: cannot write the request log %s: %s (requests are still answered)\n",
                         m_options.path.c_str(), std::strerror(errno));
    } catch (...) {
        std::lock_guard lock(m_mutex);
        ++m_failures;
    }
}

int64_t RequestLog::failures() const {
    std::lock_guard lock(m_mutex);
    return m_failures;
}

std::string promptText(const std::vector<ChatMessage>& messages) {
    std::string out;
    for (const ChatMessage& m : messages) {
        std::string text;
        for (const ContentPart& p : m.content)
            if (p.type == ContentPart::Type::Text) text += p.text;
        if (!out.empty()) out += "\n";
        out += std::string(roleName(m.role)) + ": " + text;
    }
    return out;
}

void recordResult(RequestRecord& record, const GenerateResult& result, const std::string& output) {
    record.promptTokens = result.promptTokens;
    record.completionTokens = result.stats.generatedTokens;
    record.timings = requestStatsJson(result.stats);
    if (record.wantDetails) record.output = output;
}

std::vector<RequestRecord::Image> imageDigests(const json& messages) {
    std::vector<RequestRecord::Image> out;
    if (!messages.is_array()) return out;
    for (const json& m : messages) {
        if (!m.is_object() || !m.contains("content") || !m["content"].is_array()) continue;
        for (const json& part : m["content"]) {
            if (!part.is_object()) continue;
            const json* ref = nullptr;
            for (const char* key : {"image", "path", "url"})
                if (!ref && part.contains(key) && part[key].is_string()) ref = &part[key];
            if (!ref && part.contains("image_url")) {
                const json& iu = part["image_url"];
                if (iu.is_string()) ref = &iu;
                else if (iu.is_object() && iu.contains("url") && iu["url"].is_string()) ref = &iu["url"];
            }
            if (!ref) continue;
            const std::string& text = ref->get_ref<const std::string&>();
            if (text.rfind("data:", 0) != 0) continue;
            const size_t comma = text.find(',');
            if (comma == std::string::npos) continue;
            const std::string bytes = base64DecodeLoose(std::string_view(text).substr(comma + 1));
            out.push_back({moderation::sha256Hex(bytes), static_cast<int64_t>(bytes.size())});
        }
    }
    return out;
}

}  // namespace sightline::server
