// Grounding boxes in an answer: GLM-V answers "where" questions with boxes on a 0–1000 grid over the
// image, and every front end (the window, the API's `boxes` field, `sightline-cli ask --json`) reads
// them with this one parser. Torch-free and engine-free (only std::string): ui/ may use it, as it uses
// sightline/thinking.h. Pure; any thread.
//
// Forms read (those GLM-V's own tools accept):
// - `<|begin_of_box|>…<|end_of_box|>` around `[x1,y1,x2,y2]`, `[[x1,y1,x2,y2]]`, several boxes
//   `[[…],[…]]`, `(x1,y1,x2,y2)` or `<x1,y1,x2,y2>`, or a JSON object/list as below;
// - `{"bbox_2d": [x1,y1,x2,y2], "label": "…"}` objects, alone or in a JSON list, anywhere in the text
//   (in a ```json fence or not).
// Coordinates are numbers (integers or decimals); values outside 0–1000 are clamped and a note says
// so; a box whose corners are swapped is put in order; a box with no area is dropped with a note; a
// box markup still open at the end of the text (a streaming answer) is left for later, not an error.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace sightline {

struct GroundingBox {
    std::array<double, 4> box{};  // x1, y1, x2, y2 on the 0–1000 grid: 0 ≤ x1 < x2 ≤ 1000, 0 ≤ y1 < y2 ≤ 1000
    std::string label;            // the JSON "label", else the words just before the markup ("" when none)
    int group = 0;                // which markup it came from (0-based, in text order)
    int image = 0;                // the image it refers to (0-based), -1 when that is ambiguous
    size_t begin = 0, end = 0;    // byte range of its markup in the text
};

struct GroundingResult {
    std::vector<GroundingBox> boxes;
    std::vector<std::string> notes;  // what was clamped, dropped or ambiguous, for the user
    int groups = 0;
};

// imageCount: the images of the conversation the answer is about, in order. One image: every box is
// on it. Several: when the answer has as many box groups as there are images, group i is on image i;
// otherwise which image a box is on is ambiguous (image -1, and a note says so).
GroundingResult parseGroundingBoxes(std::string_view text, int imageCount);

// Pixel rectangle of a box on an image of width × height (x1, y1, x2, y2; x2/y2 exclusive), as GLM-V
// scales its grid: coordinate × size / 1000, rounded.
std::array<int, 4> boxToPixels(const GroundingBox& box, int width, int height);

}  // namespace sightline
