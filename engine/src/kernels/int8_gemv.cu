// One warp per weight row: each lane streams 16 int8 weights per step (one 128-bit load), multiplies
// them with up to kMaxRows activation rows held in registers' accumulators, then a warp reduction.
// Memory-bound by design: the weights are read once per call.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "kernels/convert.cuh"
#include "kernels/int8_gemv.h"

namespace sightline::kernels {
namespace {

constexpr int kWarpsPerBlock = 8;

// 16 consecutive activations of row r starting at k0, as floats (two 128-bit loads for 16-bit types).
template <typename T>
__device__ __forceinline__ void loadX16(const T* p, float* out) {
    if constexpr (sizeof(T) == 2) {
        const int4 a = *reinterpret_cast<const int4*>(p), b = *reinterpret_cast<const int4*>(p + 8);
        const T* ta = reinterpret_cast<const T*>(&a);
        const T* tb = reinterpret_cast<const T*>(&b);
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            out[j] = toF(ta[j]);
            out[8 + j] = toF(tb[j]);
        }
    } else {
#pragma unroll
        for (int j = 0; j < 16; ++j) out[j] = toF(p[j]);
    }
}

constexpr int kUnroll = 4;  // 128-bit weight loads in flight per lane

template <typename T>
__global__ void __launch_bounds__(kWarpsPerBlock * 32) int8GemvKernel(const T* __restrict__ x, const int8_t* __restrict__ q,
                                                                      const T* __restrict__ scale, T* __restrict__ y, int m, int n, int k) {
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int row = blockIdx.x * kWarpsPerBlock + warp;
    if (row >= n) return;
    const int4* w = reinterpret_cast<const int4*>(q + static_cast<size_t>(row) * k);
    const int chunks = k / 16;  // 16 weights per 128-bit chunk
    float acc[kMaxRows];
#pragma unroll
    for (int r = 0; r < kMaxRows; ++r) acc[r] = 0.f;
    for (int base = lane; base < chunks; base += 32 * kUnroll) {
        int4 packed[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
            const int c = base + 32 * u;
            packed[u] = c < chunks ? __ldg(w + c) : make_int4(0, 0, 0, 0);
        }
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
            const int c = base + 32 * u;
            if (c >= chunks) break;
            const int8_t* v = reinterpret_cast<const int8_t*>(&packed[u]);
#pragma unroll
            for (int r = 0; r < kMaxRows; ++r) {
                if (r >= m) break;
                float xf[16];
                loadX16(x + static_cast<size_t>(r) * k + c * 16, xf);
                float s = 0.f;
#pragma unroll
                for (int j = 0; j < 16; ++j) s += static_cast<float>(v[j]) * xf[j];
                acc[r] += s;
            }
        }
    }
    const float sc = toF(scale[row]);
#pragma unroll
    for (int r = 0; r < kMaxRows; ++r) {
        if (r >= m) break;
        float a = acc[r];
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) a += __shfl_down_sync(0xffffffffu, a, off);
        if (lane == 0) y[static_cast<size_t>(r) * n + row] = fromF<T>(a * sc);
    }
}

template <typename T>
void launch(const void* x, const int8_t* q, const void* scale, void* y, int m, int n, int k, cudaStream_t stream) {
    const dim3 grid((n + kWarpsPerBlock - 1) / kWarpsPerBlock), block(kWarpsPerBlock * 32);
    int8GemvKernel<T><<<grid, block, 0, stream>>>(static_cast<const T*>(x), q, static_cast<const T*>(scale), static_cast<T*>(y), m, n, k);
}

}  // namespace

bool int8KernelsAvailable() {
    return true;
}

bool int8Gemv(const void* x, const int8_t* q, const void* scale, void* y, int m, int n, int k, Float type, void* cudaStream) {
    if (m < 1 || m > kMaxRows || k % 16 != 0 || (reinterpret_cast<uintptr_t>(q) & 15) != 0 || (reinterpret_cast<uintptr_t>(x) & 15) != 0)
        return false;
    auto stream = static_cast<cudaStream_t>(cudaStream);
    switch (type) {
        case Float::F32:
            launch<float>(x, q, scale, y, m, n, k, stream);
            break;
        case Float::F16:
            launch<__half>(x, q, scale, y, m, n, k, stream);
            break;
        case Float::BF16:
            launch<__nv_bfloat16>(x, q, scale, y, m, n, k, stream);
            break;
    }
    return cudaGetLastError() == cudaSuccess;
}

}  // namespace sightline::kernels
