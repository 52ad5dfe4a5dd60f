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
    for (const auto& i : r.images) {
        json image = {{"sha256", i.sha256}, {"bytes", i.bytes}};
        if (i.preprocessedBytes >= 0) image["preprocessed_bytes"] = i.preprocessedBytes;
        images.push_back(image);
    }
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

}  // namespace sightline::server
