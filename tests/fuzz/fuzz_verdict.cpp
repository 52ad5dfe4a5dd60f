// Model output text → parseVerdict (think blocks, code fences, JSON repair). A recovered verdict
// must be one of the three kinds. parseVerdict promises nullopt (with a reason), never an exception:
// the moderation run only catches sightline::Error, so anything thrown here is a finding.
#include "fuzz_support.h"
#include "moderation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline::moderation;
    std::string error;
    const auto v = parseVerdict(std::string(sightline::fuzz::asText(data, size)), &error);
    if (v) {
        const int kind = static_cast<int>(v->verdict);
        if (kind < 0 || kind > static_cast<int>(VerdictKind::Review)) {
            fprintf(stderr, "verdict kind out of range\n");
            std::abort();
        }
    } else if (error.empty()) {
        fprintf(stderr, "no verdict and no reason\n");
        std::abort();
    }
    return 0;
}
