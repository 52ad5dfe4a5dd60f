// The one rule for GLM's "<think>reasoning</think>answer" output, shared by every front end (API,
// window, chat history, moderation, CLI). Torch-free and engine-free (only std::string): ui/ may use
// it. Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace sightline {

struct ThinkingSplit {
    std::string reasoning;  // the think block's text, as generated (not trimmed)
    std::string answer;     // what follows "</think>", newlines right after it removed
    bool open = false;      // the block is not closed yet (still streaming, or cut off)
};

// Rules (the model opens its output with the block, or the prompt opened it for the model):
// - leading spaces/newlines are skipped; output that begins with "<think>" has reasoning up to the
//   first "</think>" and the answer after it;
// - output without "<think>" but with a "</think>" (a prompt that opened the block) splits there;
// - anything else is all answer: a "<think>" later in the text is the answer's own text;
// - an unclosed block is `open`: reasoning so far, minus a tail that may be the start of
//   "</think>" (a streaming reader never shows half a tag); a text that is only the start of
//   "<think>" is open with nothing in it yet.
ThinkingSplit splitThinking(std::string_view text);

}  // namespace sightline
