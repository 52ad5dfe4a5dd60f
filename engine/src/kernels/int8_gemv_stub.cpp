// Built when no CUDA compiler is found: the INT8 decoder then uses libtorch's kernels only.
#include "kernels/int8_gemv.h"

namespace sightline::kernels {
bool int8KernelsAvailable() { return false; }
bool int8Gemv(const void*, const int8_t*, const void*, void*, int, int, int, Float, void*) { return false; }
}  // namespace sightline::kernels
