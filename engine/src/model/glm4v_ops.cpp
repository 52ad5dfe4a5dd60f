#include "model/glm4v_ops.h"

#include <c10/cuda/CUDAStream.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "kernels/int8_gemv.h"

namespace sightline::ops {
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    const auto dtype = x.scalar_type();
    at::Tensor xf = x.to(at::kFloat);
    xf = xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps);
    return weight * xf.to(dtype);
}

at::Tensor denseLinear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    return b.defined() ? at::linear(x, w, b) : at::linear(x, w);
}

kernels::Float kernelType(at::ScalarType st) {
    return st == at::kBFloat16 ? kernels::Float::BF16 : st == at::kHalf ? kernels::Float::F16 : kernels::Float::F32;
}

void* currentStream(const at::Tensor& x) {
    return c10::cuda::getCurrentCUDAStream(x.device().index()).stream();
}

// SIGHTLINE_FUSED=0 turns the fused decode kernels off (A/B measurements, bisecting).
bool fusedKernelsEnabled() {
    static const bool on = [] {
        const char* v = std::getenv("SIGHTLINE_FUSED");
        return !(v && std::string(v) == "0") && kernels::int8KernelsAvailable();
    }();
    return on;
}

// y = x W^T (+ b), W either dense or INT8 with per-row scales (weight-only quantization).
// CUDA decode (a few rows): the engine's INT8 GEMV; CUDA prefill: dequantise the layer and use
// cuBLAS (compute-bound there); CPU: libtorch's _weight_int8pack_mm.
at::Tensor linearQ(const at::Tensor& x, const at::Tensor& w, const at::Tensor& scale, const at::Tensor& b) {
    if (!scale.defined()) return denseLinear(x, w, b);
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = w.size(0);
    at::Tensor x2 = x.reshape({-1, x.size(-1)}).contiguous();
    at::Tensor y;
    if (x.is_cuda()) {
        const auto st = x.scalar_type();
        const auto type = kernelType(st);
        // Decode batches up to 4 x kMaxRows rows: the GEMV per group of kMaxRows rows (the int8
        // weights are read once per group, still less traffic than dequantising them each step).
        if (x2.size(0) <= 4 * kernels::kMaxRows && kernels::int8KernelsAvailable()) {
            y = at::empty({x2.size(0), w.size(0)}, x.options());
            for (int64_t r = 0; r < x2.size(0) && y.defined(); r += kernels::kMaxRows) {
                const int64_t n = std::min<int64_t>(kernels::kMaxRows, x2.size(0) - r);
                if (!kernels::int8Gemv(x2.narrow(0, r, n).data_ptr(), w.data_ptr<int8_t>(), scale.data_ptr(), y.narrow(0, r, n).data_ptr(),
                                       static_cast<int>(n), static_cast<int>(w.size(0)), static_cast<int>(w.size(1)), type,
                                       c10::cuda::getCurrentCUDAStream(x.device().index()).stream()))
                    y = at::Tensor();
            }
        }
        if (!y.defined()) {
            // Prefill: dequantise a block of rows at a time for cuBLAS, so the temporary is a few tens
            // of MB rather than a bf16 copy of the whole layer (the INT8 mode's peak memory).
            constexpr int64_t kRowsPerBlock = 4096;
            y = at::empty({x2.size(0), w.size(0)}, x.options());
            for (int64_t r = 0; r < w.size(0); r += kRowsPerBlock) {
                const int64_t n = std::min(kRowsPerBlock, w.size(0) - r);
                y.narrow(1, r, n).copy_(at::linear(x2, w.narrow(0, r, n).to(st) * scale.narrow(0, r, n).unsqueeze(1)));
            }
        }
    } else {
        y = at::_weight_int8pack_mm(x2, w, scale);
    }
    y = y.view(shape);
    return b.defined() ? y + b : y;
}

at::Tensor siluMul(const at::Tensor& gateUp) {
    auto parts = gateUp.chunk(2, -1);
    return at::silu(parts[0]) * parts[1];
}

// x [..., 2k] → interleaved pairs rotated: (-x1, x0, -x3, x2, ...)
at::Tensor rotateHalfInterleaved(const at::Tensor& x) {
    auto x1 = x.slice(-1, 0, x.size(-1), 2);
    auto x2 = x.slice(-1, 1, x.size(-1), 2);
    return at::stack({-x2, x1}, -1).flatten(-2);
}

// Text M-RoPE: the first rotDim values of each head rotate (interleaved pairs), the rest pass.
int64_t textRotaryDim(const TextConfig& tc) {
    return static_cast<int64_t>(static_cast<double>(tc.headDim) * tc.partialRotaryFactor);
}

// Inverse frequencies [rotDim/2] float32, computed on the CPU (as HF's buffer is) and moved.
at::Tensor textInvFreq(const TextConfig& tc, const at::Device& device) {
    const int64_t rotDim = textRotaryDim(tc);
    return (1.0 / at::pow(tc.ropeTheta, at::arange(0, rotDim, 2, at::TensorOptions().dtype(at::kFloat)) / static_cast<double>(rotDim)))
        .to(device);
}

// t [..., D]; cos/sin broadcastable to t's first rotDim values (pair-repeated).
at::Tensor applyTextRope(const at::Tensor& t, const at::Tensor& cosT, const at::Tensor& sinT, int64_t rotDim) {
    at::Tensor rot = t.slice(-1, 0, rotDim), pass = t.slice(-1, rotDim);
    return at::cat({rot * cosT + rotateHalfInterleaved(rot) * sinT, pass}, -1);
}

}  // namespace sightline::ops
