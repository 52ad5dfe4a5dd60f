// Plain Qt-side data of a conversation. The UI knows nothing of the engine: app/ converts.
#pragma once

#include <QDateTime>
#include <QImage>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace sightline::ui {

struct ImageRef {
    QString path;       // file on disk: once sent, the chat's own copy in the store's image folder
    QString source;     // where the user's file was when it was attached (shown, never read again)
    QString sha256;     // content hash, hex
    QImage thumbnail;   // small cached preview
    QString preflight;  // "1024×768 → 1036×756, 999 image tokens" (filled by the app)
};

struct MessageStats {
    double ttftMs = 0;
    double prefillTokensPerS = 0;
    double decodeTokensPerS = 0;
    double totalMs = 0;
    qint64 promptTokens = 0;
    qint64 generatedTokens = 0;
    qint64 peakMemoryBytes = 0;
    QString device;
    QString finishReason;  // "stop", "length" (cut at the token limit), "cancelled"; "" when unknown

    QJsonObject toJson() const;
    static MessageStats fromJson(const QJsonObject& o);
    QString summary() const;  // the one-line stats shown under an answer
};

// Interrupted: the app ended (crash, kill) while the answer streamed; what was saved is kept.
enum class MessageState { Done, Streaming, Stopped, Failed, Interrupted };

// One message of a chat. Messages form a tree: a message's versions (Regenerate, Edit) are siblings
// under one parent, and the conversation shown is the path of the selected versions.
struct ChatMessageUi {
    qint64 id = -1;
    qint64 parentId = -1;  // -1: the chat's first turn
    QString role;          // "system", "user", "assistant"
    QString text;          // raw text; an assistant's may hold <think>…</think>
    QList<ImageRef> images;
    std::optional<MessageStats> stats;
    MessageState state = MessageState::Done;
    QString error;
    QString errorPhase;    // when a failed answer failed: "start" (before any text) or "stream"
    int versionIndex = 0;  // 0-based place among its siblings (filled when read from the store)
    int versionCount = 1;
    QJsonObject settings;  // generation settings used (assistant)
    qint64 seed = 0;
    QDateTime created = QDateTime::currentDateTimeUtc();
};

struct ChatSummary {
    qint64 id = -1;
    QString title;
    QDateTime updated;  // UTC
};

// Splits "<think>r</think>a" into reasoning and answer by the rule every front end shares
// (sightline::splitThinking in sightline/thinking.h), both trimmed for display; an open <think>
// without its end (still streaming) counts as reasoning so far.
struct ThinkSplit {
    QString reasoning;
    QString answer;
    bool reasoningOpen = false;
};
ThinkSplit splitThinking(const QString& text);

// Generation settings as the user set them (QSettings); travel inside each request.
struct GenerationSettings {
    QString modelDir;
    QString device = QStringLiteral("auto");  // auto, cpu, cuda
    QString dtype = QStringLiteral("auto");   // auto, float32, bfloat16, float16
    double temperature = 0.8;
    double topP = 0.6;
    int topK = 2;
    double repetitionPenalty = 1.1;
    int maxNewTokens = 2048;
    QString systemPrompt;
    bool thinking = true;
    qint64 maxImagePixels = 0;  // 0: the model's own budget
    qint64 maxVideoPixels = 0;  // all sampled frames of a video together; 0: the model's own budget
    // Which of transformers' image-processor backends the pixels reproduce: "torchvision" (its
    // default, as vLLM sees images) or "pil".
    QString imageResize = QStringLiteral("torchvision");
    QString language;            // "" = system
    int apiPort = 0;             // local OpenAI-compatible API on 127.0.0.1 (0: off)
    bool apiRequestLog = false;  // the API writes a request log (personal data masked)
    qint64 seed = -1;            // sampling seed of every answer; -1: a new random one each time

    // The seed a new request uses: `seed`, or a fresh random one when it is -1.
    qint64 requestSeed() const;

    QJsonObject toJson() const;
    static GenerationSettings fromJson(const QJsonObject& o);
};

// What the window asks the app to run: the whole conversation so far, tagged with a request id.
struct GenerationRequest {
    quint64 requestId = 0;
    qint64 chatId = -1;
    QList<ChatMessageUi> messages;  // system prompt first if any, then the turns
    GenerationSettings settings;
    qint64 seed = 0;
};

QString humanBytes(qint64 bytes);

// The shared request scheduler as sampled: what runs in the batch, what waits, by source.
struct SchedulerState {
    int running = 0, slots = 0;
    int queuedChat = 0, queuedModeration = 0, queuedOther = 0;
    double meanBatch = 0;  // decoded rows per step since the model was loaded
    qint64 completed = 0;
};

}  // namespace sightline::ui

Q_DECLARE_METATYPE(sightline::ui::MessageStats)
Q_DECLARE_METATYPE(sightline::ui::GenerationRequest)
Q_DECLARE_METATYPE(sightline::ui::GenerationSettings)
