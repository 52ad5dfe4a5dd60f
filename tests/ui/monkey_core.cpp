#include "monkey_core.h"

#include <unistd.h>
#include <QTextStream>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <type_traits>

namespace sightline::monkey {
namespace {

// The crash tail: fixed storage, written only by the GUI thread between actions and read by a
// signal handler (which may see a line half-written; it is a diagnostic, not data).
constexpr int kTailLines = 40;
constexpr int kTailWidth = 240;
char g_tail[kTailLines][kTailWidth];
int g_tailNext = 0;

const char* kUsage =
    "usage: ui_monkey --model DIR [--seed N] [--actions K] [--restart-every R] [--data DIR] [--log FILE]\n"
    "                 [--max-stall-ms MS] [--hang-ms MS] [--max-new-tokens N] [--keep-going] [--mutate-sources]\n"
    "                 [--only a,b,...] [--without a,b,...] [--sabotage KIND] [--list-actions]\n";

}  // namespace

QString MonkeyOptions::replayCommand() const {
    QString c = QStringLiteral("%1 --model %2 --seed %3 --actions %4").arg(program, modelDir).arg(seed).arg(actions);
    if (restartEvery > 0) c += QStringLiteral(" --restart-every %1").arg(restartEvery);
    if (maxStallMs != 1000) c += QStringLiteral(" --max-stall-ms %1").arg(maxStallMs);
    if (hangMs != 120000) c += QStringLiteral(" --hang-ms %1").arg(hangMs);
    if (maxNewTokens != 48) c += QStringLiteral(" --max-new-tokens %1").arg(maxNewTokens);
    if (mutateSources) c += QStringLiteral(" --mutate-sources");
    if (!only.isEmpty()) c += QStringLiteral(" --only ") + only.join(QLatin1Char(','));
    if (!without.isEmpty()) c += QStringLiteral(" --without ") + without.join(QLatin1Char(','));
    if (!sabotage.isEmpty()) c += QStringLiteral(" --sabotage ") + sabotage;
    return c;
}

bool parseOptions(const QStringList& args, MonkeyOptions* o, QString* error) {
    o->program = args.value(0);
    for (int i = 1; i < args.size(); ++i) {
        const QString a = args[i];
        auto value = [&](QString* out) {
            if (i + 1 >= args.size()) {
                *error = a + QStringLiteral(" needs a value");
                return false;
            }
            *out = args[++i];
            return true;
        };
        auto number = [&](auto* out, qint64 lo) {
            QString v;
            if (!value(&v)) return false;
            bool ok = false;
            const qint64 n = v.toLongLong(&ok);
            if (!ok || n < lo) {
                *error = QStringLiteral("%1: not a number ≥ %2: %3").arg(a).arg(lo).arg(v);
                return false;
            }
            *out = static_cast<std::remove_pointer_t<decltype(out)>>(n);
            return true;
        };
        QString v;
        bool ok = true;
        if (a == QLatin1String("--model"))
            ok = value(&o->modelDir);
        else if (a == QLatin1String("--seed"))
            ok = number(&o->seed, 0);
        else if (a == QLatin1String("--actions"))
            ok = number(&o->actions, 0);
        else if (a == QLatin1String("--restart-every"))
            ok = number(&o->restartEvery, 0);
        else if (a == QLatin1String("--data"))
            ok = value(&o->dataDir);
        else if (a == QLatin1String("--log"))
            ok = value(&o->logPath);
        else if (a == QLatin1String("--max-stall-ms"))
            ok = number(&o->maxStallMs, 1);
        else if (a == QLatin1String("--hang-ms"))
            ok = number(&o->hangMs, 1000);
        else if (a == QLatin1String("--max-new-tokens"))
            ok = number(&o->maxNewTokens, 1);
        else if (a == QLatin1String("--keep-going"))
            o->keepGoing = true;
        else if (a == QLatin1String("--mutate-sources"))
            o->mutateSources = true;
        else if (a == QLatin1String("--sabotage"))
            ok = value(&o->sabotage);
        else if (a == QLatin1String("--only") && (ok = value(&v)))
            o->only = v.split(QLatin1Char(','), Qt::SkipEmptyParts);
        else if (a == QLatin1String("--without") && (ok = value(&v)))
            o->without = v.split(QLatin1Char(','), Qt::SkipEmptyParts);
        else if (a != QLatin1String("--only") && a != QLatin1String("--without")) {
            *error = QStringLiteral("unknown option %1").arg(a);
            ok = false;
        }
        if (!ok) {
            std::fputs(kUsage, stderr);
            return false;
        }
    }
    if (o->modelDir.isEmpty()) {
        *error = QStringLiteral("--model DIR is required");
        std::fputs(kUsage, stderr);
        return false;
    }
    return true;
}

quint64 Rng::next() {
    quint64 z = (m_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int Rng::below(int n) {
    return n <= 1 ? 0 : static_cast<int>(next() % static_cast<quint64>(n));
}
int Rng::between(int lo, int hi) {
    return lo + below(hi - lo + 1);
}
bool Rng::chance(double p) {
    return static_cast<double>(next() >> 11) * 0x1.0p-53 < p;
}

quint64 stepSeed(quint64 seed, int step) {
    Rng r(seed * 0x100000001B3ULL + static_cast<quint64>(step));
    r.next();
    return r.next();
}

bool MonkeyLog::open(const QString& path) {
    m_file.setFileName(path);
    return m_file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text);
}

void MonkeyLog::action(int step, const QString& name, const QString& rawDetail) {
    QString detail = rawDetail;
    detail.replace(QLatin1Char('\n'), QStringLiteral("⏎"));
    remember(QStringLiteral("#%1 %2%3").arg(step).arg(name, detail.isEmpty() ? QString() : QStringLiteral(": ") + detail));
}

void MonkeyLog::line(const QString& text) {
    remember(QStringLiteral("   ") + text);
}

void MonkeyLog::remember(const QString& text) {
    m_lines.append(text);
    if (m_file.isOpen()) {
        m_file.write(text.toUtf8() + '\n');
        m_file.flush();
    }
    toTail(text);
}

void MonkeyLog::starting(int step, const QString& name) {
    toTail(QStringLiteral("#%1 %2 … (running)").arg(step).arg(name));
}

void MonkeyLog::toTail(const QString& text) {
    const QByteArray b = text.toUtf8().left(kTailWidth - 2);
    char* slot = g_tail[g_tailNext];
    std::memcpy(slot, b.constData(), static_cast<size_t>(b.size()));
    slot[b.size()] = '\n';
    slot[b.size() + 1] = '\0';
    g_tailNext = (g_tailNext + 1) % kTailLines;
}

void MonkeyLog::dump(const MonkeyOptions& options, int tail) const {
    QTextStream err(stderr);
    err << "monkey: seed " << options.seed << "\nmonkey: replay with: " << options.replayCommand() << "\n";
    const int from = std::max<int>(0, int(m_lines.size()) - tail);
    if (from > 0) err << "monkey: (the first " << from << " log lines are in " << path() << ")\n";
    for (int i = from; i < m_lines.size(); ++i) err << m_lines[i] << "\n";
    err.flush();
}

void MonkeyLog::writeCrashTail(int fd) {
    for (int k = 0; k < kTailLines; ++k) {
        const char* s = g_tail[(g_tailNext + k) % kTailLines];
        const size_t n = ::strnlen(s, kTailWidth);
        if (n > 0 && ::write(fd, s, n) < 0) return;
    }
}

}  // namespace sightline::monkey
