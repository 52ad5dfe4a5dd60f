// An answer's grounding boxes (sightline/boxes.h parseGroundingBoxes): model output is untrusted
// text. The first byte is the number of images (0–7); the rest is the answer. Every box returned is
// on the 0–1000 grid with area, on an existing image or -1, inside its markup's byte range, with a
// valid UTF-8 label; at most 256 boxes; pixels stay inside the image.
#include "fuzz_support.h"
#include "sightline/boxes.h"
#include "sightline/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    if (size == 0) return 0;
    const int images = data[0] & 7;
    const std::string_view text = fuzz::asText(data + 1, size - 1);
    return fuzz::refusalsAreFine([&] {
        const GroundingResult r = parseGroundingBoxes(text, images);
        if (r.boxes.size() > 256) std::abort();
        for (const auto& b : r.boxes) {
            const bool grid =
                b.box[0] >= 0 && b.box[2] <= 1000 && b.box[1] >= 0 && b.box[3] <= 1000 && b.box[0] < b.box[2] && b.box[1] < b.box[3];
            const bool image = b.image >= -1 && b.image < std::max(images, 1);
            const bool range = b.begin < b.end && b.end <= text.size();
            if (!grid || !image || !range || !isValidUtf8(b.label)) {
                fprintf(stderr, "a bad box was returned\n");
                std::abort();
            }
            const auto px = boxToPixels(b, 1 + (size % 4000), 1 + (size % 3000));
            if (px[0] < 0 || px[1] < 0 || px[2] > 1 + int(size % 4000) || px[3] > 1 + int(size % 3000)) std::abort();
        }
    });
}
