// GLM-4V 3D M-RoPE position ids (HF get_rope_index for images; videos are not accepted as input).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sightline/config.h"

namespace sightline {

struct ImageGrid {
    int64_t t = 1, h = 0, w = 0;  // in patches, before the spatial merge
};

struct RopePositions {
    std::array<std::vector<int64_t>, 3> pos;  // [3][L]: t, h, w streams
    int64_t ropeDelta = 0;                    // max + 1 - L
};

// grids are the images' grids in prompt order; the number of image tokens of each must match the
// runs of image_token_id in ids (Error(BadInput) otherwise).
RopePositions glm4vRopeIndex(const std::vector<int64_t>& ids, const std::vector<ImageGrid>& grids, const ModelConfig& config);

}  // namespace sightline
