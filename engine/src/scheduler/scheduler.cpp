// The continuous-batching scheduler: one thread, one batch lane (slots × slotTokens KV cache, CUDA
// graphs per batch/span bucket), one lane for over-long requests, round-robin admission by source.
// Every KV-side cache is its KvManager's; every request is a Request (request.h) from submit on.
#include "sightline/scheduler.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "kv/kv_manager.h"
#include "model/model_impl.h"
#include "runtime/guarded.h"
#include "scheduler/lane.h"
#include "scheduler/request.h"

namespace sightline {

const char* requestSourceName(RequestSource s) {
    switch (s) {
        case RequestSource::Chat:
            return "chat";
        case RequestSource::Moderation:
            return "moderation";
        case RequestSource::Api:
            return "api";
        case RequestSource::Benchmark:
            return "benchmark";
    }
    return "chat";
}

struct Scheduler::Impl {
    std::shared_ptr<const Model> model;
    const Model::Impl* core = nullptr;  // *model's internals (weights, config, device): immutable
    SchedulerOptions options;

    mutable std::mutex mutex;  // guards queues, nextSource, stop, nextId, counters, observer
    std::condition_variable wake;
    std::array<std::deque<std::unique_ptr<Request>>, kRequestSources> queues;
    int nextSource = 0;  // round-robin start for the next admission
    bool stop = false;
    int64_t nextId = 1;
    SchedulerCounters counters;
    Scheduler::CompletionObserver observer;

    // Scheduler thread only (created before it starts).
    std::unique_ptr<KvManager> kv;
    std::unique_ptr<Lane> batch, longLane;
    std::thread thread;

    void run();
    bool iterate();
    void recover(std::exception_ptr error, bool failWaiting);
    bool queuedAny() const {
        for (const auto& q : queues)
            if (!q.empty()) return true;
        return false;
    }
    bool lanesBusy() const { return (batch && !batch->empty()) || (longLane && !longLane->empty()); }
    std::unique_ptr<Request> nextAdmissible();
    void admit(std::unique_ptr<Request> request);
    void stepLane(std::unique_ptr<Lane>& lane);
    void releaseIdleLongLane();
    void complete(std::unique_ptr<Request> request);
    void fail(std::unique_ptr<Request> request, std::exception_ptr error);
    void updateRunning();
    void shutdown();
    std::vector<std::unique_ptr<Request>> takeQueued();  // every waiting request, out of the queues (takes the mutex)
};

Scheduler::Scheduler(std::shared_ptr<const Model> model, SchedulerOptions options) : m_impl(std::make_unique<Impl>()) {
    if (!model) throw Error(ErrorKind::BadInput, "the scheduler needs a loaded model");
    if (options.maxBatch < 1 || options.slotTokens < 16) throwBadInput("scheduler: max batch must be >= 1 and slot size >= 16 tokens");
    options.slotTokens = std::min(options.slotTokens, model->config().text.maxPositionEmbeddings);
    m_impl->model = std::move(model);
    m_impl->core = &modelImpl(*m_impl->model);
    m_impl->options = options;
    m_impl->kv = std::make_unique<KvManager>(*m_impl->core,
                                             KvOptions{options.maxBatch, options.slotTokens, options.kvCacheBytes, options.keptPrefixes});
    m_impl->thread = std::thread([impl = m_impl.get()] { impl->run(); });
}

Scheduler::~Scheduler() {
    stop();
}

void Scheduler::stop() {
    {
        std::lock_guard lock(m_impl->mutex);
        m_impl->stop = true;
    }
    m_impl->wake.notify_all();
    if (m_impl->thread.joinable() && m_impl->thread.get_id() != std::this_thread::get_id()) m_impl->thread.join();
}

const Model& Scheduler::model() const {
    return *m_impl->model;
}
const SchedulerOptions& Scheduler::options() const {
    return m_impl->options;
}

void Scheduler::setCompletionObserver(CompletionObserver observer) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->observer = std::move(observer);
}

SchedulerCounters Scheduler::counters() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->counters;
}

std::future<GenerateResult> Scheduler::submit(RequestSource source, const std::vector<ChatMessage>& messages,
                                              const GenerationParams& params, TokenCallback onToken, const std::atomic<bool>* cancel) {
    const auto t0 = Sequence::Clock::now();
    auto request = std::make_unique<Request>();
    std::future<GenerateResult> future = request->promise.get_future();
    try {
        request->prepare(*m_impl->model, messages, params, std::move(onToken), cancel, t0);
    } catch (...) {
        request->promise.set_exception(std::current_exception());
        return future;
    }
    request->source = source;
    request->ownLane = request->cacheNeed() > m_impl->options.slotTokens;
    {
        std::lock_guard lock(m_impl->mutex);
        if (m_impl->stop) {
            request->cancelUnadmitted();
            return future;
        }
        request->id = m_impl->nextId++;
        ++m_impl->counters.queued[static_cast<size_t>(source)];
        m_impl->queues[static_cast<size_t>(source)].push_back(std::move(request));
    }
    m_impl->wake.notify_one();
    return future;
}

// Under the lock. Round-robin over the sources from nextSource; within a source strictly FIFO (a
// front request that cannot start yet holds its source back, not the others).
std::unique_ptr<Request> Scheduler::Impl::nextAdmissible() {
    for (int k = 0; k < kRequestSources; ++k) {
        const int s = (nextSource + k) % kRequestSources;
        auto& q = queues[static_cast<size_t>(s)];
        if (q.empty()) continue;
        const Request& front = *q.front();
        const bool room = front.ownLane ? !(longLane && !longLane->empty()) : !(batch && batch->full());
        if (!room) continue;
        std::unique_ptr<Request> request = std::move(q.front());
        q.pop_front();
        --counters.queued[static_cast<size_t>(s)];
        ++counters.admitted[static_cast<size_t>(s)];
        nextSource = (s + 1) % kRequestSources;
        return request;
    }
    return nullptr;
}

// Never throws: a failure while finishing (the callback on the last text, the result) fails the request.
void Scheduler::Impl::complete(std::unique_ptr<Request> request) {
    GenerateResult result;
    try {
        result = request->seq->finish(runtime::peakMemoryBytes(core->device));
        result.caller = request->caller;
        if (const std::exception_ptr error = request->seq->error()) std::rethrow_exception(error);  // onToken threw
    } catch (...) {
        fail(std::move(request), std::current_exception());
        return;
    }
    CompletionObserver observe;
    {
        std::lock_guard lock(mutex);  // counted before the caller can see the result
        ++counters.completed;
        observe = observer;
    }
    if (observe) {
        try {
            observe(request->source, result);
        } catch (...) {  // a monitor's failure is not the request's
        }
    }
    request->promise.set_value(std::move(result));
}

void Scheduler::Impl::fail(std::unique_ptr<Request> request, std::exception_ptr error) {
    {
        std::lock_guard lock(mutex);
        ++counters.failed;
    }
    request->promise.set_exception(error);
}

void Scheduler::Impl::updateRunning() {
    const int64_t running = static_cast<int64_t>((batch ? batch->size() : 0) + (longLane ? longLane->size() : 0));
    std::lock_guard lock(mutex);
    counters.running = running;
    counters.peakBatch = std::max(counters.peakBatch, running);
}

void Scheduler::Impl::admit(std::unique_ptr<Request> request) {
    try {
        std::unique_ptr<Lane>& lane = request->ownLane ? longLane : batch;
        if (!lane) {
            if (request->ownLane) {
                lane = std::make_unique<Lane>(*core, kv->acquireOwnLane(request->cacheNeed()), nullptr, kv->images());
            } else {
                std::unique_ptr<BatchDecoder> decoder = kv->makeBatchDecoder();
                {
                    std::lock_guard lock(mutex);
                    counters.slots = decoder->slots();
                }
                lane = std::make_unique<Lane>(*core, std::move(decoder), kv->prefixes(), kv->images());
            }
        }
        lane->admit(request);
        if (request) complete(std::move(request));  // finished at its first token, or cancelled
    } catch (...) {
        if (request) fail(std::move(request), std::current_exception());
    }
    releaseIdleLongLane();
    updateRunning();
}

// The own lane's decoder (a cache sized for one long request) goes back to the KvManager's pool.
void Scheduler::Impl::releaseIdleLongLane() {
    if (!longLane || !longLane->empty()) return;
    kv->releaseOwnLane(longLane->releaseDecoder());
    longLane.reset();
}

void Scheduler::Impl::stepLane(std::unique_ptr<Lane>& lane) {
    if (!lane || lane->empty()) return;
    const int64_t rows = static_cast<int64_t>(lane->size());
    const auto t0 = std::chrono::steady_clock::now();
    try {
        std::vector<std::unique_ptr<Request>> done = lane->step();
        {
            std::lock_guard lock(mutex);
            ++counters.decodeSteps;
            counters.decodedRows += rows;
            counters.decodeSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        for (auto& r : done) complete(std::move(r));
    } catch (...) {
        // A failed step leaves the cache and graphs in an unknown state: every request in this lane
        // fails with the error, the lane is rebuilt for the next ones.
        const std::exception_ptr error = std::current_exception();
        for (auto& r : lane->takeAll()) fail(std::move(r), error);
        lane.reset();
        runtime::releaseCachedMemory(core->device);
    }
}

// One pass: drop cancelled waiting requests, admit what fits, one decode step per lane. Returns
// false when the scheduler is stopping.
bool Scheduler::Impl::iterate() {
    std::vector<std::unique_ptr<Request>> dropped;  // cancelled while waiting
    {
        std::unique_lock lock(mutex);
        const bool wasIdle = !lanesBusy();
        wake.wait(lock, [&] { return stop || queuedAny() || lanesBusy(); });
        if (stop) return false;
        if (wasIdle) runtime::resetPeakMemory(core->device);  // a request's peak is that of the batch it ran in
        for (size_t s = 0; s < queues.size(); ++s)
            for (auto it = queues[s].begin(); it != queues[s].end();)
                if ((*it)->seq->cancelRequested()) {
                    dropped.push_back(std::move(*it));
                    it = queues[s].erase(it);
                    --counters.queued[s];
                } else {
                    ++it;
                }
    }
    for (auto& r : dropped) r->cancelUnadmitted();
    int64_t prefilled = 0;
    while (prefilled < options.prefillTokensPerStep || !lanesBusy()) {
        std::unique_ptr<Request> request;
        {
            std::lock_guard lock(mutex);
            request = nextAdmissible();
        }
        if (!request) break;
        prefilled += static_cast<int64_t>(request->prompt.ids.size());
        admit(std::move(request));
    }
    stepLane(batch);
    stepLane(longLane);
    releaseIdleLongLane();
    updateRunning();
    return true;
}

// Something outside any one request's steps failed (a bug, a library error between steps): every
// admitted request fails with it and the lanes are rebuilt. Waiting requests go on as usual, unless
// the failure repeats before any progress: then they fail too rather than spin on it.
void Scheduler::Impl::recover(std::exception_ptr error, bool failWaiting) {
    try {
        for (std::unique_ptr<Lane>* lane : {&batch, &longLane}) {
            if (!*lane) continue;
            for (auto& r : (*lane)->takeAll()) fail(std::move(r), error);
            lane->reset();
        }
        if (failWaiting) {
            std::vector<std::unique_ptr<Request>> waiting = takeQueued();
            {
                std::lock_guard lock(mutex);
                counters.failed += static_cast<int64_t>(waiting.size());
            }
            for (auto& r : waiting) r->promise.set_exception(error);
        }
        runtime::releaseCachedMemory(core->device);
        updateRunning();
    } catch (...) {  // nothing may leave the thread's top
    }
}

void Scheduler::Impl::run() {
    // The thread's top: no exception may leave it (std::terminate would end the whole process).
    int failuresInARow = 0;
    try {
        c10::InferenceMode inference;
        for (;;) {
            try {
                if (!iterate()) break;
                failuresInARow = 0;
            } catch (...) {
                recover(std::current_exception(), ++failuresInARow >= 2);
            }
        }
        shutdown();
    } catch (...) {
        // Only a failure of the shutdown itself gets here: no request may be left waiting forever.
        recover(std::current_exception(), true);
    }
}

std::vector<std::unique_ptr<Request>> Scheduler::Impl::takeQueued() {
    std::vector<std::unique_ptr<Request>> waiting;
    std::lock_guard lock(mutex);
    for (auto& q : queues) {
        for (auto& r : q) waiting.push_back(std::move(r));
        q.clear();
    }
    counters.queued.fill(0);
    return waiting;
}

void Scheduler::Impl::shutdown() {
    for (auto& r : takeQueued()) r->cancelUnadmitted();
    for (std::unique_ptr<Lane>* lane : {&batch, &longLane}) {
        if (!*lane) continue;
        for (auto& r : (*lane)->takeAll()) {
            r->seq->markCancelled();
            complete(std::move(r));
        }
        lane->reset();
    }
    updateRunning();
}

GenerateResult generateOnce(std::shared_ptr<const Model> model, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                            TokenCallback onToken, const std::atomic<bool>* cancel, SchedulerOptions options) {
    options.maxBatch = 1;
    options.keptPrefixes = 0;  // no later request of this scheduler could reuse a prefix
    Scheduler scheduler(std::move(model), options);
    return scheduler.submit(RequestSource::Chat, messages, params, std::move(onToken), cancel).get();
}

}  // namespace sightline
