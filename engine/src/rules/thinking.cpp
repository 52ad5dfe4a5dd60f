#include "sightline/thinking.h"

namespace sightline {

namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

std::string_view dropLeadingNewlines(std::string_view s) {
    const size_t at = s.find_first_not_of('\n');
    return at == std::string_view::npos ? std::string_view() : s.substr(at);
}

}  // namespace

ThinkingSplit splitThinking(std::string_view text) {
    ThinkingSplit s;
    const size_t start = text.find_first_not_of(" \n");
    if (start == std::string_view::npos) return s;  // nothing but whitespace yet
    const std::string_view rest = text.substr(start);
    if (rest.size() < kOpen.size() && kOpen.substr(0, rest.size()) == rest) {  // "<thi": wait for more
        s.open = true;
        return s;
    }
    if (rest.substr(0, kOpen.size()) != kOpen) {
        if (const size_t close = rest.find(kClose); close != std::string_view::npos) {  // the prompt opened the block
            s.reasoning = std::string(rest.substr(0, close));
            s.answer = std::string(dropLeadingNewlines(rest.substr(close + kClose.size())));
            return s;
        }
        s.answer = std::string(rest);
        return s;
    }
    const std::string_view body = rest.substr(kOpen.size());
    const size_t end = body.find(kClose);
    if (end == std::string_view::npos) {
        s.open = true;
        std::string_view reasoning = body;
        for (size_t k = std::min(kClose.size() - 1, reasoning.size()); k > 0; --k)  // hold back a partial "</think"
            if (reasoning.substr(reasoning.size() - k) == kClose.substr(0, k)) {
                reasoning.remove_suffix(k);
                break;
            }
        s.reasoning = std::string(reasoning);
        return s;
    }
    s.reasoning = std::string(body.substr(0, end));
    s.answer = std::string(dropLeadingNewlines(body.substr(end + kClose.size())));
    return s;
}

}  // namespace sightline
