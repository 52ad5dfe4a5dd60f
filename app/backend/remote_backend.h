// A remote OpenAI-compatible server (vLLM, SGLang, another `sightline-cli serve`) behind the
// InferenceBackend seam: the scale-out path (docs/scale-out.md). Qt-free; HTTP through HttpSession.
//
// Requests wait in one FIFO queue and are sent by a pool of `concurrency` worker threads, one
// connection each: at most that many requests are at the server at once. A request is retried with
// exponential backoff and jitter (honouring Retry-After) on connection failures, 429 and 5xx, but
// only while nothing of its answer has arrived. Requests with an onToken callback (and benchmark
// requests, for their time to first token) are streamed (SSE); the others are sent whole and get
// per-token logprobs back (moderation's confidence). Stats are measured here, client-side: time to
// first token, decode rate, total latency (queue wait included), token counts from `usage`.
//
// Threads: every method may be called from any thread. onToken and the completion observer run on
// a worker thread. No exception leaves a worker: each request's failure is its future's
// RemoteError (a sightline::Error). A hostile server (huge or deep JSON, ill-formed UTF-8, an
// endless stream, a reset connection) fails that request by its deadline; it never crashes or hangs.
// Ownership: the workers and the queue belong to the backend; the destructor cancels what is queued
// or running (those futures resolve with FinishReason::Cancelled) and joins the workers.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "inference_backend.h"

namespace sightline::app {

struct RemoteOptions {
    std::string baseUrl;  // the server's /v1 base: "http://host:8000/v1"
    std::string apiKey;   // sent as "Authorization: Bearer KEY"; "" sends none
    std::string model;    // "" = the first id GET /models lists (resolved by load())
    std::string caFile;   // trust this CA bundle (PEM) instead of the system's
    int concurrency = 4;  // requests at the server at once (worker threads, one connection each)
    double connectTimeoutS = 10;
    double idleTimeoutS = 120;  // no byte for this long fails the attempt
    double timeoutS = 600;      // one attempt, connect to last byte (an endless stream ends here)
    int maxRetries = 5;         // re-sends after a connection failure, 429 or 5xx
    double backoffBaseS = 0.5;  // first wait; doubles each retry, with jitter
    double backoffMaxS = 8;     // longest wait (Retry-After is honoured up to 60 s)
    int64_t maxResponseBytes = int64_t(64) << 20;
};

// Why a remote request failed. unavailable(): the server could not be reached or kept answering
// 429/5xx through every retry (a moderation run stops and leaves such items pending).
class RemoteError : public Error {
public:
    RemoteError(ErrorKind kind, const std::string& message, bool unavailable, long httpStatus)
        : Error(kind, message), m_unavailable(unavailable), m_httpStatus(httpStatus) {}
    bool unavailable() const { return m_unavailable; }
    long httpStatus() const { return m_httpStatus; }

private:
    bool m_unavailable;
    long m_httpStatus;
};

// Reads RemoteOptions::baseUrl rules: http(s) only; a trailing "/" is dropped. Throws Error(BadInput).
std::string normalizeBaseUrl(const std::string& url);

class RemoteBackend : public InferenceBackend {
public:
    explicit RemoteBackend(RemoteOptions options);  // throws Error(BadInput) for a bad URL or concurrency
    ~RemoteBackend() override;

    // Connects: GET /models (with the key) and picks the model (options.model, or the first listed).
    // options' model folder, device and dtype are ignored. Throws RemoteError: the server is
    // unreachable, refuses the key, or does not serve the model.
    void load(const LoadOptions& options) override;
    bool loaded() const override;
    // name = the remote model, id = "remote:BASEURL:MODEL", summary = "remote: BASEURL MODEL" (also each
    // request's stats.device, so the monitor names the backend), device = "remote server".
    ModelInfo modelInfo() const override;
    std::future<GenerateResult> submit(RequestSource source, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                                       TokenCallback onToken = {}, const std::atomic<bool>* cancel = nullptr) const override;
    int batchSlots() const override { return m_options.concurrency; }
    // queued / admitted by source, running, completed, slots = concurrency (no decode figures).
    std::optional<SchedulerCounters> counters() const override;
    void setCompletionObserver(CompletionObserver observer) override;
    // The server preprocesses images itself: the original size only, numTokens 0 (unknown here).
    PreprocessedImage preflight(const RgbImage& image, int64_t maxPixels) const override;
    const RemoteOptions& options() const { return m_options; }

private:
    struct Job;
    void work();
    GenerateResult runJob(Job& job, class HttpSession& session) const;
    std::vector<std::string> headers() const;

    const RemoteOptions m_options;
    mutable std::mutex m_mutex;  // guards everything below
    mutable std::condition_variable m_wake;
    mutable std::deque<std::shared_ptr<Job>> m_queue;
    mutable SchedulerCounters m_counters;
    bool m_stopping = false;
    std::string m_model;  // "" until load()
    CompletionObserver m_observer;
    std::vector<std::thread> m_workers;
    mutable std::atomic<bool> m_shutdown{false};  // cancels transfers in flight when the backend goes
};

}  // namespace sightline::app
