// The tensor operations GLM-4V's forward passes share (vision tower, decoder layer, logits):
// RMSNorm, dense and INT8 linears, SiLU gating, text M-RoPE, and the switches for the CUDA fused
// kernels. Internal to model/. Stateless and thread-safe.
#pragma once

#include <ATen/ATen.h>

#include "kernels/fused.h"
#include "sightline/config.h"

namespace sightline::ops {

// HF Glm4vRMSNorm: normalise in float32, cast back, then apply the weight. x [..., H], weight [H].
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);
at::Tensor denseLinear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b = {});  // x [..., In], w [Out, In]
// y = x W^T (+ b), W dense (scale undefined) or INT8 [Out, In] with per-row scales [Out].
at::Tensor linearQ(const at::Tensor& x, const at::Tensor& w, const at::Tensor& scale, const at::Tensor& b = {});
at::Tensor siluMul(const at::Tensor& gateUp);  // [..., 2I] → silu(first half) * second half [..., I]

kernels::Float kernelType(at::ScalarType st);
void* currentStream(const at::Tensor& x);  // the current CUDA stream of x's device
bool fusedKernelsEnabled();                // CUDA fused decode kernels built and not turned off (SIGHTLINE_FUSED=0)

// Text M-RoPE: the first rotDim values of each head rotate (interleaved pairs), the rest pass.
int64_t textRotaryDim(const TextConfig& tc);
at::Tensor textInvFreq(const TextConfig& tc, const at::Device& device);  // [rotDim/2] float32
at::Tensor rotateHalfInterleaved(const at::Tensor& x);                   // x [..., 2k] → (-x1, x0, -x3, x2, ...)
// t [..., D]; cosT/sinT broadcastable to t's first rotDim values (pair-repeated).
at::Tensor applyTextRope(const at::Tensor& t, const at::Tensor& cosT, const at::Tensor& sinT, int64_t rotDim);

}  // namespace sightline::ops
