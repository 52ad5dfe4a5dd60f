// INT8 weight-only matrix-vector products for decode (a few rows of activations): y = x Wq^T * s.
// Torch-free interface so the .cu file needs no torch headers; launched on the caller's stream.
#pragma once

#include <cstdint>

namespace sightline::kernels {

enum class Float { F32 = 0, F16 = 1, BF16 = 2 };

// x [m, k] (Float), q [n, k] int8 row-major, scale [n] (Float), y [m, n] (Float). Requires
// k % 16 == 0, 16-byte aligned q rows, m <= kMaxRows. Returns false (nothing launched) otherwise.
constexpr int kMaxRows = 8;
bool int8Gemv(const void* x, const int8_t* q, const void* scale, void* y, int m, int n, int k, Float type, void* cudaStream);
bool int8KernelsAvailable();  // built with nvcc

}  // namespace sightline::kernels
