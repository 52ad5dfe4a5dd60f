// A moderation queue file → importQueue. First byte: even → queue.csv, odd → queue.jsonl; the rest
// is the file. Image paths resolve against the scratch folder, which holds one small image
// (item.png) so hashing and duplicate detection run too.
#include "fuzz_support.h"
#include "moderation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    static const bool once = [] {
        fuzz::writeScratch("item.png", fuzz::readWhole(SIGHTLINE_FUZZ_DIR "/corpus/fuzz_image/pattern_40x20.png"));
        return true;
    }();
    (void)once;
    if (size < 1) return 0;
    const std::string path = fuzz::writeScratch(data[0] % 2 ? "queue.jsonl" : "queue.csv", fuzz::asText(data + 1, size - 1));
    return fuzz::refusalsAreFine([&] {
        const auto items = moderation::importQueue(path);
        for (const auto& it : items)
            if (it.id.empty()) {
                fprintf(stderr, "a queue item without an id\n");
                std::abort();
            }
    });
}
