// The UI tests' scripted engine (ui_test, window_test): emits `tokens` one by one with a pause and
// honours cancellation between tokens like the engine; records what it was asked; can fail on cue.
#pragma once

#include <QString>
#include <QStringList>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "inference_backend.h"
#include "sightline/error.h"

namespace sightline::uitest {

class FakeBackend : public app::InferenceBackend {
public:
    FakeBackend(QStringList tokens, int delayMs) : m_tokens(std::move(tokens)), m_delayMs(delayMs) {}
    void load(const LoadOptions&) override { m_loaded = true; }
    bool loaded() const override { return m_loaded.load(); }
    GenerateResult generate(RequestSource, const std::vector<ChatMessage>& messages, const GenerationParams& params, const TokenCallback& onToken,
                            const std::atomic<bool>* cancel) const override {
        lastMessages = messages;
        lastSeed = static_cast<qint64>(params.sampling.seed);
        const int call = ++calls;
        if (failNext > 0) {
            --failNext;
            throw Error(ErrorKind::BadInput, "the prompt could not be built (scripted failure)");
        }
        GenerateResult r;
        r.finishReason = endReason;
        for (const auto& t : m_tokens) {
            if (cancel && cancel->load()) {
                r.finishReason = FinishReason::Cancelled;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(m_delayMs));
            TokenEvent ev;
            ev.textDelta = QString(t).replace(QStringLiteral("{n}"), QString::number(call)).toStdString();
            r.text += ev.textDelta;
            onToken(ev);
            r.outputIds.push_back(1);
        }
        r.stats.ttftMs = 12;
        r.stats.decodeTokensPerS = 99;
        r.stats.generatedTokens = static_cast<int64_t>(r.outputIds.size());
        r.stats.device = "fake";
        return r;
    }
    std::string summary() const override { return "fake model"; }
    std::string device() const override { return "fake"; }
    DeviceKind deviceKind() const override { return DeviceKind::Cpu; }
    PreprocessedImage preflight(const RgbImage& image, int64_t) const override {
        PreprocessedImage p;
        p.originalWidth = image.width;
        p.originalHeight = image.height;
        p.resizedWidth = image.width;
        p.resizedHeight = image.height;
        p.numTokens = 7;
        return p;
    }
    mutable std::vector<ChatMessage> lastMessages;
    mutable std::atomic<int> calls{0};     // "{n}" in a token becomes this request's number
    mutable std::atomic<int> failNext{0};  // the next n requests throw before any token
    mutable std::atomic<qint64> lastSeed{-1};  // the sampling seed of the last request
    FinishReason endReason = FinishReason::Stop;

private:
    QStringList m_tokens;
    int m_delayMs;
    std::atomic<bool> m_loaded{false};
};

}  // namespace sightline::uitest
