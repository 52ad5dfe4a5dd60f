#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>

#include "kernels/convert.cuh"
#include "kernels/fused.h"

namespace sightline::kernels {
namespace {

constexpr int kThreads = 256;

template <typename T>
__global__ void __launch_bounds__(kThreads)
    rmsNormKernel(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ res, T* __restrict__ out, int cols, float eps) {
    const int row = blockIdx.x;
    const T* xr = x + static_cast<size_t>(row) * cols;
    float ss = 0.f;
    for (int i = threadIdx.x; i < cols; i += kThreads) {
        const float v = toF(xr[i]);
        ss += v * v;
    }
    __shared__ float partial[kThreads / 32];
    for (int off = 16; off > 0; off >>= 1) ss += __shfl_down_sync(0xffffffffu, ss, off);
    if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = ss;
    __syncthreads();
    if (threadIdx.x < 32) {
        float v = threadIdx.x < kThreads / 32 ? partial[threadIdx.x] : 0.f;
        for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
        if (threadIdx.x == 0) partial[0] = v;
    }
    __syncthreads();
    const float inv = rsqrtf(partial[0] / static_cast<float>(cols) + eps);
    T* o = out + static_cast<size_t>(row) * cols;
    const T* rr = res ? res + static_cast<size_t>(row) * cols : nullptr;
    for (int i = threadIdx.x; i < cols; i += kThreads) {
        float y = roundTo<T>(roundTo<T>(toF(xr[i]) * inv) * toF(w[i]));
        if (rr) y = toF(rr[i]) + y;
        o[i] = fromF<T>(y);
    }
}

template <typename T>
__global__ void siluMulKernel(const T* __restrict__ gu, T* __restrict__ out, int rows, int inner) {
    const size_t n = static_cast<size_t>(rows) * inner;
    for (size_t idx = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; idx < n;
         idx += static_cast<size_t>(gridDim.x) * blockDim.x) {
        const size_t row = idx / inner, i = idx % inner;
        const float g = toF(gu[row * 2 * inner + i]), u = toF(gu[row * 2 * inner + inner + i]);
        out[idx] = fromF<T>(roundTo<T>(g / (1.f + __expf(-g))) * u);
    }
}

template <typename T>
__global__ void ropeKernel(T* __restrict__ x, const T* __restrict__ c, const T* __restrict__ s, int rows, int rowStride, int heads,
                           int headDim, int rotDim) {
    const int pairs = rotDim / 2;
    const int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= rows * heads * pairs) return;
    const int r = idx / (heads * pairs), rest = idx % (heads * pairs);
    const int h = rest / pairs, j = rest % pairs;
    T* p = x + static_cast<size_t>(r) * rowStride + static_cast<size_t>(h) * headDim + 2 * j;
    const T* cr = c + static_cast<size_t>(r) * rotDim;
    const T* sr = s + static_cast<size_t>(r) * rotDim;
    const float x0 = toF(p[0]), x1 = toF(p[1]);
    const float c0 = toF(cr[2 * j]), c1 = toF(cr[2 * j + 1]), s0 = toF(sr[2 * j]), s1 = toF(sr[2 * j + 1]);
    p[0] = fromF<T>(roundTo<T>(x0 * c0) + roundTo<T>(-x1 * s0));
    p[1] = fromF<T>(roundTo<T>(x1 * c1) + roundTo<T>(x0 * s1));
}

template <typename T>
void rmsLaunch(const void* x, const void* w, const void* res, void* out, int rows, int cols, float eps, cudaStream_t st) {
    rmsNormKernel<T><<<rows, kThreads, 0, st>>>(static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(res),
                                                static_cast<T*>(out), cols, eps);
}

}  // namespace

bool rmsNorm(const void* x, const void* w, const void* residual, void* out, int rows, int cols, float eps, Float type, void* stream) {
    auto st = static_cast<cudaStream_t>(stream);
    switch (type) {
        case Float::F32:
            rmsLaunch<float>(x, w, residual, out, rows, cols, eps, st);
            break;
        case Float::F16:
            rmsLaunch<__half>(x, w, residual, out, rows, cols, eps, st);
            break;
        case Float::BF16:
            rmsLaunch<__nv_bfloat16>(x, w, residual, out, rows, cols, eps, st);
            break;
    }
    return cudaGetLastError() == cudaSuccess;
}

bool siluMul(const void* gateUp, void* out, int rows, int inner, Float type, void* stream) {
    auto st = static_cast<cudaStream_t>(stream);
    const int threads = 256, blocks = std::min(1024, (rows * inner + threads - 1) / threads);
    switch (type) {
        case Float::F32:
            siluMulKernel<float><<<blocks, threads, 0, st>>>(static_cast<const float*>(gateUp), static_cast<float*>(out), rows, inner);
            break;
        case Float::F16:
            siluMulKernel<__half><<<blocks, threads, 0, st>>>(static_cast<const __half*>(gateUp), static_cast<__half*>(out), rows, inner);
            break;
        case Float::BF16:
            siluMulKernel<__nv_bfloat16>
                <<<blocks, threads, 0, st>>>(static_cast<const __nv_bfloat16*>(gateUp), static_cast<__nv_bfloat16*>(out), rows, inner);
            break;
    }
    return cudaGetLastError() == cudaSuccess;
}

bool ropeInterleaved(void* x, const void* c, const void* s, int rows, int rowStride, int heads, int headDim, int rotDim, Float type,
                     void* stream) {
    auto st = static_cast<cudaStream_t>(stream);
    const int n = rows * heads * rotDim / 2, threads = 128, blocks = (n + threads - 1) / threads;
    switch (type) {
        case Float::F32:
            ropeKernel<float><<<blocks, threads, 0, st>>>(static_cast<float*>(x), static_cast<const float*>(c),
                                                          static_cast<const float*>(s), rows, rowStride, heads, headDim, rotDim);
            break;
        case Float::F16:
            ropeKernel<__half><<<blocks, threads, 0, st>>>(static_cast<__half*>(x), static_cast<const __half*>(c),
                                                           static_cast<const __half*>(s), rows, rowStride, heads, headDim, rotDim);
            break;
        case Float::BF16:
            ropeKernel<__nv_bfloat16><<<blocks, threads, 0, st>>>(static_cast<__nv_bfloat16*>(x), static_cast<const __nv_bfloat16*>(c),
                                                                  static_cast<const __nv_bfloat16*>(s), rows, rowStride, heads, headDim,
                                                                  rotDim);
            break;
    }
    return cudaGetLastError() == cudaSuccess;
}

}  // namespace sightline::kernels
