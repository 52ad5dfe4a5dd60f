// Continuous batching: requests from the chat, the moderation queue and any other client share one
// queue and one running batch on one model. A request joins the batch as soon as a KV slot is free
// (its prefill runs between two decode steps) and leaves it the step it finishes, so short and
// long answers do not wait for each other. Waiting requests are admitted in round-robin order over
// their sources (FIFO within a source), so a long moderation queue cannot starve the chat.
//
// Threads: one scheduler thread runs the model; submit(), counters(), stop() and
// setCompletionObserver() may be called from any thread (one mutex guards the queues, the counters
// and the observer). A request whose prompt plus max_new_tokens exceeds the slot size runs in a lane
// of its own (one at a time) beside the batch.
//
// Ownership: the Model (weights, config, tokenizer) is shared and immutable; everything a request
// changes is the scheduler's: the KV caches (batch slots, kept prefixes, pooled one-slot caches),
// the image-embedding cache and each request's state until its future is fulfilled. Two schedulers
// on one Model share nothing but the weights.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <future>
#include <memory>

#include "sightline/engine.h"

namespace sightline {

enum class RequestSource { Chat = 0, Moderation = 1, Api = 2, Benchmark = 3 };
constexpr int kRequestSources = 4;
const char* requestSourceName(RequestSource source);

struct SchedulerOptions {
    int maxBatch = 8;           // sequences decoded together (KV cache slots), at most
    int64_t slotTokens = 4096;  // KV positions per slot (prompt + answer)
    // Bytes the batch's KV cache may take; fewer slots are made when maxBatch would not fit.
    // 0: on CUDA, what is free on the device less 2 GiB for activations; on the CPU, no limit.
    int64_t kvCacheBytes = 0;
    // Prompt tokens admitted (prefilled) between two decode steps, at least one request: a burst of
    // new requests delays the running ones' next token by a bounded amount.
    int64_t prefillTokensPerStep = 2048;
    // Finished requests' caches kept (in slots of their own) so a request that starts the same way
    // — the next turn of a chat, the next item under one moderation policy — prefills only the rest.
    int keptPrefixes = 2;
};

struct SchedulerCounters {
    std::array<int64_t, kRequestSources> queued{};  // waiting, by source
    std::array<int64_t, kRequestSources> admitted{};
    int64_t running = 0;
    int64_t slots = 0;  // KV slots of the batch (0 until its first request): maxBatch or what fits
    int64_t completed = 0;
    int64_t failed = 0;
    int64_t decodeSteps = 0;
    int64_t decodedRows = 0;   // sum over steps of the batch size (decodedRows / decodeSteps = mean batch)
    double decodeSeconds = 0;  // wall time inside decode steps (decodedRows / decodeSeconds = batch decode rate)
    int64_t peakBatch = 0;
};

class Scheduler {
public:
    explicit Scheduler(std::shared_ptr<const Model> model, SchedulerOptions options = {});
    // stop(), then joins the scheduler thread.
    ~Scheduler();
    // Cancels what is queued or running (their futures resolve with FinishReason::Cancelled, even
    // while other owners still hold this scheduler) and cancels every later submit. Idempotent.
    void stop();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Prepares the prompt on the calling thread (template, tokens, image preprocessing), then
    // queues it. The future gives the result, or throws the request's sightline::Error (bad input,
    // out of memory); one request failing does not fail the others. onToken runs on the scheduler
    // thread, so it must be quick (hand the text to your own thread). cancel, when given, must
    // outlive the request; it is polled between steps.
    std::future<GenerateResult> submit(RequestSource source, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                                       TokenCallback onToken = {}, const std::atomic<bool>* cancel = nullptr);

    SchedulerCounters counters() const;
    // Called on the scheduler thread with every finished request (not failed ones), just before
    // its future becomes ready; must be quick and must not submit. For monitors.
    using CompletionObserver = std::function<void(RequestSource, const GenerateResult&)>;
    void setCompletionObserver(CompletionObserver observer);
    const Model& model() const;
    const SchedulerOptions& options() const;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

// One request through a scheduler of its own (one slot, no kept prefixes): the path of every
// other request (slot cache, CUDA graphs, the same Sequence), for the CLI and one-off callers.
// Blocks the calling thread until the request ends; onToken runs on the scheduler's thread.
// Throws the request's sightline::Error. Callers that run many requests should keep a Scheduler.
GenerateResult generateOnce(std::shared_ptr<const Model> model, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                            TokenCallback onToken = {}, const std::atomic<bool>* cancel = nullptr, SchedulerOptions options = {});

}  // namespace sightline
