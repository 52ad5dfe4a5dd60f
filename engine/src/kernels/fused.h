// Fused elementwise kernels for the CUDA decode step (torch-free interface, caller's stream).
// Each reproduces libtorch's rounding order for the op chain it replaces, so float32 results match
// to reduction-order noise and bf16/fp16 results round at the same places.
#pragma once

#include "kernels/int8_gemv.h"

namespace sightline::kernels {

// out[r] = T(T(x[r] * rsqrt(mean(x[r]^2) + eps)) * w)            (residual == nullptr)
// out[r] = T(residual[r] + T(T(x[r] * rsqrt(...)) * w))           (sandwich norm + residual add)
bool rmsNorm(const void* x, const void* w, const void* residual, void* out, int rows, int cols, float eps, Float type, void* stream);

// out[r, i] = T(T(silu(gateUp[r, i])) * gateUp[r, inner + i])
bool siluMul(const void* gateUp, void* out, int rows, int inner, Float type, void* stream);

// In place, for each of `rows` tokens (row r starts at x + r * rowStride): the first `heads` heads of
// headDim values, pairs (2j, 2j+1), j < rotDim/2, rotated by that row's cos/sin ([rows, rotDim],
// pair-repeated, type T) as T(T(x*c) + T(rot(x)*s)).
bool ropeInterleaved(void* x, const void* cos, const void* sin, int rows, int rowStride, int heads, int headDim, int rotDim, Float type,
                     void* stream);

}  // namespace sightline::kernels
