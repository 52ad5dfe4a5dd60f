#include "remote_backend.h"

#include <chrono>
#include <cmath>
#include <random>

#include "http_session.h"
#include "remote_protocol.h"
#include "sightline/untrusted.h"

namespace sightline::app {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// What one failed attempt means: retry it, or fail the request with this error.
struct AttemptFailure {
    bool retry = false;
    ErrorKind kind = ErrorKind::Internal;
    std::string message;
};

AttemptFailure judgeAttempt(const HttpOutcome& o, bool receivedAnswer, const RemoteOptions& opt) {
    using F = HttpOutcome::Failure;
    const std::string where = " (" + opt.baseUrl + ")";
    const bool ok2xx = o.status >= 200 && o.status < 300;
    if (o.failure == F::None && !ok2xx) {
        const std::string text = serverErrorText(o.status, o.errorBody);
        if (o.status == 401 || o.status == 403)
            return {false, ErrorKind::BadInput, "the remote server refused the API key" + where + ": " + text};
        if (o.status == 429) return {true, ErrorKind::Internal, "the remote server is overloaded" + where + ": " + text};
        if (o.status >= 500) return {true, ErrorKind::Internal, "the remote server failed" + where + ": " + text};
        if (o.status == 404) return {false, ErrorKind::BadInput, "the remote server has no such model or route" + where + ": " + text};
        if (o.status >= 400 && o.status < 500)
            return {false, ErrorKind::BadInput, "the remote server refused the request" + where + ": " + text};
        return {false, ErrorKind::Internal, "the remote server gave an unexpected answer" + where + ": " + text};
    }
    switch (o.failure) {
        case F::Connect:
            return {true, ErrorKind::Internal, "cannot reach the remote server" + where + ": " + o.message};
        case F::Tls:
            return {false, ErrorKind::BadInput,
                    "TLS failure with the remote server" + where + ": " + o.message +
                        " (a private CA? give its certificate with --remote-ca-file)"};
        case F::Transport:
        case F::Idle:
            if (receivedAnswer)
                return {false, ErrorKind::Internal,
                        "the connection to the remote server broke during the answer" + where + ": " + o.message};
            return {true, ErrorKind::Internal,
                    (o.failure == F::Idle ? "the remote server stopped answering" : "the connection to the remote server broke") + where +
                        (o.message.empty() ? "" : ": " + o.message)};
        case F::Deadline:
            return {false, ErrorKind::Internal,
                    "the remote server did not finish within " + std::to_string(static_cast<long long>(std::ceil(opt.timeoutS))) + " s" +
                        where};
        case F::TooLarge:
            return {false, ErrorKind::Internal,
                    "the remote server's answer is over " + std::to_string(opt.maxResponseBytes >> 20) + " MiB" + where};
        default:
            return {false, ErrorKind::Internal, "the remote server's answer could not be read" + where + ": " + o.message};
    }
}

// Exponential backoff with jitter; Retry-After (seconds) wins, up to a minute.
double retryDelay(int attempt, const std::string& retryAfter, const RemoteOptions& o) {
    if (!retryAfter.empty() && std::isdigit(static_cast<unsigned char>(retryAfter[0])))
        return std::min(60.0, std::strtod(retryAfter.c_str(), nullptr));
    thread_local std::mt19937 rng{std::random_device{}()};
    const double cap = std::min(o.backoffMaxS, o.backoffBaseS * std::pow(2.0, attempt));
    return cap * std::uniform_real_distribution<double>(0.5, 1.0)(rng);
}

int64_t usageInt(const json& usage, const char* key) {
    if (!usage.is_object() || !usage.contains(key)) return 0;
    return jsonInt64(usage[key]).value_or(0);
}

double timingMs(const json& timings, const char* key) {
    if (!timings.is_object() || !timings.contains(key) || !timings[key].is_number()) return 0;
    return timings[key].get<double>();
}

}  // namespace

std::string normalizeBaseUrl(const std::string& url) {
    std::string u = url;
    while (!u.empty() && (u.back() == '/' || u.back() == ' ')) u.pop_back();
    if (u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0)
        throwBadInput("the remote server's URL must start with http:// or https:// (its /v1 base), got \"" + url + "\"");
    if (u.find_first_of(" \r\n\t") != std::string::npos) throwBadInput("the remote server's URL contains spaces");
    return u;
}

struct RemoteBackend::Job {
    RequestSource source = RequestSource::Chat;
    std::string body;
    bool stream = false;
    TokenCallback onToken;
    const std::atomic<bool>* cancel = nullptr;
    std::promise<GenerateResult> promise;
    Clock::time_point submitted;
};

RemoteBackend::RemoteBackend(RemoteOptions options)
    : m_options([&] {
          options.baseUrl = normalizeBaseUrl(options.baseUrl);
          if (options.concurrency < 1 || options.concurrency > 1024) throwBadInput("remote concurrency must be between 1 and 1024");
          if (!(options.timeoutS > 0)) throwBadInput("the remote timeout must be positive");
          options.connectTimeoutS = std::min(options.connectTimeoutS, options.timeoutS);
          options.idleTimeoutS = std::min(options.idleTimeoutS, options.timeoutS);
          return options;
      }()) {
    m_counters.slots = m_options.concurrency;
    for (int i = 0; i < m_options.concurrency; ++i) m_workers.emplace_back([this] { work(); });
}

RemoteBackend::~RemoteBackend() {
    std::deque<std::shared_ptr<Job>> left;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        left.swap(m_queue);
    }
    m_shutdown = true;
    m_wake.notify_all();
    for (auto& w : m_workers) w.join();
    for (auto& job : left) {
        GenerateResult r;
        r.finishReason = FinishReason::Cancelled;
        job->promise.set_value(std::move(r));
    }
}

std::vector<std::string> RemoteBackend::headers() const {
    std::vector<std::string> h = {"Content-Type: application/json", "Accept: application/json, text/event-stream"};
    if (!m_options.apiKey.empty()) h.push_back("Authorization: Bearer " + m_options.apiKey);
    return h;
}

void RemoteBackend::load(const LoadOptions& lo) {
    HttpSession session;
    for (int attempt = 0;; ++attempt) {
        std::string body;
        HttpExchange x;
        x.url = m_options.baseUrl + "/models";
        x.headers = headers();
        x.caFile = m_options.caFile;
        x.connectTimeoutS = m_options.connectTimeoutS;
        x.idleTimeoutS = x.deadlineS = std::min(m_options.timeoutS, 60.0);
        x.maxBytes = 4 << 20;
        x.cancelled = [&] { return lo.cancel && lo.cancel->load(); };
        x.onData = [&](std::string_view d) {
            body.append(d);
            return true;
        };
        const HttpOutcome o = session.perform(x);
        if (o.failure == HttpOutcome::Failure::Cancelled) throw Error(ErrorKind::Cancelled, "connecting was cancelled");
        if (o.failure == HttpOutcome::Failure::None && o.status >= 200 && o.status < 300) {
            const std::vector<std::string> ids = modelIds(body);
            std::string model = m_options.model;
            if (model.empty()) {
                if (ids.empty())
                    throw RemoteError(ErrorKind::BadInput, "the remote server (" + m_options.baseUrl + ") lists no model", false, o.status);
                model = ids.front();
            } else if (std::find(ids.begin(), ids.end(), model) == ids.end()) {
                std::string list;
                for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
                throw RemoteError(ErrorKind::BadInput,
                                  "the remote server (" + m_options.baseUrl + ") does not serve \"" + model + "\" (it lists: " + list + ")",
                                  false, o.status);
            }
            std::lock_guard lock(m_mutex);
            m_model = model;
            return;
        }
        const AttemptFailure f = judgeAttempt(o, false, m_options);
        if (!f.retry || attempt >= m_options.maxRetries)
            throw RemoteError(f.kind,
                              f.message + (f.retry && attempt > 0 ? " (gave up after " + std::to_string(attempt) + " retries)" : ""),
                              f.retry, o.status);
        const auto until = Clock::now() + std::chrono::duration<double>(retryDelay(attempt, o.retryAfter, m_options));
        while (Clock::now() < until) {
            if (lo.cancel && lo.cancel->load()) throw Error(ErrorKind::Cancelled, "connecting was cancelled");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
}

bool RemoteBackend::loaded() const {
    std::lock_guard lock(m_mutex);
    return !m_model.empty();
}

ModelInfo RemoteBackend::modelInfo() const {
    std::lock_guard lock(m_mutex);
    ModelInfo i;
    if (m_model.empty()) return i;
    i.id = "remote:" + m_options.baseUrl + ":" + m_model;
    i.name = m_model;
    i.summary = "remote: " + m_options.baseUrl + " " + m_model;
    i.device = "remote server";  // the window reads "SUMMARY on DEVICE"
    i.dtype = "remote";
    return i;
}

std::future<GenerateResult> RemoteBackend::submit(RequestSource source, const std::vector<ChatMessage>& messages,
                                                  const GenerationParams& params, TokenCallback onToken,
                                                  const std::atomic<bool>* cancel) const {
    std::string model;
    {
        std::lock_guard lock(m_mutex);
        model = m_model;
    }
    if (model.empty()) throw Error(ErrorKind::BadInput, "not connected to the remote server (" + m_options.baseUrl + ")");
    auto job = std::make_shared<Job>();
    job->source = source;
    // Streamed when someone watches the tokens, and for benchmarks (time to first token).
    job->stream = static_cast<bool>(onToken) || source == RequestSource::Benchmark;
    job->body = chatRequestBody(messages, params, model, job->stream).dump(-1, ' ', false, json::error_handler_t::replace);
    job->onToken = std::move(onToken);
    job->cancel = cancel;
    job->submitted = Clock::now();
    std::future<GenerateResult> f = job->promise.get_future();
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) throw Error(ErrorKind::Cancelled, "the remote backend is shutting down");
        m_queue.push_back(job);
        ++m_counters.queued[static_cast<size_t>(source)];
    }
    m_wake.notify_one();
    return f;
}

void RemoteBackend::work() {
    HttpSession session;
    while (true) {
        std::shared_ptr<Job> job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
            if (m_stopping) return;
            job = std::move(m_queue.front());
            m_queue.pop_front();
            const auto s = static_cast<size_t>(job->source);
            --m_counters.queued[s];
            ++m_counters.admitted[s];
            ++m_counters.running;
            m_counters.peakBatch = std::max(m_counters.peakBatch, m_counters.running);
        }
        std::optional<GenerateResult> result;
        try {
            result = runJob(*job, session);
        } catch (...) {
            job->promise.set_exception(std::current_exception());
        }
        CompletionObserver observer;
        {
            std::lock_guard lock(m_mutex);
            --m_counters.running;
            ++(result ? m_counters.completed : m_counters.failed);
            observer = m_observer;
        }
        if (!result) continue;
        try {
            if (observer) observer(job->source, *result);
        } catch (...) {  // an observer's failure is not the request's
        }
        job->promise.set_value(std::move(*result));
    }
}

GenerateResult RemoteBackend::runJob(Job& job, HttpSession& session) const {
    auto cancelled = [&] { return m_shutdown.load() || (job.cancel && job.cancel->load()); };
    for (int attempt = 0;; ++attempt) {
        if (cancelled()) {  // cancelled while queued or between attempts: nothing is sent
            GenerateResult r;
            r.finishReason = FinishReason::Cancelled;
            r.stats.totalMs = secondsSince(job.submitted) * 1000;
            return r;
        }
        StreamAssembler stream;
        SseParser sse;
        std::string body, parseError;
        bool tokenCallbackFailed = false;
        HttpExchange x;
        x.method = "POST";
        x.url = m_options.baseUrl + "/chat/completions";
        x.headers = headers();
        x.body = job.body;
        x.caFile = m_options.caFile;
        x.connectTimeoutS = m_options.connectTimeoutS;
        x.idleTimeoutS = m_options.idleTimeoutS;
        x.deadlineS = m_options.timeoutS;
        x.maxBytes = m_options.maxResponseBytes;
        x.cancelled = cancelled;
        // Caller's onToken failures fail the request with their message, as the parser's do.
        const TokenCallback onToken = [&](const TokenEvent& ev) {
            try {
                if (job.onToken) job.onToken(ev);
            } catch (...) {
                tokenCallbackFailed = true;
                throw;
            }
        };
        x.onData = [&](std::string_view data) {
            if (!job.stream) {
                body.append(data);
                return true;
            }
            if (stream.done()) return false;  // bytes after [DONE]: the answer is complete
            try {
                stream.setClock(secondsSince(job.submitted));
                sse.feed(data, [&](std::string_view payload) {
                    if (!stream.done()) stream.add(payload, onToken);
                });
            } catch (const std::exception& e) {
                parseError = tokenCallbackFailed ? std::string("the token callback failed: ") + e.what() : e.what();
                return false;
            }
            return true;  // the rest of the chunk with [DONE] ends the response; a later chunk is refused above
        };
        const HttpOutcome o = session.perform(x);
        const bool received = job.stream ? stream.receivedAny() : o.bodyBytes > 0;
        const bool ok2xx = o.status >= 200 && o.status < 300;

        if (o.failure == HttpOutcome::Failure::Cancelled || (cancelled() && o.failure != HttpOutcome::Failure::None)) {
            GenerateResult r = job.stream ? stream.result() : GenerateResult{};
            r.finishReason = FinishReason::Cancelled;
            r.stats.totalMs = secondsSince(job.submitted) * 1000;
            r.stats.device = modelInfo().summary;
            return r;
        }
        if (!parseError.empty()) throw RemoteError(ErrorKind::Internal, parseError, false, o.status);
        const bool streamComplete = job.stream && stream.done();
        if (ok2xx && (o.failure == HttpOutcome::Failure::None || (streamComplete && o.failure == HttpOutcome::Failure::Aborted))) {
            json usage, timings;
            GenerateResult r;
            if (job.stream) {
                if (!stream.done() && !stream.receivedAny())
                    throw RemoteError(ErrorKind::Internal,
                                      "the remote server ended the stream without an answer (" + m_options.baseUrl + ")", false, o.status);
                r = stream.result();
                usage = stream.usage();
                timings = stream.timings();
            } else {
                r = parseCompletion(body, &usage, &timings);
            }
            RequestStats& s = r.stats;
            s.totalMs = secondsSince(job.submitted) * 1000;
            s.promptTokens = r.promptTokens = usageInt(usage, "prompt_tokens");
            s.generatedTokens = usageInt(usage, "completion_tokens");
            if (s.generatedTokens == 0)
                s.generatedTokens = !r.outputIds.empty() ? static_cast<int64_t>(r.outputIds.size()) : stream.events();
            if (usage.is_object() && usage.contains("prompt_tokens_details"))
                s.cachedPromptTokens = usageInt(usage["prompt_tokens_details"], "cached_tokens");
            // The server's own phase figures where it sends them (sightline serve's "timings").
            s.preprocessMs = timingMs(timings, "preprocess_ms");
            s.visionMs = timingMs(timings, "vision_ms");
            s.prefillMs = timingMs(timings, "prefill_ms");
            s.prefillTokensPerS = timingMs(timings, "prefill_tokens_per_s");
            s.imageTokens = static_cast<int64_t>(timingMs(timings, "image_tokens"));
            if (job.stream && stream.firstEventS() >= 0) {
                s.ttftMs = stream.firstEventS() * 1000;
                s.decodeMs = (stream.lastEventS() - stream.firstEventS()) * 1000;
                if (s.decodeMs > 0 && s.generatedTokens > 1)
                    s.decodeTokensPerS = static_cast<double>(s.generatedTokens - 1) * 1000 / s.decodeMs;
            } else {
                // Sent whole: the first token is seen with the last; the rate is end to end.
                s.ttftMs = s.totalMs;
                if (s.totalMs > 0) s.decodeTokensPerS = static_cast<double>(s.generatedTokens) * 1000 / s.totalMs;
            }
            s.device = modelInfo().summary;  // the monitor's and the bench's name of the backend
            return r;
        }
        const AttemptFailure f = judgeAttempt(o, received && ok2xx, m_options);
        if (!f.retry || attempt >= m_options.maxRetries) {
            std::string message = f.message;
            if (f.retry && attempt > 0) message += " (gave up after " + std::to_string(attempt) + " retries)";
            throw RemoteError(f.kind, message, f.retry, o.status);
        }
        const auto until = Clock::now() + std::chrono::duration<double>(retryDelay(attempt, o.retryAfter, m_options));
        while (Clock::now() < until && !cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::optional<SchedulerCounters> RemoteBackend::counters() const {
    std::lock_guard lock(m_mutex);
    if (m_model.empty()) return std::nullopt;
    return m_counters;
}

void RemoteBackend::setCompletionObserver(CompletionObserver observer) {
    std::lock_guard lock(m_mutex);
    m_observer = std::move(observer);
}

PreprocessedImage RemoteBackend::preflight(const RgbImage& image, int64_t) const {
    PreprocessedImage p;  // the server resizes and counts: only the original size is known here
    p.originalWidth = p.resizedWidth = image.width;
    p.originalHeight = p.resizedHeight = image.height;
    return p;
}

}  // namespace sightline::app
