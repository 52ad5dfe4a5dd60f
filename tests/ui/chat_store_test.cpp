// ChatStore: migrations from every earlier schema (database files made by that schema's code),
// rollback of failed writes, recovery of answers a crash left streaming, the version tree, the
// image copies and search.
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include "chat_store.h"

using namespace sightline::ui;

namespace {

const QString kChatDb = QStringLiteral(SIGHTLINE_CHATDB_DIR);
const QString kImages = QStringLiteral(SIGHTLINE_FIXTURES_DIR) + QStringLiteral("/cases/images");

// Runs SQL on the file through a connection of its own (as another program would).
void rawSql(const QString& path, const QStringList& statements) {
    const QString name = QStringLiteral("raw");
    {
        QSqlDatabase d = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        d.setDatabaseName(path);
        QVERIFY(d.open());
        QSqlQuery q(d);
        for (const auto& s : statements) QVERIFY2(q.exec(s), qPrintable(q.lastError().text()));
        d.close();
    }
    QSqlDatabase::removeDatabase(name);
}

ChatMessageUi msg(const QString& role, const QString& text, qint64 parent) {
    ChatMessageUi m;
    m.role = role;
    m.text = text;
    m.parentId = parent;
    return m;
}

QStringList texts(const QList<ChatMessageUi>& ms) {
    QStringList out;
    for (const auto& m : ms) out << m.text;
    return out;
}

}  // namespace

class ChatStoreTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void migratesFromEveryEarlierSchema_data();
    void migratesFromEveryEarlierSchema();
    void newerSchemaIsRefused();
    void failedWriteRollsBackAndReports();
    void interruptedAnswersAreRecoveredAtOpen();
    void versionsFormATree();
    void imagesAreCopiedOnceAndRemovedWithTheirLastChat();
    void searchFindsTitlesAndMessageText();
};

void ChatStoreTest::migratesFromEveryEarlierSchema_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("version");
    QTest::newRow("schema 0 (no AUTOINCREMENT)") << QStringLiteral("v0.sqlite") << 0;
    QTest::newRow("schema 1 (before the message tree)") << QStringLiteral("v1.sqlite") << 1;
}

void ChatStoreTest::migratesFromEveryEarlierSchema() {
    QFETCH(QString, file);
    QFETCH(int, version);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("chats.sqlite3"));
    QVERIFY(QFile::copy(kChatDb + QLatin1Char('/') + file, path));
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    // The cat picture is still where the old chat says; the receipt is gone.
    const QString cat = kImages + QStringLiteral("/img_300x200.png");
    rawSql(path, {QStringLiteral("UPDATE messages SET images=replace(images, '/home/ana/Pictures/cat.png', '%1')").arg(cat)});
    {
        ChatStore s(path);
        QCOMPARE(s.schemaVersionAtOpen(), version);
        const auto chats = s.chats();
        QCOMPARE(chats.size(), 3);
        QCOMPARE(chats[0].title, QStringLiteral("Empty chat"));
        QCOMPARE(chats[1].title, QStringLiteral("Receipt from the bakery"));
        QCOMPARE(chats[2].title, QStringLiteral("What breed is this cat?"));
        QCOMPARE(s.chatSystemPrompt(chats[2].id), QStringLiteral("Be brief."));
        const auto a = s.messages(chats[2].id);
        QCOMPARE(texts(a), (QStringList{"What breed is this cat?", "<think>Orange, striped.</think>A **ginger tabby**.",
                                        "And its age? 年龄", "<think>Hard to say"}));
        QCOMPARE(a[0].parentId, -1);
        for (int i = 1; i < a.size(); ++i) QCOMPARE(a[i].parentId, a[i - 1].id);
        QCOMPARE(a[1].stats->generatedTokens, 64);
        QCOMPARE(a[1].seed, 1234);
        QCOMPARE(a[1].settings.value("max_new_tokens").toInt(), 2048);
        QCOMPARE(a[3].state, MessageState::Stopped);
        QCOMPARE(a[0].images.size(), 1);
        QCOMPARE(QFileInfo(a[0].images[0].path).absolutePath(), s.imageFolder());  // copied into the store
        QCOMPARE(a[0].images[0].sha256, sha256OfFile(cat));
        QCOMPARE(a[0].images[0].source, cat);
        QVERIFY(!a[0].images[0].thumbnail.isNull());
        const auto b = s.messages(chats[1].id);
        QCOMPARE(b.size(), 2);
        QCOMPARE(b[1].state, MessageState::Failed);
        QCOMPARE(b[1].error, QStringLiteral("CUDA out of memory"));
        QCOMPARE(b[0].images.size(), 2);
        QCOMPARE(b[0].images[0].path, QStringLiteral("/home/ana/Downloads/receipt.jpg"));  // missing: kept as it was
        QCOMPARE(b[0].images[1].path, a[0].images[0].path);                                // one copy for both uses
        QCOMPARE(QDir(s.imageFolder()).entryList(QDir::Files).size(), 1);
        QVERIFY(s.messages(chats[0].id).isEmpty());
        // The migrated file takes new turns and versions.
        const qint64 again = s.addMessage(chats[2].id, msg("assistant", "Two years.", a[2].id));
        QVERIFY(again > a[3].id);
        QCOMPARE(s.messages(chats[2].id).last().versionCount, 2);
        // The picture is shared: it goes with the last chat that uses it.
        QVERIFY(s.deleteChat(chats[1].id));
        QCOMPARE(QDir(s.imageFolder()).entryList(QDir::Files).size(), 1);
        QVERIFY(s.deleteChat(chats[2].id));
        QCOMPARE(QDir(s.imageFolder()).entryList(QDir::Files).size(), 0);
        // AUTOINCREMENT: a new chat never takes a deleted chat's id.
        QVERIFY(s.deleteChat(chats[0].id));
        QVERIFY(s.createChat("new") > chats[0].id);
    }
    ChatStore again(path);
    QCOMPARE(again.schemaVersionAtOpen(), ChatStore::kSchemaVersion);
    QCOMPARE(again.chats().size(), 1);
}

void ChatStoreTest::newerSchemaIsRefused() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("c.sqlite3"));
    { ChatStore s(path); }
    rawSql(path, {QStringLiteral("PRAGMA user_version=99")});
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, ChatStore s(path));
}

void ChatStoreTest::failedWriteRollsBackAndReports() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("c.sqlite3"));
    ChatStore s(path);
    QSignalSpy failures(&s, &ChatStore::writeFailed);
    const qint64 chat = s.createChat("c");
    const qint64 first = s.addMessage(chat, msg("user", "kept", -1));
    QVERIFY(first > 0);
    // The second statement of addMessage (touching the chat) fails after the insert succeeded.
    rawSql(path,
           {QStringLiteral("CREATE TRIGGER no_touch BEFORE UPDATE OF updated ON chats BEGIN SELECT RAISE(ABORT, 'disk says no'); END")});
    QCOMPARE(s.addMessage(chat, msg("assistant", "half written", first)), -1);
    QCOMPARE(failures.count(), 1);
    QVERIFY(failures.first().first().toString().contains("disk says no"));
    QCOMPARE(texts(s.messages(chat)), QStringList{"kept"});  // the insert was rolled back
    rawSql(path, {QStringLiteral("DROP TRIGGER no_touch")});
    QVERIFY(s.addMessage(chat, msg("assistant", "next", first)) > 0);
    QCOMPARE(texts(s.allMessages(chat)), (QStringList{"kept", "next"}));  // and not committed by the next write
    // Writes to things that are not there fail the same way.
    QVERIFY(!s.updateMessage(msg("user", "ghost", -1)));
    QCOMPARE(s.addMessage(chat + 100, msg("user", "nowhere", -1)), -1);
    QCOMPARE(failures.count(), 3);
}

void ChatStoreTest::interruptedAnswersAreRecoveredAtOpen() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("c.sqlite3"));
    qint64 chat = 0;
    {
        ChatStore s(path);
        chat = s.createChat("c");
        const qint64 u = s.addMessage(chat, msg("user", "q", -1));
        ChatMessageUi a = msg("assistant", "par", u);
        a.state = MessageState::Streaming;
        a.id = s.addMessage(chat, a);
        a.text = "partial answ";
        QVERIFY(s.updateMessage(a));  // the periodic save; then the app dies
        QCOMPARE(s.interruptedAtOpen(), 0);
    }
    ChatStore s(path);
    QCOMPARE(s.interruptedAtOpen(), 1);
    const auto ms = s.messages(chat);
    QCOMPARE(ms.last().state, MessageState::Interrupted);
    QCOMPARE(ms.last().text, QStringLiteral("partial answ"));
}

void ChatStoreTest::versionsFormATree() {
    QTemporaryDir dir;
    ChatStore s(dir.filePath(QStringLiteral("c.sqlite3")));
    const qint64 chat = s.createChat("c");
    const qint64 u1 = s.addMessage(chat, msg("user", "u1", -1));
    const qint64 a1 = s.addMessage(chat, msg("assistant", "a1", u1));
    const qint64 u2 = s.addMessage(chat, msg("user", "u2", a1));
    s.addMessage(chat, msg("assistant", "a2", u2));
    // Regenerate a1: a new version beside it; the later turns stay with the old one.
    const qint64 a1b = s.addMessage(chat, msg("assistant", "a1b", u1));
    auto path = s.messages(chat);
    QCOMPARE(texts(path), (QStringList{"u1", "a1b"}));
    QCOMPARE(path[1].versionIndex, 1);
    QCOMPARE(path[1].versionCount, 2);
    QCOMPARE(s.siblingVersion(a1b, -1), a1);
    QCOMPARE(s.siblingVersion(a1b, +1), -1);
    QVERIFY(s.selectVersion(a1));
    QCOMPARE(texts(s.messages(chat)), (QStringList{"u1", "a1", "u2", "a2"}));
    // Edit u1: a new first turn; switching back shows the old branch whole.
    const qint64 u1b = s.addMessage(chat, msg("user", "u1 edited", -1));
    QCOMPARE(texts(s.messages(chat)), QStringList{"u1 edited"});
    QCOMPARE(s.messages(chat)[0].versionCount, 2);
    QVERIFY(s.selectVersion(s.siblingVersion(u1b, -1)));
    QCOMPARE(texts(s.messages(chat)), (QStringList{"u1", "a1", "u2", "a2"}));
    QCOMPARE(s.allMessages(chat).size(), 6);  // nothing was deleted
    QCOMPARE(s.message(a1b)->text, QStringLiteral("a1b"));
    QCOMPARE(s.addMessage(s.createChat("other"), msg("user", "x", u1)), -1);  // a parent from another chat
}

void ChatStoreTest::imagesAreCopiedOnceAndRemovedWithTheirLastChat() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("c.sqlite3"));
    const QString original = dir.filePath(QStringLiteral("mine.PNG"));
    QVERIFY(QFile::copy(kImages + QStringLiteral("/img_57x91.png"), original));
    ChatStore s(path);
    ImageRef in;
    in.path = original;
    QString error;
    const ImageRef c1 = ChatStore::importImage(s.imageFolder(), in, &error);
    QVERIFY2(!c1.path.isEmpty(), qPrintable(error));
    QCOMPARE(c1.sha256, sha256OfFile(original));
    QCOMPARE(QFileInfo(c1.path).fileName(), c1.sha256 + QStringLiteral(".png"));
    QVERIFY(QFile::remove(original));  // the user moves the file away: the chat keeps its copy
    const ImageRef c2 = ChatStore::importImage(s.imageFolder(), c1, &error);
    QCOMPARE(c2.path, c1.path);
    QCOMPARE(QDir(s.imageFolder()).entryList(QDir::Files).size(), 1);
    ChatMessageUi m = msg("user", "look", -1);
    m.images = {c1};
    const qint64 chatA = s.createChat("a"), chatB = s.createChat("b");
    QVERIFY(s.addMessage(chatA, m) > 0);
    QVERIFY(s.addMessage(chatB, m) > 0);
    QCOMPARE(s.messages(chatB)[0].images[0].path, c1.path);
    QVERIFY(s.deleteChat(chatA));
    QVERIFY(QFile::exists(c1.path));
    QVERIFY(s.deleteChat(chatB));
    QVERIFY(!QFile::exists(c1.path));
    QVERIFY(s.orphanImageFiles().isEmpty());
    // A copy a crash left without its message (or half written) goes at the next open.
    QFile stray(QDir(s.imageFolder()).filePath(QString(64, QLatin1Char('a')) + QStringLiteral(".png")));
    QVERIFY(stray.open(QIODevice::WriteOnly));
    stray.close();
    QCOMPARE(s.orphanImageFiles().size(), 1);
    ChatStore reopened(path);
    QVERIFY(reopened.orphanImageFiles().isEmpty());
    QVERIFY(!stray.exists());
    in.path = dir.filePath(QStringLiteral("missing.png"));
    QVERIFY(ChatStore::importImage(s.imageFolder(), in, &error).path.isEmpty());
    QVERIFY(error.contains(QStringLiteral("missing.png")));
}

void ChatStoreTest::searchFindsTitlesAndMessageText() {
    QTemporaryDir dir;
    ChatStore s(dir.filePath(QStringLiteral("c.sqlite3")));
    const qint64 cat = s.createChat("Cat breeds");
    s.addMessage(cat, msg("assistant", "A ginger tabby, 100% sure.", -1));
    const qint64 receipt = s.createChat("Receipt");
    s.addMessage(receipt, msg("user", "Sum it up", -1));
    auto ids = [&](const QString& f) {
        QList<qint64> out;
        for (const auto& c : s.chats(f)) out << c.id;
        return out;
    };
    QCOMPARE(ids(""), (QList<qint64>{receipt, cat}));
    QCOMPARE(ids("GINGER"), QList<qint64>{cat});
    QCOMPARE(ids("receipt"), QList<qint64>{receipt});
    QCOMPARE(ids("100%"), QList<qint64>{cat});
    QCOMPARE(ids("0%s"), QList<qint64>{});  // % is a character, not a wildcard
    QVERIFY(s.renameChat(cat, "Tabby"));
    QCOMPARE(s.chats("tabby").size(), 1);
}

QTEST_GUILESS_MAIN(ChatStoreTest)
#include "chat_store_test.moc"
