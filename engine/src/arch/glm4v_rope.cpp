#include "arch/glm4v_rope.h"

#include <algorithm>

#include "sightline/error.h"

namespace sightline {

RopePositions glm4vRopeIndex(const std::vector<int64_t>& ids, const std::vector<ImageGrid>& grids, const ModelConfig& c) {
    RopePositions r;
    const size_t L = ids.size();
    for (auto& s : r.pos) s.resize(L);
    const int64_t merge = c.vision.spatialMergeSize;
    int64_t next = 0;  // max position so far + 1
    size_t image = 0;
    size_t i = 0;
    while (i < L) {
        if (ids[i] == c.imageTokenId) {
            if (image >= grids.size()) throwBadInput("prompt has more image placeholders than images");
            const ImageGrid& g = grids[image++];
            const int64_t gt = g.t, gh = g.h / merge, gw = g.w / merge;
            const int64_t n = gt * gh * gw;
            if (i + static_cast<size_t>(n) > L) throwBadInput("prompt has fewer image tokens than the image needs");
            for (int64_t k = 0; k < n; ++k) {
                if (ids[i + k] != c.imageTokenId) throwBadInput("image token count does not match the image grid");
                const int64_t ti = k / (gh * gw), hi = (k / gw) % gh, wi = k % gw;
                r.pos[0][i + k] = next + ti;
                r.pos[1][i + k] = next + hi;
                r.pos[2][i + k] = next + wi;
            }
            next += std::max({gt, gh, gw});
            i += static_cast<size_t>(n);
        } else {
            r.pos[0][i] = r.pos[1][i] = r.pos[2][i] = next++;
            ++i;
        }
    }
    if (image != grids.size()) throwBadInput("more images than image placeholders in the prompt");
    r.ropeDelta = next - static_cast<int64_t>(L);
    return r;
}

}  // namespace sightline
