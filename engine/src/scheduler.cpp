// The continuous-batching scheduler: one thread, one batch lane (slots × slotTokens KV cache, CUDA
// graphs per batch/span bucket), one lane for over-long requests, round-robin admission by source.
#include "sightline/scheduler.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "model/model_impl.h"
#include "runtime/guarded.h"
#include "text/lane.h"

namespace sightline {

const char* requestSourceName(RequestSource s) {
    switch (s) {
        case RequestSource::Chat: return "chat";
        case RequestSource::Moderation: return "moderation";
        case RequestSource::Api: return "api";
        case RequestSource::Benchmark: return "benchmark";
    }
    return "chat";
}

namespace {

struct Job {
    int64_t id = 0;
    RequestSource source = RequestSource::Chat;
    PreparedRequest request;
    std::unique_ptr<Sequence> seq;
    std::promise<GenerateResult> promise;
    bool useImageCache = true;
    bool ownLane = false;  // needs more KV positions than a batch slot has
};

// A request that never reached a lane ends as cancelled, with nothing generated.
void cancelUnadmitted(Job& job) {
    job.seq->markCancelled();
    job.promise.set_value(job.seq->finish(0));
}

}  // namespace

struct Scheduler::Impl {
    std::shared_ptr<const Model> model;
    SchedulerOptions options;

    mutable std::mutex mutex;  // guards the queues, stop, counters
    std::condition_variable wake;
    std::array<std::deque<std::unique_ptr<Job>>, kRequestSources> queues;
    int nextSource = 0;  // round-robin start for the next admission
    bool stop = false;
    int64_t nextId = 1;
    SchedulerCounters counters;
    Scheduler::CompletionObserver observer;  // guarded by mutex

    // Scheduler thread only.
    std::unique_ptr<Lane> batch, longLane;
    std::map<int64_t, std::unique_ptr<Job>> admitted;  // by id: promises of requests in a lane
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
    std::unique_ptr<Job> nextAdmissible();
    void admit(std::unique_ptr<Job> job);
    void stepLane(std::unique_ptr<Lane>& lane);
    void releaseIdleLongLane();
    void complete(Lane::Entry& entry);
    void fail(int64_t id, std::exception_ptr error);
    void updateRunning();
    void shutdown();
    std::unique_ptr<BatchDecoder> makeBatchDecoder();
};

// As many slots as the KV budget holds (at most maxBatch); an allocation that still fails halves
// the slots and tries again, down to one.
std::unique_ptr<BatchDecoder> Scheduler::Impl::makeBatchDecoder() {
    const Model::Impl& m = model->impl();
    const auto& tc = m.config.text;
    const int64_t perSlot = 2 * tc.numLayers * tc.numKvHeads * tc.headDim * options.slotTokens * static_cast<int64_t>(m.options.dtype().itemsize());
    int64_t budget = options.kvCacheBytes;
    if (budget <= 0 && m.device.is_cuda()) {
        const DeviceMemory mem = queryDeviceMemory(DeviceKind::Cuda, m.device.index());
        const int64_t freeBytes = mem.deviceTotalBytes - mem.deviceUsedBytes + (mem.reservedBytes - mem.allocatedBytes);
        budget = std::max<int64_t>(perSlot, freeBytes - (int64_t(2) << 30));
    }
    const int64_t keep = std::max(0, options.keptPrefixes);
    int64_t slots = options.maxBatch;
    if (budget > 0) slots = std::clamp<int64_t>(budget / perSlot - keep, 1, options.maxBatch);
    for (;;) {
        try {
            auto d = runtime::guarded("KV cache allocation", m.device, [&] {
                return std::make_unique<BatchDecoder>(m.weights, m.config, m.options, slots, options.slotTokens, keep);
            });
            std::lock_guard lock(mutex);
            counters.slots = slots;
            return d;
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::OutOfMemory || slots == 1) throw;
            slots /= 2;
        }
    }
}

Scheduler::Scheduler(std::shared_ptr<const Model> model, SchedulerOptions options) : m_impl(std::make_unique<Impl>()) {
    if (!model) throw Error(ErrorKind::BadInput, "the scheduler needs a loaded model");
    if (options.maxBatch < 1 || options.slotTokens < 16) throwBadInput("scheduler: max batch must be >= 1 and slot size >= 16 tokens");
    options.slotTokens = std::min(options.slotTokens, model->config().text.maxPositionEmbeddings);
    m_impl->model = std::move(model);
    m_impl->options = options;
    m_impl->thread = std::thread([impl = m_impl.get()] { impl->run(); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::stop() {
    {
        std::lock_guard lock(m_impl->mutex);
        m_impl->stop = true;
    }
    m_impl->wake.notify_all();
    if (m_impl->thread.joinable() && m_impl->thread.get_id() != std::this_thread::get_id()) m_impl->thread.join();
}

const Model& Scheduler::model() const { return *m_impl->model; }
const SchedulerOptions& Scheduler::options() const { return m_impl->options; }

void Scheduler::setCompletionObserver(CompletionObserver observer) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->observer = std::move(observer);
}

SchedulerCounters Scheduler::counters() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->counters;
}

std::future<GenerateResult> Scheduler::submit(RequestSource source, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                                              TokenCallback onToken, const std::atomic<bool>* cancel) {
    const auto t0 = Sequence::Clock::now();
    auto job = std::make_unique<Job>();
    std::future<GenerateResult> future = job->promise.get_future();
    const Model& model = *m_impl->model;
    try {
        job->request = prepareRequest(model, messages, params);
        // A client's callback must not take the batch down with it: the Sequence catches what it
        // throws and the request fails with that message (complete() below).
        job->seq = std::make_unique<Sequence>(model.config(), model.tokenizer(), params, job->request.ids, job->request.maxNew,
                                              std::move(onToken), cancel, t0);
        RequestStats& st = job->seq->stats();
        st.device = model.deviceName();
        st.preprocessMs = std::chrono::duration<double, std::milli>(Sequence::Clock::now() - t0).count();
        for (const auto& im : job->request.images) st.imageTokens += im.numTokens;
    } catch (...) {
        job->promise.set_exception(std::current_exception());
        return future;
    }
    job->source = source;
    job->useImageCache = params.useImageCache;
    job->ownLane = cacheNeed(job->request) > m_impl->options.slotTokens;
    {
        std::lock_guard lock(m_impl->mutex);
        if (m_impl->stop) {
            cancelUnadmitted(*job);
            return future;
        }
        job->id = m_impl->nextId++;
        ++m_impl->counters.queued[static_cast<size_t>(source)];
        m_impl->queues[static_cast<size_t>(source)].push_back(std::move(job));
    }
    m_impl->wake.notify_one();
    return future;
}

// Under the lock. Round-robin over the sources from nextSource; within a source strictly FIFO (a
// front request that cannot start yet holds its source back, not the others).
std::unique_ptr<Job> Scheduler::Impl::nextAdmissible() {
    for (int k = 0; k < kRequestSources; ++k) {
        const int s = (nextSource + k) % kRequestSources;
        auto& q = queues[static_cast<size_t>(s)];
        if (q.empty()) continue;
        const Job& front = *q.front();
        const bool room = front.ownLane ? !(longLane && !longLane->empty()) : !(batch && batch->full());
        if (!room) continue;
        std::unique_ptr<Job> job = std::move(q.front());
        q.pop_front();
        --counters.queued[static_cast<size_t>(s)];
        ++counters.admitted[static_cast<size_t>(s)];
        nextSource = (s + 1) % kRequestSources;
        return job;
    }
    return nullptr;
}

// Never throws: a failure while finishing (the callback on the last text, the result) fails the request.
void Scheduler::Impl::complete(Lane::Entry& entry) {
    auto it = admitted.find(entry.tag);
    if (it == admitted.end()) return;
    const Model::Impl& m = model->impl();
    GenerateResult result;
    try {
        result = entry.seq->finish(runtime::peakMemoryBytes(m.device));
        if (const std::exception_ptr error = entry.seq->error()) std::rethrow_exception(error);  // onToken threw
    } catch (...) {
        fail(entry.tag, std::current_exception());
        return;
    }
    CompletionObserver observe;
    {
        std::lock_guard lock(mutex);  // counted before the caller can see the result
        ++counters.completed;
        observe = observer;
    }
    const RequestSource source = it->second->source;
    if (observe) {
        try {
            observe(source, result);
        } catch (...) {  // a monitor's failure is not the request's
        }
    }
    it->second->promise.set_value(std::move(result));
    admitted.erase(it);
}

void Scheduler::Impl::fail(int64_t id, std::exception_ptr error) {
    auto it = admitted.find(id);
    if (it == admitted.end()) return;
    {
        std::lock_guard lock(mutex);
        ++counters.failed;
    }
    it->second->promise.set_exception(error);
    admitted.erase(it);
}

void Scheduler::Impl::updateRunning() {
    const int64_t running = static_cast<int64_t>((batch ? batch->size() : 0) + (longLane ? longLane->size() : 0));
    std::lock_guard lock(mutex);
    counters.running = running;
    counters.peakBatch = std::max(counters.peakBatch, running);
}

void Scheduler::Impl::admit(std::unique_ptr<Job> job) {
    const Model::Impl& m = model->impl();
    const int64_t id = job->id;
    Job& j = *job;
    admitted.emplace(id, std::move(job));
    try {
        std::unique_ptr<Lane>& lane = j.ownLane ? longLane : batch;
        if (!lane) {
            std::unique_ptr<BatchDecoder> decoder =
                j.ownLane ? runtime::guarded("KV cache allocation", m.device,
                                             [&] { return m.decoders.acquire(m.weights, m.config, m.options, cacheNeed(j.request)); })
                          : makeBatchDecoder();
            lane = std::make_unique<Lane>(m, std::move(decoder));
        }
        Lane::Entry entry;
        entry.seq = std::move(j.seq);
        entry.tag = id;
        std::unique_ptr<Lane::Entry> done = lane->admit(std::move(entry), j.request, j.useImageCache);
        j.request.images.clear();  // the pixels are in the KV cache now
        if (done) complete(*done);
    } catch (...) {
        fail(id, std::current_exception());
    }
    releaseIdleLongLane();
    updateRunning();
}

// The own lane's decoder (a cache sized for one long request) goes back to the model's pool.
void Scheduler::Impl::releaseIdleLongLane() {
    if (!longLane || !longLane->empty()) return;
    model->impl().decoders.release(longLane->releaseDecoder());
    longLane.reset();
}

void Scheduler::Impl::stepLane(std::unique_ptr<Lane>& lane) {
    if (!lane || lane->empty()) return;
    const int64_t rows = static_cast<int64_t>(lane->size());
    const auto t0 = std::chrono::steady_clock::now();
    try {
        std::vector<Lane::Entry> done = lane->step();
        {
            std::lock_guard lock(mutex);
            ++counters.decodeSteps;
            counters.decodedRows += rows;
            counters.decodeSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        for (Lane::Entry& e : done) complete(e);
    } catch (...) {
        // A failed step leaves the cache and graphs in an unknown state: every request in this lane
        // fails with the error, the lane is rebuilt for the next ones.
        const std::exception_ptr error = std::current_exception();
        for (Lane::Entry& e : lane->takeAll()) fail(e.tag, error);
        lane.reset();
        runtime::releaseCachedMemory(model->impl().device);
    }
}

// One pass: drop cancelled waiting requests, admit what fits, one decode step per lane. Returns
// false when the scheduler is stopping.
bool Scheduler::Impl::iterate() {
    const Model::Impl& m = model->impl();
    std::vector<std::unique_ptr<Job>> dropped;  // cancelled while waiting
    {
        std::unique_lock lock(mutex);
        const bool wasIdle = !lanesBusy();
        wake.wait(lock, [&] { return stop || queuedAny() || lanesBusy(); });
        if (stop) return false;
        if (wasIdle) runtime::resetPeakMemory(m.device);  // a request's peak is that of the batch it ran in
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
    for (auto& j : dropped) cancelUnadmitted(*j);
    int64_t prefilled = 0;
    while (prefilled < options.prefillTokensPerStep || !lanesBusy()) {
        std::unique_ptr<Job> job;
        {
            std::lock_guard lock(mutex);
            job = nextAdmissible();
        }
        if (!job) break;
        prefilled += static_cast<int64_t>(job->request.ids.size());
        admit(std::move(job));
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
        for (std::unique_ptr<Lane>* lane : {&batch, &longLane})
            if (*lane) (*lane)->takeAll();
        batch.reset();
        longLane.reset();
        while (!admitted.empty()) fail(admitted.begin()->first, error);
        if (failWaiting) {
            std::vector<std::unique_ptr<Job>> waiting;
            {
                std::lock_guard lock(mutex);
                for (auto& q : queues) {
                    for (auto& j : q) waiting.push_back(std::move(j));
                    q.clear();
                }
                counters.queued.fill(0);
                counters.failed += static_cast<int64_t>(waiting.size());
            }
            for (auto& j : waiting) j->promise.set_exception(error);
        }
        runtime::releaseCachedMemory(model->impl().device);
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

void Scheduler::Impl::shutdown() {
    std::vector<std::unique_ptr<Job>> waiting;
    {
        std::lock_guard lock(mutex);
        for (auto& q : queues) {
            for (auto& j : q) waiting.push_back(std::move(j));
            q.clear();
        }
        counters.queued.fill(0);
    }
    for (auto& j : waiting) cancelUnadmitted(*j);
    for (std::unique_ptr<Lane>* lane : {&batch, &longLane}) {
        if (!*lane) continue;
        for (Lane::Entry& e : (*lane)->takeAll()) {
            e.seq->markCancelled();
            complete(e);
        }
        lane->reset();
    }
    updateRunning();
}

}  // namespace sightline
