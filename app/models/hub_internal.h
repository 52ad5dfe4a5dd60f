// Pieces of the model pull shared by its two halves (internal to app/models): hub.cpp (the network:
// listing requests, downloads, resume, verification) and hub_records.cpp (the text the hub sends and
// the records we keep: listing parsing, names, the origin record, formatting).
#pragma once

#include <algorithm>
#include <cctype>
#include <string>

namespace sightline::app::hub {

inline std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// A file name from the hub: top level, no dot names, printable ASCII without separators or quotes.
inline bool safeName(const std::string& p) {
    if (p.empty() || p.size() > 200 || p[0] == '.' || p == "..") return false;
    return std::all_of(p.begin(), p.end(), [](unsigned char c) {
        return c > 32 && c < 127 && c != '/' && c != '\\' && c != '"' && c != '\'' && c != '`' && c != '%';
    });
}

inline bool isHex(const std::string& s, size_t n) {
    return s.size() == n && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace sightline::app::hub
