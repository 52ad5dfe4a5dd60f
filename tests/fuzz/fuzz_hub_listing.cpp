// A model hub's file listing (app/models/hub.h parseRepoListing): the first byte picks Hugging
// Face's tree list or ModelScope's Data.Files object, the rest is the body the hub sent. What is
// accepted must be safe to write to disk and to trust as a checksum: every name is a plain top-level
// file name (no separator, no dot name, printable ASCII), every size is -1 or a non-negative exact
// integer, every checksum is lowercase hex of its length or empty.
#include <algorithm>
#include <cctype>

#include "fuzz_support.h"
#include "hub.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    if (size == 0) return 0;
    const auto kind = data[0] & 1 ? app::HubSource::Kind::ModelScope : app::HubSource::Kind::HuggingFace;
    return fuzz::refusalsAreFine([&] {
        const auto files = app::parseRepoListing(kind, fuzz::asText(data + 1, size - 1), "fuzz/listing");
        auto hex = [](const std::string& s, size_t n) {
            return s.empty() || (s.size() == n && std::all_of(s.begin(), s.end(),
                                                              [](unsigned char c) { return std::isdigit(c) || (c >= 'a' && c <= 'f'); }));
        };
        for (const auto& f : files) {
            const bool nameOk =
                !f.path.empty() && f.path[0] != '.' && f.path.size() <= 200 &&
                std::all_of(f.path.begin(), f.path.end(), [](unsigned char c) { return c > 32 && c < 127 && c != '/' && c != '\\'; });
            if (!nameOk || f.size < -1 || !hex(f.sha256, 64) || !hex(f.gitSha1, 40)) {
                fprintf(stderr, "an unsafe listing entry was accepted: %s\n", f.path.c_str());
                std::abort();
            }
        }
    });
}
