// How long the GUI thread goes without answering. A precise 10 ms timer on the GUI thread stamps
// the time and its own runqueue wait (/proc/thread-self/schedstat); a watchdog thread reads the
// stamp. A stall is the time since the last beat minus the time the GUI thread only waited for a
// CPU: on a shared, busy machine (and under `nice -n 19`) the kernel not scheduling the process is
// not the app failing to answer, but the app blocking its own event loop (a long slot, a wait on
// another thread, a nested loop that never returns) is.
//
// The monkey's own checks pause the measure (they are not the app's). When the GUI thread does
// not answer for hangMs, the watchdog prints the crash tail and the replay line, asks gdb for all
// threads' backtraces when gdb is installed, and aborts.
// Construct, pause/resume and read on the GUI thread; the watchdog is internal.
#pragma once

#include <QObject>
#include <QTimer>
#include <atomic>
#include <string>
#include <thread>

namespace sightline::monkey {

class Heartbeat : public QObject {
    Q_OBJECT
public:
    Heartbeat(int hangMs, std::string hangMessage, QObject* parent = nullptr);
    ~Heartbeat() override;

    void pause();   // the monkey's own code runs: not measured
    void resume();  // the app's code runs again
    // Largest stall since the last call (ms), and the largest raw gap (runqueue wait included).
    struct Window {
        double stallMs = 0;
        double rawGapMs = 0;
        double cpuMs = 0;  // of the largest stall, how much the GUI thread spent on a CPU (the rest: blocked)
    };
    Window takeWindow();
    double maxStallMs() const { return m_maxStallNs.load() / 1e6; }
    double maxRawGapMs() const { return m_maxRawNs.load() / 1e6; }
    void setHangMessage(std::string message);  // printed (with the crash tail) on a hang

private:
    void beat();
    void watch();
    static qint64 nowNs();
    // This thread's time on a CPU and waiting for one (ns), or 0 when the kernel does not say.
    static void schedstat(const char* path, qint64* runNs, qint64* waitNs);
    QTimer m_timer;
    std::thread m_watchdog;
    std::atomic<bool> m_quit{false};
    std::atomic<bool> m_paused{false};
    std::atomic<qint64> m_beatNs{0};
    std::atomic<qint64> m_beatWaitNs{0}, m_beatRunNs{0};
    std::atomic<int> m_guiTid{0};
    std::atomic<qint64> m_windowStallNs{0}, m_windowRawNs{0}, m_windowCpuNs{0};
    std::atomic<qint64> m_maxStallNs{0}, m_maxRawNs{0};
    int m_hangMs;
    std::string m_hangMessage;  // written before the watchdog starts and in setHangMessage
    std::atomic<const char*> m_hangText{nullptr};
};

// Prints the crash tail, the replay line and a backtrace on SIGSEGV, SIGBUS, SIGFPE, SIGILL and
// SIGABRT, then lets the signal kill the process. `replay` must outlive the process.
void installCrashHandler(const char* replay);
void setCrashContext(const char* replay);

}  // namespace sightline::monkey
