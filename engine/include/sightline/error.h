// Error type of the engine: every failure the user can cause carries a kind and a message that
// names the file / tensor / value at fault. Thrown by engine calls; never escapes as a crash.
// The message is valid UTF-8 (ill-formed bytes of a quoted path, JSON or model output become
// U+FFFD), so every front end can show or serialise what() as it is.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "sightline/utf8.h"

namespace sightline {

enum class ErrorKind {
    BadInput,     // user input: bad checkpoint, image, JSON, arguments (CLI exit code 2)
    Cancelled,    // the caller's cancel flag was set
    OutOfMemory,  // device or host allocation failed; the phase is in the message
    Internal,     // a bug or an unexpected library failure (CLI exit code 1)
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(toValidUtf8(message)), m_kind(kind) {}
    ErrorKind kind() const noexcept { return m_kind; }

private:
    ErrorKind m_kind;
};

// A prompt longer than the model's context (max_position_embeddings): bad input, with the numbers, so
// a front end can shorten the conversation (the window drops its oldest turns) or say how far over it is
// (the API: 400, code "context_length_exceeded", as OpenAI answers).
class ContextOverflowError : public Error {
public:
    ContextOverflowError(int64_t promptTokens, int64_t context)
        : Error(ErrorKind::BadInput,
                "the prompt has " + std::to_string(promptTokens) + " tokens, the model's context is " + std::to_string(context)),
          m_promptTokens(promptTokens),
          m_context(context) {}
    int64_t promptTokens() const noexcept { return m_promptTokens; }
    int64_t context() const noexcept { return m_context; }

private:
    int64_t m_promptTokens;
    int64_t m_context;
};

[[noreturn]] inline void throwBadInput(const std::string& message) {
    throw Error(ErrorKind::BadInput, message);
}

}  // namespace sightline
