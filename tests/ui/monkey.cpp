#include "monkey.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QKeyEvent>
#include <QLabel>
#include <QPainter>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QTextStream>

#include "main_window.h"
#include "monkey_app.h"
#include "monkey_dialogs.h"
#include "monkey_heartbeat.h"
#include "settings_dialog.h"
#include "sightline/video.h"

namespace sightline::monkey {
namespace {

constexpr int kDeepEvery = 20;  // full checks every this many actions (and after restarts)
constexpr int kLoadTimeoutMs = 120000;
constexpr int kTailOnFailure = 400;  // log lines printed on failure (all of them are in the file)

QTextStream& out() {
    static QTextStream s(stdout);
    return s;
}

// A picture a person might attach: a gradient with a few shapes, at a seeded size.
QImage makeImage(Rng& rng, int w, int h) {
    QImage img(w, h, QImage::Format_RGB32);
    const QColor a = QColor::fromHsv(rng.below(360), 80 + rng.below(170), 100 + rng.below(155));
    const QColor b = QColor::fromHsv(rng.below(360), 80 + rng.below(170), 100 + rng.below(155));
    for (int y = 0; y < h; ++y) {
        const double t = h > 1 ? double(y) / (h - 1) : 0;
        const QRgb c =
            qRgb(int(a.red() * (1 - t) + b.red() * t), int(a.green() * (1 - t) + b.green() * t), int(a.blue() * (1 - t) + b.blue() * t));
        auto* line = reinterpret_cast<QRgb*>(img.scanLine(y));
        std::fill(line, line + w, c);
    }
    QPainter p(&img);
    for (int i = rng.between(1, 4); i > 0; --i) {
        p.setBrush(QColor::fromHsv(rng.below(360), 200, 220));
        p.drawEllipse(rng.below(std::max(1, w)), rng.below(std::max(1, h)), 1 + rng.below(std::max(1, w / 2)),
                      1 + rng.below(std::max(1, h / 2)));
    }
    return img;
}

}  // namespace

const Action* ActionRegistry::find(const QString& name) const {
    for (const auto& a : m_actions)
        if (a.name == name) return &a;
    return nullptr;
}

Monkey::Monkey(MonkeyOptions options, ActionRegistry actions, CheckRegistry checks)
    : m_options(std::move(options)), m_actions(std::move(actions)), m_checks(std::move(checks)) {}

Monkey::~Monkey() {
    m_app.reset();
    m_dialogs.reset();
    m_heartbeat.reset();
}

QString Monkey::questionTag() const {
    return QStringLiteral("[q%1-s%2]").arg(m_step).arg(m_options.seed);
}
QString Monkey::poolDir() const {
    return m_dataDir + QStringLiteral("/pool");
}
QString Monkey::poolImage(Rng& rng) const {
    return rng.pick(m_pool);
}
QString Monkey::badFile(Rng& rng) const {
    return rng.pick(m_bad);
}

void Monkey::note(const QString& line) {
    m_log.line(line);
}
void Monkey::violation(const QString& what) {
    m_actionViolations << what;
}

void Monkey::makePool() {
    QDir().mkpath(poolDir());
    Rng rng(stepSeed(m_options.seed, -1));
    const QList<QSize> sizes{{32, 32}, {57, 91}, {120, 48}, {200, 150}, {17, 301}, {96, 96}};
    for (int i = 0; i < sizes.size(); ++i) {
        const QString path = poolDir() + QStringLiteral("/picture-%1.%2").arg(i).arg(i % 3 == 2 ? "jpg" : "png");
        makeImage(rng, sizes[i].width(), sizes[i].height()).save(path);
        m_pool << path;
    }
    const QDir cases(QFileInfo(m_options.modelDir).absolutePath() + QStringLiteral("/cases/images"));
    for (const QString& f : cases.entryList({QStringLiteral("*.png"), QStringLiteral("*.jpg")}, QDir::Files, QDir::Name))
        m_pool << cases.filePath(f);
    auto write = [this](const QString& name, const QByteArray& bytes) {
        QFile f(poolDir() + QLatin1Char('/') + name);
        if (f.open(QIODevice::WriteOnly)) f.write(bytes);
        m_bad << f.fileName();
    };
    QByteArray noise;
    for (int i = 0; i < 3000; ++i) noise.append(char(rng.below(256)));
    write(QStringLiteral("broken.png"), QByteArray("\x89PNG\r\n\x1a\n", 8) + noise);
    write(QStringLiteral("empty.jpg"), QByteArray());
    write(QStringLiteral("notes.txt"), QByteArray("not a picture\n"));
    m_bad << poolDir() + QStringLiteral("/gone.png");  // never there
    // Videos, where this build decodes them: a short clip (the composer's images-or-one-video rule
    // then meets mixed drops), one cut off after its header and one of noise with a video's name.
    if (videoDecodingSupported()) {
        QFile clip(QString::fromUtf8(SIGHTLINE_TEST_DATA_DIR "/moving_square_64x48.mp4"));
        if (clip.open(QIODevice::ReadOnly)) {
            const QByteArray bytes = clip.readAll();
            const QString path = poolDir() + QStringLiteral("/clip.mp4");
            QFile out(path);
            if (out.open(QIODevice::WriteOnly) && out.write(bytes) == bytes.size()) m_pool << path;
            write(QStringLiteral("cut-off.mp4"), bytes.left(bytes.size() / 3));
        }
        write(QStringLiteral("noise.webm"), noise);
    }
}

bool Monkey::start() {
    if (m_options.dataDir.isEmpty()) {
        m_tempDir = std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/sightline-monkey-XXXXXX"));
        m_tempDir->setAutoRemove(false);
        m_dataDir = m_tempDir->path();
    } else {
        m_dataDir = QDir(m_options.dataDir).absolutePath();
        QDir().mkpath(m_dataDir);
    }
    // Settings go to the data folder, never to the user's own configuration.
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dataDir + QStringLiteral("/config"));
    if (!m_log.open(m_options.logPath.isEmpty() ? m_dataDir + QStringLiteral("/monkey.log") : m_options.logPath)) {
        QTextStream(stderr) << "monkey: cannot write the log\n";
        return false;
    }
    m_replay = m_options.replayCommand().toUtf8();
    installCrashHandler(m_replay.constData());
    m_log.line(QStringLiteral("seed %1, %2 actions, data %3").arg(m_options.seed).arg(m_options.actions).arg(m_dataDir));
    makePool();
    // What the person set once in Settings (greedy, short answers); read back at each start.
    ui::GenerationSettings s;
    s.modelDir = m_options.modelDir;
    s.device = QStringLiteral("cpu");
    s.temperature = 0;
    s.repetitionPenalty = 1.0;
    s.maxNewTokens = m_options.maxNewTokens;
    ui::saveSettings(s);
    m_heartbeat = std::make_unique<Heartbeat>(m_options.hangMs, "monkey: during start");
    m_dialogs = std::make_unique<DialogAnswerer>();
    try {
        restart();
    } catch (const std::exception& e) {
        m_log.line(QStringLiteral("cannot start the app: ") + QString::fromUtf8(e.what()));
        return false;
    }
    return true;
}

QString Monkey::restart() {
    QElapsedTimer t;
    t.start();
    qint64 quitMs = 0;
    if (m_app) {
        m_app->window()->close();  // the person quits: an answer in progress is kept as stopped
        m_app.reset();
        ++m_restarts;
        quitMs = t.restart();
    }
    // As main.cpp: the saved settings, the model folder from the command line.
    m_settings = ui::loadSettings();
    m_settings.modelDir = m_options.modelDir;
    m_app = std::make_unique<MonkeyApp>(m_dataDir, m_settings);
    m_app->window()->activateWindow();
    const qint64 buildMs = t.restart();
    if (!waitLoaded(kLoadTimeoutMs)) violation(QStringLiteral("the model did not load within %1 s of a start").arg(kLoadTimeoutMs / 1000));
    return QStringLiteral("quit %1 ms, window %2 ms, model %3 ms").arg(quitMs).arg(buildMs).arg(t.elapsed());
}

bool Monkey::waitLoaded(int ms) {
    return QTest::qWaitFor([this] { return m_app->window()->modelReady(); }, ms);
}

bool Monkey::waitIdle(int ms) {
    return QTest::qWaitFor([this] { return m_app->window()->activeRequest() == 0; }, ms);
}

QAbstractButton* Monkey::findButton(const QString& nameOrText, QWidget* under) const {
    QWidget* root = under ? under : static_cast<QWidget*>(m_app->window());
    QAbstractButton* found = nullptr;
    for (auto* b : root->findChildren<QAbstractButton*>()) {
        if (!b->isVisible() || !b->isEnabled()) continue;
        if (b->accessibleName() == nameOrText || b->text().remove(QLatin1Char('&')) == nameOrText) found = b;
    }
    return found;
}

void Monkey::click(QAbstractButton* button) {
    if (button) QTest::mouseClick(button, Qt::LeftButton, Qt::NoModifier, button->rect().center());
}

void Monkey::type(QWidget* widget, const QString& text) {
    for (const QChar c : text) {
        if (c.unicode() >= 0x20 && c.unicode() < 0x7f) {
            QTest::keyClick(widget, char(c.unicode()));
        } else if (c == QLatin1Char('\n')) {
            QTest::keyClick(widget, Qt::Key_Return);
        } else {
            QKeyEvent press(QEvent::KeyPress, Qt::Key_unknown, Qt::NoModifier, QString(c));
            QApplication::sendEvent(widget, &press);
            QKeyEvent release(QEvent::KeyRelease, Qt::Key_unknown, Qt::NoModifier, QString(c));
            QApplication::sendEvent(widget, &release);
        }
    }
}

QString Monkey::chooseAndPerform(int step) {
    Rng rng(stepSeed(m_options.seed, step));
    std::vector<const Action*> candidates;
    int total = 0;
    for (const auto& a : m_actions.all()) {
        if (!m_options.only.isEmpty() && !m_options.only.contains(a.name)) continue;
        if (m_options.without.contains(a.name)) continue;
        if (a.weight <= 0 || (a.enabled && !a.enabled(m_options))) continue;
        candidates.push_back(&a);
        total += a.weight;
    }
    if (candidates.empty()) {
        m_log.action(step, QStringLiteral("idle"), QStringLiteral("no action is enabled"));
        QTest::qWait(50);
        return QStringLiteral("idle");
    }
    int r = rng.below(total);
    const Action* chosen = candidates.back();
    for (const Action* a : candidates) {
        if (r < a->weight) {
            chosen = a;
            break;
        }
        r -= a->weight;
    }
    if (!chosen->ready(*this)) {
        m_log.action(step, chosen->name, QStringLiteral("skipped (not possible now)"));
        ++m_skipped;
        QTest::qWait(10);
        return chosen->name;
    }
    m_heartbeat->setHangMessage(QStringLiteral("monkey: action #%1 %2").arg(step).arg(chosen->name).toStdString());
    m_log.starting(step, chosen->name);
    QElapsedTimer took;
    took.start();
    const QString detail = chosen->perform(*this, rng);
    m_log.action(step, chosen->name, detail + QStringLiteral(" [%1 ms]").arg(took.elapsed()));
    ++m_performed[chosen->name];
    return chosen->name;
}

bool Monkey::checkAfter(int step, const QString& what) {
    QTest::qWait(5);  // let queued results of the action land
    for (const QString& e : m_dialogs->takeEvents()) m_log.line(QStringLiteral("dialog: ") + e);
    // What the window told the person (its notice line), once per new text.
    if (auto* notice = m_app->window()->findChild<QLabel*>(QStringLiteral("notice"));
        notice && notice->isVisible() && notice->text() != m_lastNotice) {
        m_lastNotice = notice->text();
        m_log.line(QStringLiteral("notice: ") + m_lastNotice.left(300).replace(QLatin1Char('\n'), QStringLiteral("⏎")));
    }
    if (m_dialogs->pendingPlans() > 0) {
        m_log.line(QStringLiteral("note: %1 planned dialog answer(s) unused").arg(m_dialogs->pendingPlans()));
        m_dialogs->clearPlans();
    }
    const Heartbeat::Window w = m_heartbeat->takeWindow();
    QStringList violations;
    violations.swap(m_actionViolations);
    const QString stallText = QStringLiteral("%1 ms (%2 ms of it on a CPU, the rest blocked; raw gap %3 ms)")
                                  .arg(w.stallMs, 0, 'f', 0)
                                  .arg(w.cpuMs, 0, 'f', 0)
                                  .arg(w.rawGapMs, 0, 'f', 0);
    if (w.stallMs > 250) m_log.line(QStringLiteral("stall: ") + stallText);
    if (w.stallMs > m_maxStallMs) {
        m_maxStallMs = w.stallMs;
        m_maxStallAt = QStringLiteral("#%1 %2").arg(step).arg(what);
    }
    m_maxRawGapMs = std::max(m_maxRawGapMs, w.rawGapMs);
    if (w.stallMs > m_options.maxStallMs) violations << QStringLiteral("heartbeat: the GUI thread did not answer for ") + stallText;
    m_heartbeat->pause();
    const bool deep = step % kDeepEvery == 0 || what == QLatin1String("restart") || step == m_options.actions;
    violations << m_checks.run(*m_app, m_checkState, deep);
    m_heartbeat->resume();
    for (const QString& v : violations) m_log.line(QStringLiteral("VIOLATION after #%1 %2: %3").arg(step).arg(what, v));
    m_violations += int(violations.size());
    return violations.isEmpty() || m_options.keepGoing;
}

int Monkey::run() {
    QElapsedTimer clock;
    clock.start();
    out() << "monkey: seed " << m_options.seed << ", " << m_options.actions << " actions\n";
    out().flush();
    if (!start()) {
        m_log.dump(m_options, kTailOnFailure);
        return 2;
    }
    out() << "monkey: data " << m_dataDir << ", log " << m_log.path() << "\n";
    out().flush();
    bool ok = checkAfter(0, QStringLiteral("start"));
    for (m_step = 1; ok && m_step <= m_options.actions; ++m_step) {
        QString what;
        if (m_options.restartEvery > 0 && m_step % m_options.restartEvery == 0) {
            m_heartbeat->setHangMessage(QStringLiteral("monkey: action #%1 restart").arg(m_step).toStdString());
            what = QStringLiteral("restart");
            m_log.action(m_step, what, QStringLiteral("every %1: ").arg(m_options.restartEvery) + restart());
            ++m_performed[what];
        } else if (!m_options.sabotage.isEmpty() && m_step == 3) {
            what = QStringLiteral("sabotage:") + m_options.sabotage;
            m_heartbeat->setHangMessage(QStringLiteral("monkey: action #%1 %2").arg(m_step).arg(what).toStdString());
            m_log.starting(m_step, what);
            Rng rng(stepSeed(m_options.seed, m_step));
            m_log.action(m_step, what, m_actions.find(what)->perform(*this, rng));
        } else {
            what = chooseAndPerform(m_step);
        }
        ok = checkAfter(m_step, what);
    }
    // The end: the person quits; everything must be there at the next start.
    if (ok) {
        m_heartbeat->setHangMessage("monkey: final restart");
        m_log.action(m_options.actions + 1, QStringLiteral("restart"), QStringLiteral("final: ") + restart());
        checkAfter(m_options.actions + 1, QStringLiteral("restart"));
    }
    const double seconds = clock.elapsed() / 1000.0;
    QString counts;
    for (const auto& [name, n] : m_performed) counts += QStringLiteral(" %1=%2").arg(name).arg(n);
    const QString summary =
        QStringLiteral("seed %1: %2 actions (%10 skipped), %3 restarts, %4 s, max GUI stall %5 ms (at %6; raw gap %7 ms), %8 violations;%9")
            .arg(m_options.seed)
            .arg(std::min(m_step - 1, m_options.actions))
            .arg(m_restarts)
            .arg(seconds, 0, 'f', 1)
            .arg(m_maxStallMs, 0, 'f', 0)
            .arg(m_maxStallAt.isEmpty() ? QStringLiteral("-") : m_maxStallAt)
            .arg(m_maxRawGapMs, 0, 'f', 0)
            .arg(m_violations)
            .arg(counts)
            .arg(m_skipped);
    m_log.line(summary);
    out() << "monkey: " << summary << "\n";
    out().flush();
    if (m_violations > 0) {
        m_log.dump(m_options, kTailOnFailure);
        return 1;
    }
    m_app.reset();
    if (m_tempDir) m_tempDir->remove();
    return 0;
}

}  // namespace sightline::monkey
