// The torchvision backend's resampler: torchvision.transforms.v2.functional.resize on a uint8 CPU
// tensor with BICUBIC and antialias=True calls aten::_upsample_bicubic2d_aa on the uint8 NCHW batch
// directly (no float round trip), so running that same kernel gives transformers' pixels bit for bit.
#include <ATen/ATen.h>

#include <cstring>

#include "sightline/engine.h"
#include "sightline/error.h"

namespace sightline {
namespace {

RgbImage resizeBicubicTorchvision(const RgbImage& in, int outW, int outH) {
    if (outW <= 0 || outH <= 0) throwBadInput("resize to an empty size");
    if (outW == in.width && outH == in.height) return in;
    // torchvision stacks each size group into one contiguous NCHW uint8 tensor before resizing.
    const at::Tensor hwc =
        at::from_blob(const_cast<uint8_t*>(in.pixels.data()), {1, in.height, in.width, 3}, at::TensorOptions().dtype(at::kByte));
    const at::Tensor nchw = hwc.permute({0, 3, 1, 2}).contiguous();
    const at::Tensor out = at::_upsample_bicubic2d_aa(nchw, {outH, outW}, /*align_corners=*/false).permute({0, 2, 3, 1}).contiguous();
    RgbImage r;
    r.width = outW;
    r.height = outH;
    r.pixels.resize(size_t(outW) * outH * 3);
    std::memcpy(r.pixels.data(), out.data_ptr<uint8_t>(), r.pixels.size());
    return r;
}

}  // namespace

Resampler resamplerFor(ImageResize kind) {
    if (kind == ImageResize::Pil) return pilResampler();
    return {ImageResize::Torchvision, resizeBicubicTorchvision};
}

}  // namespace sightline
