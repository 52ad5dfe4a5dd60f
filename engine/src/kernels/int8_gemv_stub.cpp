// Built when no CUDA compiler is found: the INT8 decoder then uses libtorch's kernels only.
#include "kernels/int8_gemv.h"

namespace sightline::kernels {
bool int8KernelsAvailable() {
    return false;
}
bool int8Gemv(const void*, const int8_t*, const void*, void*, int, int, int, Float, void*) {
    return false;
}
}  // namespace sightline::kernels

#include "kernels/fused.h"

namespace sightline::kernels {
bool rmsNorm(const void*, const void*, const void*, void*, int, int, float, Float, void*) {
    return false;
}
bool siluMul(const void*, void*, int, int, Float, void*) {
    return false;
}
bool ropeInterleaved(void*, const void*, const void*, int, int, int, int, int, Float, void*) {
    return false;
}
}  // namespace sightline::kernels
