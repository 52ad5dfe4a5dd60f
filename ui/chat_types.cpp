#include "chat_types.h"

#include <QCoreApplication>
#include <QRandomGenerator>
#include <algorithm>

#include "sightline/thinking.h"

namespace sightline::ui {

QJsonObject MessageStats::toJson() const {
    return {{"ttft_ms", ttftMs},
            {"prefill_tokens_per_s", prefillTokensPerS},
            {"decode_tokens_per_s", decodeTokensPerS},
            {"total_ms", totalMs},
            {"prompt_tokens", promptTokens},
            {"generated_tokens", generatedTokens},
            {"peak_memory_bytes", peakMemoryBytes},
            {"device", device},
            {"finish_reason", finishReason}};
}

MessageStats MessageStats::fromJson(const QJsonObject& o) {
    MessageStats s;
    s.ttftMs = o.value("ttft_ms").toDouble();
    s.prefillTokensPerS = o.value("prefill_tokens_per_s").toDouble();
    s.decodeTokensPerS = o.value("decode_tokens_per_s").toDouble();
    s.totalMs = o.value("total_ms").toDouble();
    s.promptTokens = o.value("prompt_tokens").toInteger();
    s.generatedTokens = o.value("generated_tokens").toInteger();
    s.peakMemoryBytes = o.value("peak_memory_bytes").toInteger();
    s.device = o.value("device").toString();
    s.finishReason = o.value("finish_reason").toString();
    return s;
}

QString humanBytes(qint64 b) {
    if (b >= (qint64(1) << 30)) return QString::number(double(b) / (qint64(1) << 30), 'f', 2) + QStringLiteral(" GiB");
    if (b >= (qint64(1) << 20)) return QString::number(double(b) / (qint64(1) << 20), 'f', 1) + QStringLiteral(" MiB");
    return QString::number(b / 1024) + QStringLiteral(" KiB");
}

QString MessageStats::summary() const {
    const bool cpu = device.startsWith(QLatin1String("cpu"));
    return QCoreApplication::translate("MessageStats",
                                       "TTFT %1 ms · prefill %2 tok/s · decode %3 tok/s · %4+%5 tokens · %6 s · peak %7 %8 · %9")
               .arg(ttftMs, 0, 'f', 0)
               .arg(prefillTokensPerS, 0, 'f', 0)
               .arg(decodeTokensPerS, 0, 'f', 1)
               .arg(promptTokens)
               .arg(generatedTokens)
               .arg(totalMs / 1000.0, 0, 'f', 2)
               .arg(cpu ? QCoreApplication::translate("MessageStats", "RAM") : QCoreApplication::translate("MessageStats", "VRAM"))
               .arg(humanBytes(peakMemoryBytes))
               .arg(device) +
           (finishReason == QLatin1String("length")
                ? QCoreApplication::translate("MessageStats", " · cut off at the token limit (raise “Max new tokens” in Settings)")
                : QString());
}

ThinkSplit splitThinking(const QString& text) {
    // The rule every front end shares (sightline/thinking.h); trimmed here for display.
    const ThinkingSplit t = sightline::splitThinking(text.toStdString());
    return {QString::fromStdString(t.reasoning).trimmed(), QString::fromStdString(t.answer).trimmed(), t.open};
}

QJsonObject GenerationSettings::toJson() const {
    return {{"model_dir", modelDir},
            {"device", device},
            {"dtype", dtype},
            {"temperature", temperature},
            {"top_p", topP},
            {"top_k", topK},
            {"repetition_penalty", repetitionPenalty},
            {"max_new_tokens", maxNewTokens},
            {"system_prompt", systemPrompt},
            {"thinking", thinking},
            {"max_image_pixels", maxImagePixels},
            {"max_video_pixels", maxVideoPixels},
            {"image_resize", imageResize},
            {"language", language},
            {"api_port", apiPort},
            {"api_request_log", apiRequestLog},
            {"seed", seed}};
}

qint64 GenerationSettings::requestSeed() const {
    return seed >= 0 ? seed : static_cast<qint64>(QRandomGenerator::global()->generate() & 0x7FFFFFFF);
}

GenerationSettings GenerationSettings::fromJson(const QJsonObject& o) {
    GenerationSettings s;
    s.modelDir = o.value("model_dir").toString();
    s.device = o.value("device").toString(s.device);
    s.dtype = o.value("dtype").toString(s.dtype);
    s.temperature = o.value("temperature").toDouble(s.temperature);
    s.topP = o.value("top_p").toDouble(s.topP);
    s.topK = o.value("top_k").toInt(s.topK);
    s.repetitionPenalty = o.value("repetition_penalty").toDouble(s.repetitionPenalty);
    s.maxNewTokens = o.value("max_new_tokens").toInt(s.maxNewTokens);
    s.systemPrompt = o.value("system_prompt").toString();
    s.thinking = o.value("thinking").toBool(s.thinking);
    s.maxImagePixels = o.value("max_image_pixels").toInteger(0);
    s.maxVideoPixels = std::max<qint64>(0, o.value("max_video_pixels").toInteger(0));
    s.imageResize = o.value("image_resize").toString() == QLatin1String("pil") ? QStringLiteral("pil") : QStringLiteral("torchvision");
    s.language = o.value("language").toString();
    s.apiPort = std::clamp(o.value("api_port").toInt(0), 0, 65535);
    s.apiRequestLog = o.value("api_request_log").toBool(false);
    s.seed = std::max<qint64>(-1, o.value("seed").toInteger(-1));
    return s;
}

}  // namespace sightline::ui
