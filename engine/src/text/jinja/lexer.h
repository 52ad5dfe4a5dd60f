// Splits a chat template into text and tag tokens the way transformers' Jinja environment does:
// newlines normalised to "\n", one trailing newline dropped (keep_trailing_newline=False),
// trim_blocks (the newline right after a block or comment tag goes), lstrip_blocks (spaces and
// tabs before a block or comment tag that starts its line go), "-" on a tag strips all whitespace on
// that side, "+" turns lstrip/trim off for that side. Expressions inside tags become tokens. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sightline::jinja {

enum class Tok { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, Eof };

struct Token {
    Tok kind = Tok::Eof;
    std::string text;  // Text, Name, String (unescaped), Op
    int line = 1;
    int64_t intValue = 0;
    double floatValue = 0;
};

// Throws Error(BadInput) "<name> line N: …" (unclosed tag, comment or string; a character no
// expression may hold; an integer literal out of range).
std::vector<Token> tokenize(const std::string& source, const std::string& name);

}  // namespace sightline::jinja
