#include "monkey_heartbeat.h"

#include <execinfo.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "monkey_core.h"

namespace sightline::monkey {
namespace {

constexpr int kBeatMs = 10;
constexpr int kWatchMs = 20;

std::atomic<const char*> g_replay{nullptr};

void writeStr(const char* s) {
    if (s && ::write(2, s, std::strlen(s)) < 0) return;
}

void printBacktraces() {
    // gdb shows every thread (the engine's and the scheduler's too); backtrace() only this one.
    char cmd[256];
    std::snprintf(cmd, sizeof cmd,
                  "command -v gdb >/dev/null && gdb -p %d -batch -nx -ex 'set pagination off' -ex 'thread apply all bt 25' 2>/dev/null "
                  "| grep -v '^\\[New LWP' 1>&2",
                  int(::getpid()));
    if (std::system(cmd) != 0) writeStr("monkey: (no gdb backtrace)\n");
}

void onFatalSignal(int sig) {
    writeStr("\nmonkey: FATAL signal ");
    writeStr(strsignal(sig));
    writeStr("\nmonkey: the last actions:\n");
    MonkeyLog::writeCrashTail(2);
    writeStr("monkey: replay with: ");
    writeStr(g_replay.load());
    writeStr("\nmonkey: backtrace of the crashing thread:\n");
    void* frames[64];
    const int n = ::backtrace(frames, 64);
    ::backtrace_symbols_fd(frames, n, 2);
    writeStr("monkey: all threads (gdb):\n");
    printBacktraces();  // not async-signal-safe; the process is going down anyway
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

// An exception that leaves a thread ends in std::terminate: say which one before the abort report.
[[noreturn]] void onTerminate() {
    if (std::exception_ptr e = std::current_exception()) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            writeStr("\nmonkey: uncaught exception: ");
            writeStr(x.what());
        } catch (...) {
            writeStr("\nmonkey: uncaught exception of an unknown type");
        }
    }
    std::abort();
}

}  // namespace

void setCrashContext(const char* replay) {
    g_replay.store(replay);
}

void installCrashHandler(const char* replay) {
    setCrashContext(replay);
    ::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    std::set_terminate(onTerminate);  // lets the hang report's gdb attach (Yama ptrace_scope 1)
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(sig, onFatalSignal);
}

Heartbeat::Heartbeat(int hangMs, std::string hangMessage, QObject* parent)
    : QObject(parent), m_hangMs(hangMs), m_hangMessage(std::move(hangMessage)) {
    m_hangText.store(m_hangMessage.c_str());
    m_guiTid.store(static_cast<int>(::syscall(SYS_gettid)));
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(kBeatMs);
    connect(&m_timer, &QTimer::timeout, this, &Heartbeat::beat);
    beat();
    m_timer.start();
    m_watchdog = std::thread([this] { watch(); });
}

Heartbeat::~Heartbeat() {
    m_quit.store(true);
    if (m_watchdog.joinable()) m_watchdog.join();
}

void Heartbeat::setHangMessage(std::string message) {
    // The old text stays alive while the watchdog might read it: both are kept until exit.
    static std::string keep[2];
    static int k = 0;
    keep[k] = std::move(message);
    m_hangText.store(keep[k].c_str());
    k ^= 1;
}

qint64 Heartbeat::nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Heartbeat::schedstat(const char* path, qint64* runNs, qint64* waitNs) {
    // "<ns on cpu> <ns waiting on a runqueue> <timeslices>"
    *runNs = *waitNs = 0;
    FILE* f = std::fopen(path, "r");
    if (!f) return;
    unsigned long long run = 0, wait = 0;
    if (std::fscanf(f, "%llu %llu", &run, &wait) == 2) {
        *runNs = static_cast<qint64>(run);
        *waitNs = static_cast<qint64>(wait);
    }
    std::fclose(f);
}

void Heartbeat::beat() {
    qint64 run = 0, wait = 0;
    schedstat("/proc/thread-self/schedstat", &run, &wait);
    m_beatRunNs.store(run);
    m_beatWaitNs.store(wait);
    m_beatNs.store(nowNs());
}

void Heartbeat::pause() {
    m_paused.store(true);
}

void Heartbeat::resume() {
    beat();
    m_paused.store(false);
}

Heartbeat::Window Heartbeat::takeWindow() {
    Window w;
    w.stallMs = m_windowStallNs.exchange(0) / 1e6;
    w.rawGapMs = m_windowRawNs.exchange(0) / 1e6;
    w.cpuMs = m_windowCpuNs.exchange(0) / 1e6;
    return w;
}

void Heartbeat::watch() {
    const int tid = m_guiTid.load();
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", tid);
    auto raiseMax = [](std::atomic<qint64>& a, qint64 v) {
        for (qint64 cur = a.load(); v > cur && !a.compare_exchange_weak(cur, v);) {
        }
    };
    while (!m_quit.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(kWatchMs));
        if (m_paused.load()) continue;
        const qint64 beatAt = m_beatNs.load(), beatWait = m_beatWaitNs.load(), beatRun = m_beatRunNs.load();
        const qint64 gap = nowNs() - beatAt - kBeatMs * 1'000'000LL;
        if (gap <= 0 || m_paused.load()) continue;
        qint64 run = 0, wait = 0;
        schedstat(path, &run, &wait);
        const qint64 waited = std::max<qint64>(0, wait - beatWait);
        const qint64 stall = std::max<qint64>(0, gap - waited);
        if (m_beatNs.load() != beatAt || m_paused.load()) continue;  // it beat meanwhile: not a stall
        raiseMax(m_windowRawNs, gap);
        raiseMax(m_maxRawNs, gap);
        if (stall > m_windowStallNs.load()) m_windowCpuNs.store(std::max<qint64>(0, run - beatRun));
        raiseMax(m_windowStallNs, stall);
        raiseMax(m_maxStallNs, stall);
        if (stall > qint64(m_hangMs) * 1'000'000LL) {
            writeStr("\nmonkey: HANG: the GUI thread has not answered for ");
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.1f s (runqueue wait excluded)\n", stall / 1e9);
            writeStr(buf);
            writeStr(m_hangText.load());
            writeStr("\nmonkey: the last actions:\n");
            MonkeyLog::writeCrashTail(2);
            writeStr("monkey: replay with: ");
            writeStr(g_replay.load());
            writeStr("\nmonkey: backtraces:\n");
            printBacktraces();
            ::signal(SIGABRT, SIG_DFL);
            std::abort();
        }
    }
}

}  // namespace sightline::monkey
