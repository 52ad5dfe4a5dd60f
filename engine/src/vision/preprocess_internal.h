// Pieces of the GLM-4V preprocessing that images and videos share (preprocess.cpp).
#pragma once

#include <vector>

#include "sightline/image.h"

namespace sightline {

// [3][H][W] float32 planes: x * rescale, then (x - mean) / std, in the arithmetic of the backend
// that resized the pixels (the PIL and torchvision backends fold rescale and normalise differently).
std::vector<float> normalizedPlanes(const RgbImage& resized, double rescaleFactor, const float mean[3], const float std[3],
                                    ImageResize kind);

// Rows of one temporal patch in merge-block raster order (bh, bw, mh, mw), each row [C][T][ph][pw],
// written to dst (gridH * gridW rows of 3 * tps * patch * patch floats). frames[t] is the planes of
// the t-th frame of the patch (a still image passes the same planes tps times).
void patchifyFrames(const float* const* frames, int tps, int width, int height, int patch, int merge, float* dst);

}  // namespace sightline
