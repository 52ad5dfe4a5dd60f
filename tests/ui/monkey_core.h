// The monkey's plumbing: its options, a seeded random source, and the numbered action log.
// GUI thread only, except MonkeyLog::crashTail (read by the crash handler and the watchdog).
#pragma once

#include <QFile>
#include <QString>
#include <QStringList>
#include <cstdint>

namespace sightline::monkey {

struct MonkeyOptions {
    QString modelDir;
    quint64 seed = 1;
    int actions = 200;
    int restartEvery = 0;   // 0: only when the random choice says so
    QString dataDir;        // "": a fresh temporary folder, removed after a clean run
    QString logPath;        // "": <data>/monkey.log
    int maxStallMs = 1000;  // the GUI thread must answer within this (runqueue wait excluded)
    int hangMs = 120000;    // no answer for this long: the run is declared hung and aborted
    int maxNewTokens = 48;
    bool keepGoing = false;      // log violations and go on instead of stopping at the first
    bool mutateSources = false;  // also delete/overwrite the originals of attached images
    QStringList only;            // when set: only these actions (plus restart when --restart-every)
    QStringList without;         // actions left out
    QString sabotage;            // break this invariant on purpose at step 3 (tests of the checks)
    QString program;             // argv[0], for the replay line
    QString replayCommand() const;
};

// Parses argv (after QApplication has taken its own options). Prints usage and returns false on
// an error.
bool parseOptions(const QStringList& args, MonkeyOptions* options, QString* error);

// SplitMix64: the same numbers on every platform and standard library (std distributions are not).
class Rng {
public:
    explicit Rng(quint64 seed) : m_state(seed) {}
    quint64 next();
    int below(int n);             // [0, n), n > 0
    int between(int lo, int hi);  // [lo, hi]
    bool chance(double p);        // true with probability p
    template <typename T>
    const T& pick(const QList<T>& list) {
        return list[below(int(list.size()))];
    }

private:
    quint64 m_state;
};

// Seed of step n of a run: each step's choices depend on (seed, n) only, never on earlier steps.
quint64 stepSeed(quint64 seed, int step);

// One line per action, numbered, mirrored to a file (flushed per line, so a crash keeps it).
class MonkeyLog {
public:
    bool open(const QString& path);
    void action(int step, const QString& name, const QString& detail);
    void line(const QString& text);                // notes and violations, unnumbered
    void starting(int step, const QString& name);  // crash tail only: the action now running
    const QStringList& lines() const { return m_lines; }
    // Prints the seed, the replay command and the log (the last `tail` lines) to stderr.
    void dump(const MonkeyOptions& options, int tail) const;
    QString path() const { return m_file.fileName(); }
    // The most recent lines, kept in a static buffer that a signal handler may write out.
    static void writeCrashTail(int fd);

private:
    void remember(const QString& text);
    static void toTail(const QString& text);
    QFile m_file;
    QStringList m_lines;
};

}  // namespace sightline::monkey
