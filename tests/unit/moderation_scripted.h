// Shared by the moderation tests: a scripted engine answer. Every character of `text` is one token
// with probability 0.5, so the verdict's token-probability confidence is known.
#pragma once

#include <cmath>
#include <string>

#include "sightline/engine.h"

namespace sightline::moderation {

inline GenerateResult scriptedAnswer(const std::string& text) {
    GenerateResult r;
    r.text = text;
    for (char ch : r.text) {
        TokenEvent ev;
        ev.textDelta = std::string(1, ch);
        ev.logprob = std::log(0.5f);
        r.tokens.push_back(ev);
        r.outputIds.push_back(1);
    }
    return r;
}

}  // namespace sightline::moderation
