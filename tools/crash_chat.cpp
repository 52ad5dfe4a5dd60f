// crash_chat: crash-consistency check of the chat store's writes.
//
//   crash_chat drive DIR SEED   writes chats as the window does (question with images copied into
//                               the store, a streaming answer saved every 200 characters, then done /
//                               stopped / failed; regenerations, version switches, chat deletions)
//                               until killed; after each committed final write it appends a line to
//                               DIR/journal.txt.
//   crash_chat check DIR        opens the store (migration, recovery, clean-up run as at app start)
//                               and checks: every chat loads and its path is a chain; every message's
//                               text is intact (each text is a prefix of what its key generates, a
//                               final one is exactly what the journal says); no message twice; no
//                               answer still "streaming"; no orphan image copy; every referenced copy
//                               exists with its SHA-256.
//   crash_chat run DIR|- ROUNDS [SEED]
//                               ROUNDS times: starts a driver, SIGKILLs it after a random 30–400 ms,
//                               checks. "-" uses a temporary folder. Exit status 0 when every check
//                               passed.
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>
#include <cstdio>

#include "chat_store.h"

using namespace sightline::ui;

namespace {

// The text a key generates, n characters long; any shorter one is its prefix (a stream cut short).
QString expectedText(const QString& key, qsizetype n) {
    static const QString alphabet = QStringLiteral("abcdefghij klmnop qrstuv wxyz, 思考 é ü\n");
    QString out = QStringLiteral("[%1] ").arg(key);
    quint64 x = qHash(key) | 1;
    while (out.size() < n) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out += alphabet[static_cast<qsizetype>(x % static_cast<quint64>(alphabet.size()))];
    }
    return out.left(n);
}

QString keyOf(const QString& text) {
    if (!text.startsWith(QLatin1Char('['))) return {};
    const qsizetype end = text.indexOf(QLatin1Char(']'));
    return end > 1 ? text.mid(1, end - 1) : QString();
}

QString digest(const QString& text) {
    return QString::fromLatin1(QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha1).toHex().left(16));
}

int drive(const QString& dir, quint64 seed) {
    ChatStore store(dir + QStringLiteral("/chats.sqlite3"));
    QObject::connect(&store, &ChatStore::writeFailed, [](const QString& m) { std::fprintf(stderr, "write failed: %s\n", qPrintable(m)); });
    QFile journalFile(dir + QStringLiteral("/journal.txt"));
    if (!journalFile.open(QIODevice::Append | QIODevice::Text)) return 2;
    auto journal = [&](const QString& line) {
        journalFile.write((line + QLatin1Char('\n')).toUtf8());
        journalFile.flush();
    };
    QRandomGenerator rng(seed ^ static_cast<quint64>(QCoreApplication::applicationPid()));
    const QString tag = QString::number(rng.generate64(), 36);
    int counter = 0;
    auto newKey = [&] { return tag + QLatin1Char('-') + QString::number(++counter); };
    // A few source pictures (any bytes: the store copies, it does not decode).
    QDir().mkpath(dir + QStringLiteral("/src"));
    QStringList sources;
    for (int i = 0; i < 6; ++i) {
        const QString p = dir + QStringLiteral("/src/pic%1.png").arg(i);
        if (!QFile::exists(p)) {
            QFile f(p);
            if (!f.open(QIODevice::WriteOnly)) return 2;
            f.write(QByteArray(1000 + 997 * i, char('a' + i)));
        }
        sources << p;
    }
    auto finishMessage = [&](qint64 chat, ChatMessageUi& m, MessageState state) {
        m.state = state;
        if (state == MessageState::Failed) m.error = QStringLiteral("scripted failure");
        if (store.updateMessage(m))
            journal(QStringLiteral("msg %1 %2 %3 %4 %5").arg(m.id).arg(chat).arg(int(state)).arg(m.text.size()).arg(digest(m.text)));
    };
    auto answer = [&](qint64 chat, qint64 parent) {
        const QString key = newKey();
        const qsizetype full = 40 + rng.bounded(3000);
        ChatMessageUi a;
        a.role = QStringLiteral("assistant");
        a.parentId = parent;
        a.state = MessageState::Streaming;
        a.text = expectedText(key, key.size() + 3);
        a.id = store.addMessage(chat, a);
        if (a.id < 0) return;
        qsizetype unsaved = 0;
        const int outcome = rng.bounded(10);  // 0: fails part-way, 1: stopped, else done
        const qsizetype end = outcome <= 1 ? a.text.size() + rng.bounded(full - a.text.size()) : full;
        while (a.text.size() < end) {
            const qsizetype n = std::min<qsizetype>(1 + rng.bounded(30), end - a.text.size());
            a.text = expectedText(key, a.text.size() + n);
            unsaved += n;
            if (unsaved >= 200) {  // the window's periodic save
                store.updateMessage(a);
                unsaved = 0;
            }
            if (rng.bounded(4) == 0) QThread::usleep(300);
        }
        finishMessage(chat, a, outcome == 0 ? MessageState::Failed : outcome == 1 ? MessageState::Stopped : MessageState::Done);
    };
    for (;;) {
        auto chats = store.chats();
        const int r = rng.bounded(100);
        if (chats.isEmpty() || r < 8) {
            const qint64 id = store.createChat(QStringLiteral("chat %1").arg(newKey()));
            if (id >= 0) journal(QStringLiteral("chat %1").arg(id));
            continue;
        }
        const qint64 chat = chats[rng.bounded(static_cast<int>(chats.size()))].id;
        if (r < 12 && chats.size() > 2) {
            journal(QStringLiteral("deleting %1").arg(chat));  // killed before "del": either outcome is right
            if (store.deleteChat(chat)) journal(QStringLiteral("del %1").arg(chat));
            continue;
        }
        const auto path = store.messages(chat);
        if (r < 22 && path.size() >= 2 && path.last().role == QLatin1String("assistant")) {  // Regenerate
            answer(chat, path.last().parentId);
            continue;
        }
        if (r < 27 && !path.isEmpty() && path.last().versionCount > 1) {  // switch versions
            const qint64 other = store.siblingVersion(path.last().id, path.last().versionIndex > 0 ? -1 : 1);
            if (other >= 0) store.selectVersion(other);
            continue;
        }
        ChatMessageUi u;
        u.role = QStringLiteral("user");
        u.text = expectedText(newKey(), 20 + rng.bounded(200));
        u.parentId = path.isEmpty() ? -1 : path.last().id;
        for (int i = rng.bounded(3); i > 0; --i) {
            ImageRef in;
            in.path = sources[rng.bounded(static_cast<int>(sources.size()))];
            QString error;
            const ImageRef copy = ChatStore::importImage(store.imageFolder(), in, &error);
            if (!copy.path.isEmpty()) u.images.append(copy);
        }
        u.id = store.addMessage(chat, u);
        if (u.id < 0) continue;
        journal(
            QStringLiteral("msg %1 %2 %3 %4 %5").arg(u.id).arg(chat).arg(int(MessageState::Done)).arg(u.text.size()).arg(digest(u.text)));
        answer(chat, u.id);
    }
}

int check(const QString& dir, QTextStream& out) {
    QStringList problems;
    int messages = 0, interrupted = 0, chatsSeen = 0;
    try {
        ChatStore store(dir + QStringLiteral("/chats.sqlite3"));
        interrupted = store.interruptedAtOpen();
        QHash<qint64, ChatMessageUi> byId;
        QSet<QString> keys;
        for (const auto& c : store.chats()) {
            ++chatsSeen;
            const auto all = store.allMessages(c.id);
            const auto path = store.messages(c.id);
            for (qsizetype i = 0; i < path.size(); ++i)
                if (path[i].parentId != (i == 0 ? -1 : path[i - 1].id)) problems << QStringLiteral("chat %1: broken path").arg(c.id);
            for (const auto& m : all) {
                ++messages;
                byId.insert(m.id, m);
                const QString key = keyOf(m.text);
                if (key.isEmpty() || m.text != expectedText(key, m.text.size()))
                    problems << QStringLiteral("message %1: text damaged").arg(m.id);
                if (keys.contains(key)) problems << QStringLiteral("message %1: duplicate of %2").arg(m.id).arg(key);
                keys.insert(key);
                if (m.state == MessageState::Streaming) problems << QStringLiteral("message %1: still streaming").arg(m.id);
                for (const auto& im : m.images)
                    if (sha256OfFile(im.path) != im.sha256)
                        problems << QStringLiteral("message %1: image copy %2 missing or damaged").arg(m.id).arg(im.path);
            }
        }
        for (const auto& f : store.orphanImageFiles()) problems << QStringLiteral("orphan image file %1").arg(f);
        // Every final write the driver saw committed is there, exactly, unless its chat was deleted
        // (or was being deleted when the driver died: a chat is there whole or not at all).
        QFile jf(dir + QStringLiteral("/journal.txt"));
        QSet<qint64> deleted;
        QList<QStringList> finals;
        if (jf.open(QIODevice::ReadOnly | QIODevice::Text)) {
            for (const QByteArray& raw : jf.readAll().split('\n')) {
                const QStringList f = QString::fromUtf8(raw).split(QLatin1Char(' '));
                if (f.size() == 2 && (f[0] == QLatin1String("del") || f[0] == QLatin1String("deleting"))) deleted.insert(f[1].toLongLong());
                if (f.size() == 6 && f[0] == QLatin1String("msg")) finals << f;
            }
        }
        for (const auto& f : finals) {
            if (deleted.contains(f[2].toLongLong())) continue;
            const auto it = byId.constFind(f[1].toLongLong());
            if (it == byId.constEnd()) {
                problems << QStringLiteral("committed message %1 lost").arg(f[1]);
                continue;
            }
            if (int(it->state) != f[3].toInt() || QString::number(it->text.size()) != f[4] || digest(it->text) != f[5])
                problems << QStringLiteral("committed message %1 changed").arg(f[1]);
        }
    } catch (const std::exception& e) {
        problems << QStringLiteral("cannot open or read the store: %1").arg(QString::fromUtf8(e.what()));
    }
    out << QStringLiteral("chats %1, messages %2, interrupted answers recovered %3, problems %4\n")
               .arg(chatsSeen)
               .arg(messages)
               .arg(interrupted)
               .arg(problems.size());
    for (const auto& p : problems.mid(0, 20)) out << "  " << p << "\n";
    out.flush();
    return problems.isEmpty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    QTextStream out(stdout);
    if (args.size() >= 4 && args[1] == QLatin1String("drive")) return drive(args[2], args[3].toULongLong());
    if (args.size() >= 3 && args[1] == QLatin1String("check")) return check(args[2], out);
    if (args.size() >= 4 && args[1] == QLatin1String("run")) {
        QTemporaryDir tmp;
        const QString dir = args[2] == QLatin1String("-") ? tmp.path() : args[2];
        QDir().mkpath(dir);
        const int rounds = args[3].toInt();
        QRandomGenerator rng(args.size() >= 5 ? args[4].toULongLong() : QRandomGenerator::global()->generate64());
        int failed = 0;
        for (int i = 0; i < rounds; ++i) {
            QProcess driver;
            driver.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            driver.start(app.applicationFilePath(), {QStringLiteral("drive"), dir, QString::number(rng.generate64())});
            if (!driver.waitForStarted(5000)) {
                out << "cannot start the driver\n";
                return 2;
            }
            const int ms = 30 + rng.bounded(370);
            QThread::msleep(static_cast<unsigned long>(ms));
            driver.kill();  // SIGKILL: no destructor, no commit, no flush runs
            driver.waitForFinished(5000);
            out << QStringLiteral("round %1: killed after %2 ms; ").arg(i + 1).arg(ms);
            failed += check(dir, out);
        }
        out << (failed ? QStringLiteral("FAILED: %1 of %2 rounds\n").arg(failed).arg(rounds)
                       : QStringLiteral("all %1 rounds consistent\n").arg(rounds));
        return failed ? 1 : 0;
    }
    std::fprintf(stderr, "usage: crash_chat drive DIR SEED | check DIR | run DIR|- ROUNDS [SEED]\n");
    return 2;
}
