// Writes a chat database with the ChatStore API common to schemas 0 and 1 (createChat, addMessage,
// renameChat). How tests/data/chatdb/v0.sqlite and v1.sqlite were made: compile this file with the
// chat_store.cpp / chat_types.cpp of the schema's commit (v0: 46b4599, v1: 49418f6..d668d25), e.g.
//   g++ -std=c++20 -fPIC make_fixture.cpp chat_store.cpp chat_types.cpp $(pkg-config --cflags --libs Qt6Sql Qt6Gui)
//   ./a.out v1.sqlite
// The images point at files that do not exist any more ("/home/ana/Pictures/…"), as old chats do.
#include <QGuiApplication>
#include <QImage>

#include "chat_store.h"

using namespace sightline::ui;

int main(int argc, char** argv) {
    QGuiApplication app(argc, argv);
    if (argc < 2) return 2;
    ChatStore s(QString::fromLocal8Bit(argv[1]));
    auto image = [](const QString& path, const QString& sha, QColor c) {
        ImageRef r;
        r.path = path;
        r.sha256 = sha;
        r.preflight = QStringLiteral("300×200 → 308×196 px, 77 image tokens");
        r.thumbnail = QImage(8, 6, QImage::Format_RGB32);
        r.thumbnail.fill(c);
        return r;
    };
    auto msg = [](const QString& role, const QString& text, MessageState state = MessageState::Done) {
        ChatMessageUi m;
        m.role = role;
        m.text = text;
        m.state = state;
        m.created = QDateTime(QDate(2026, 11, 20), QTime(9, 30), Qt::UTC);
        if (role == QLatin1String("assistant")) {
            m.stats = MessageStats{210, 1500, 42.5, 3100, 120, 64, 3 << 20, QStringLiteral("cuda:0 NVIDIA")};
            m.settings = GenerationSettings{}.toJson();
            m.seed = 1234;
        }
        return m;
    };
    const QString shaA = QStringLiteral("a3f1c9a0d0c37b2f4d33c8f0a9e8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0");
    const QString shaB = QStringLiteral("0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c");

    const qint64 cats = s.createChat(QStringLiteral("What breed is this cat?"), QStringLiteral("Be brief."));
    ChatMessageUi u1 = msg(QStringLiteral("user"), QStringLiteral("What breed is this cat?"));
    u1.images = {image(QStringLiteral("/home/ana/Pictures/cat.png"), shaA, Qt::darkYellow)};
    s.addMessage(cats, u1);
    s.addMessage(cats, msg(QStringLiteral("assistant"), QStringLiteral("<think>Orange, striped.</think>A **ginger tabby**.")));
    s.addMessage(cats, msg(QStringLiteral("user"), QStringLiteral("And its age? 年龄")));
    s.addMessage(cats, msg(QStringLiteral("assistant"), QStringLiteral("<think>Hard to say"), MessageState::Stopped));

    const qint64 receipt = s.createChat(QStringLiteral("Receipt total"));
    ChatMessageUi u2 = msg(QStringLiteral("user"), QStringLiteral("Sum the receipt, please."));
    u2.images = {image(QStringLiteral("/home/ana/Downloads/receipt.jpg"), shaB, Qt::white),
                 image(QStringLiteral("/home/ana/Pictures/cat.png"), shaA, Qt::darkYellow)};
    s.addMessage(receipt, u2);
    ChatMessageUi failed = msg(QStringLiteral("assistant"), QStringLiteral("The total is"), MessageState::Failed);
    failed.error = QStringLiteral("CUDA out of memory");
    s.addMessage(receipt, failed);
    s.renameChat(receipt, QStringLiteral("Receipt from the bakery"));

    const qint64 empty = s.createChat(QStringLiteral("Empty chat"));
    (void)empty;
    return 0;
}
