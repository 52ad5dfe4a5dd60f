// Python's case mapping for the interpreter's string methods and filters (str.upper, lower, title,
// capitalize; jinja2's title filter), on UTF-8. Covers ASCII, Latin-1, Latin Extended-A, Greek and
// Cyrillic (ß upper-cases to "SS" as in Python); other scripts pass through unchanged. Pure.
#pragma once

#include <string>

namespace sightline::jinja {

std::string pyUpper(const std::string& s);
std::string pyLower(const std::string& s);
std::string pyTitle(const std::string& s);       // str.title(): cased runs start upper-case
std::string pyCapitalize(const std::string& s);  // str.capitalize()
std::string jinjaTitle(const std::string& s);    // jinja2's |title: words split at - whitespace ( { [ <

}  // namespace sightline::jinja
