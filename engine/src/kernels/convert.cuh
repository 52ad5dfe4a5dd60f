// Float conversions shared by the engine's CUDA kernels: to float for arithmetic, back to the
// storage type, and a round trip where libtorch stores an intermediate in that type.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace sightline::kernels {

template <typename T>
__device__ __forceinline__ float toF(T v);
template <>
__device__ __forceinline__ float toF<float>(float v) {
    return v;
}
template <>
__device__ __forceinline__ float toF<__half>(__half v) {
    return __half2float(v);
}
template <>
__device__ __forceinline__ float toF<__nv_bfloat16>(__nv_bfloat16 v) {
    return __bfloat162float(v);
}

template <typename T>
__device__ __forceinline__ T fromF(float v);
template <>
__device__ __forceinline__ float fromF<float>(float v) {
    return v;
}
template <>
__device__ __forceinline__ __half fromF<__half>(float v) {
    return __float2half(v);
}
template <>
__device__ __forceinline__ __nv_bfloat16 fromF<__nv_bfloat16>(float v) {
    return __float2bfloat16(v);
}

template <typename T>
__device__ __forceinline__ float roundTo(float v) {
    return toF<T>(fromF<T>(v));
}

}  // namespace sightline::kernels
