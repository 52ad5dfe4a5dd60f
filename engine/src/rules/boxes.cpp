#include "sightline/boxes.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "sightline/untrusted.h"

namespace sightline {
namespace {

constexpr std::string_view kBegin = "<|begin_of_box|>";
constexpr std::string_view kEnd = "<|end_of_box|>";
constexpr size_t kMaxBoxes = 256;  // a runaway answer does not become a million rectangles

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// Every number of a box markup's content when it holds nothing else (brackets, commas, spaces).
std::optional<std::vector<double>> plainNumbers(std::string_view s) {
    std::vector<double> out;
    size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == '[' || c == ']' || c == '(' || c == ')' || c == '<' || c == '>' || c == ',' ||
            std::isspace(static_cast<unsigned char>(c))) {
            ++i;
            continue;
        }
        if (c == '-' || c == '+' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) {
            size_t j = i + 1;
            while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
            const std::string num(s.substr(i, j - i));
            char* end = nullptr;
            const double v = std::strtod(num.c_str(), &end);
            if (end != num.c_str() + num.size() || !std::isfinite(v)) return std::nullopt;
            out.push_back(v);
            i = j;
            continue;
        }
        return std::nullopt;
    }
    return out;
}

// The end of the JSON value that starts at `open` ('{' or '['), strings and escapes respected;
// npos when it does not close.
size_t matchingClose(std::string_view s, size_t open) {
    int depth = 0;
    bool inString = false;
    for (size_t i = open; i < s.size(); ++i) {
        const char c = s[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"')
            inString = true;
        else if (c == '{' || c == '[') {
            if (++depth > 64) return std::string_view::npos;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) return i;
        }
    }
    return std::string_view::npos;
}

// The words just before a box markup: back to the previous sentence or line end, a trailing "is
// at" / "at" / "located at" / ":" dropped, at most 48 bytes (cut at a space).
std::string labelBefore(std::string_view text, size_t begin, size_t floor) {
    size_t start = begin;
    while (start > floor) {
        const char c = text[start - 1];
        if (c == '\n' || c == '.' || c == ';' || c == '!' || c == '?' || c == '>' || c == ']' || c == ')') break;
        --start;
    }
    std::string s(text.substr(start, begin - start));
    auto trim = [](std::string& t) {
        while (!t.empty() && (std::isspace(static_cast<unsigned char>(t.back())) || t.back() == ':' || t.back() == ',')) t.pop_back();
        size_t a = 0;
        while (a < t.size() && std::isspace(static_cast<unsigned char>(t[a]))) ++a;
        t.erase(0, a);
    };
    trim(s);
    for (const char* tail : {" is located at", " located at", " is at", " at", " is"}) {
        const std::string_view t(tail);
        if (s.size() > t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0) {
            s.resize(s.size() - t.size());
            trim(s);
            break;
        }
    }
    // A bold or italic span names the object ("the **spoon** is at"): that span.
    for (const std::string_view mark : {std::string_view("**"), std::string_view("__"), std::string_view("*"), std::string_view("_")}) {
        const size_t close = s.rfind(mark);
        if (close == std::string::npos || close == 0) continue;
        const size_t open = s.rfind(mark, close - 1);
        if (open == std::string::npos || close <= open + mark.size()) continue;
        s = s.substr(open + mark.size(), close - open - mark.size());
        break;
    }
    // Leading connectives and articles ("and the cup" → "cup").
    for (bool again = true; again;) {
        again = false;
        for (const char* w : {"and ", "but ", "while ", "then ", "the ", "a ", "an "}) {
            const size_t n = std::char_traits<char>::length(w);
            if (s.size() > n &&
                std::equal(w, w + n, s.begin(), [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
                s.erase(0, n);
                again = true;
            }
        }
    }
    if (s.size() > 48) {
        size_t cut = s.find(' ', s.size() - 48);
        s = cut == std::string::npos ? s.substr(s.size() - 48) : s.substr(cut + 1);
    }
    // Markdown emphasis around the label.
    while (!s.empty() && (s.front() == '*' || s.front() == '_' || s.front() == '`')) s.erase(0, 1);
    while (!s.empty() && (s.back() == '*' || s.back() == '_' || s.back() == '`')) s.pop_back();
    return toValidUtf8(s);
}

class Parser {
public:
    Parser(std::string_view text, GroundingResult& r) : m_text(text), m_r(r) {}

    // One box from four numbers; false (with a note) when it has no area.
    void add(const std::vector<double>& v, size_t at, std::string label, int group, size_t begin, size_t end) {
        if (m_r.boxes.size() >= kMaxBoxes) {
            if (!m_capped) m_r.notes.push_back("more than " + std::to_string(kMaxBoxes) + " boxes: the rest are not drawn");
            m_capped = true;
            return;
        }
        GroundingBox b;
        bool clamped = false;
        for (int k = 0; k < 4; ++k) {
            double x = v[at + k];
            if (x < 0 || x > 1000) clamped = true;
            b.box[k] = std::clamp(x, 0.0, 1000.0);
        }
        const int n = static_cast<int>(m_r.boxes.size()) + 1;
        if (clamped)
            m_r.notes.push_back("box " + std::to_string(n) + ": coordinates outside 0–1000 (" + fmt(v[at]) + ", " + fmt(v[at + 1]) + ", " +
                                fmt(v[at + 2]) + ", " + fmt(v[at + 3]) + ") were clamped");
        if (b.box[0] > b.box[2]) std::swap(b.box[0], b.box[2]);
        if (b.box[1] > b.box[3]) std::swap(b.box[1], b.box[3]);
        if (b.box[2] - b.box[0] <= 0 || b.box[3] - b.box[1] <= 0) {
            m_r.notes.push_back("box " + std::to_string(n) + " has no area and is not drawn");
            return;
        }
        b.label = std::move(label);
        b.group = group;
        b.begin = begin;
        b.end = end;
        m_r.boxes.push_back(std::move(b));
    }

    // A JSON value holding {"bbox_2d": […], "label": …} objects (one, or a list). Returns how many it held.
    int fromJson(std::string_view json, int group, size_t begin, size_t end, const std::string& fallbackLabel) {
        nlohmann::json j;
        try {
            j = parseJsonLimited(json, 16);
        } catch (const nlohmann::json::exception&) {
            return 0;
        }
        int found = 0;
        auto one = [&](const nlohmann::json& o) {
            if (!o.is_object() || !o.contains("bbox_2d")) return;
            const auto& b = o["bbox_2d"];
            std::vector<double> v;
            if (b.is_array())
                for (const auto& x : b)
                    if (x.is_number() && std::isfinite(x.get<double>())) v.push_back(x.get<double>());
            if (v.size() != 4) {
                m_r.notes.push_back("a bbox_2d without four numbers is not drawn");
                return;
            }
            std::string label = o.contains("label") && o["label"].is_string() ? toValidUtf8(o["label"].get<std::string>()) : fallbackLabel;
            add(v, 0, std::move(label), group, begin, end);
            ++found;
        };
        if (j.is_array())
            for (const auto& o : j) one(o);
        else
            one(j);
        return found;
    }

    void run(int imageCount) {
        size_t pos = 0, lastEnd = 0;
        int group = -1;
        size_t lastJsonEnd = std::string_view::npos;
        while (pos < m_text.size()) {
            const size_t box = m_text.find(kBegin, pos);
            const size_t json = m_text.find("\"bbox_2d\"", pos);
            if (box == std::string_view::npos && json == std::string_view::npos) break;
            if (box != std::string_view::npos && (json == std::string_view::npos || box < json)) {
                const size_t contentStart = box + kBegin.size();
                const size_t close = m_text.find(kEnd, contentStart);
                if (close == std::string_view::npos) break;  // still streaming, or cut off: nothing to draw yet
                const size_t end = close + kEnd.size();
                const std::string_view content = m_text.substr(contentStart, close - contentStart);
                const std::string label = labelBefore(m_text, box, lastEnd);
                ++group;
                const size_t before = m_r.boxes.size();
                if (auto nums = plainNumbers(content); nums && !nums->empty()) {
                    if (nums->size() % 4 != 0)
                        m_r.notes.push_back("box markup \"" + toValidUtf8(std::string(content.substr(0, 60))) +
                                            "\" does not hold groups of four numbers and is not drawn");
                    else
                        for (size_t k = 0; k < nums->size(); k += 4) add(*nums, k, label, group, box, end);
                } else if (content.find("bbox_2d") != std::string_view::npos) {
                    const size_t open = content.find_first_of("[{");
                    if (open != std::string_view::npos) fromJson(content.substr(open), group, box, end, label);
                }
                // Not coordinates (GLM also boxes a final answer's text): not a grounding box, no note.
                if (m_r.boxes.size() == before) --group;
                pos = lastEnd = end;
                continue;
            }
            // A "bbox_2d" outside box markup: its enclosing JSON value (the list around the objects, else the object).
            size_t objOpen = m_text.rfind('{', json);
            if (objOpen == std::string_view::npos || objOpen < lastEnd) {
                pos = json + 9;
                continue;
            }
            size_t open = objOpen;
            // A list that begins right before the object (whitespace between) holds all of them.
            size_t k = objOpen;
            while (k > lastEnd && std::isspace(static_cast<unsigned char>(m_text[k - 1]))) --k;
            if (k > lastEnd && m_text[k - 1] == '[') open = k - 1;
            size_t close = matchingClose(m_text, open);
            if (close == std::string_view::npos && open != objOpen) {
                open = objOpen;
                close = matchingClose(m_text, open);
            }
            if (close == std::string_view::npos) break;  // an object still being written
            // Objects separated only by commas, spaces and brackets from the previous JSON belong to its group.
            bool sameGroup = lastJsonEnd != std::string_view::npos && group >= 0;
            for (size_t i = lastJsonEnd == std::string_view::npos ? 0 : lastJsonEnd; sameGroup && i < open; ++i) {
                const char c = m_text[i];
                if (!(std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '[' || c == ']')) sameGroup = false;
            }
            const int g = sameGroup ? group : group + 1;
            if (fromJson(m_text.substr(open, close + 1 - open), g, open, close + 1, "") > 0) {
                group = g;
                lastJsonEnd = close + 1;
            }
            pos = lastEnd = close + 1;
        }
        m_r.groups = group + 1;
        // Which image each box is on.
        const bool byOrder = imageCount > 1 && m_r.groups == imageCount;
        for (auto& b : m_r.boxes) b.image = imageCount <= 1 ? 0 : byOrder ? b.group : -1;
        if (imageCount > 1 && !byOrder && !m_r.boxes.empty())
            m_r.notes.push_back("the conversation has " + std::to_string(imageCount) + " images and the answer " +
                                std::to_string(m_r.groups) +
                                " box groups: which image each box is on is ambiguous (drawn on the last image)");
        if (imageCount == 0 && !m_r.boxes.empty()) m_r.notes.push_back("the answer has boxes but the conversation has no image");
    }

private:
    std::string_view m_text;
    GroundingResult& m_r;
    bool m_capped = false;
};

}  // namespace

GroundingResult parseGroundingBoxes(std::string_view text, int imageCount) {
    GroundingResult r;
    Parser(text, r).run(imageCount);
    return r;
}

std::array<int, 4> boxToPixels(const GroundingBox& b, int width, int height) {
    auto sx = [&](double v) { return static_cast<int>(std::lround(v * width / 1000.0)); };
    auto sy = [&](double v) { return static_cast<int>(std::lround(v * height / 1000.0)); };
    return {sx(b.box[0]), sy(b.box[1]), sx(b.box[2]), sy(b.box[3])};
}

}  // namespace sightline
