// Golden tensors (safetensors) as at::Tensor, and comparison helpers. Torch tests only.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>

#include "model/safetensors.h"

namespace sightline::test {

inline std::map<std::string, at::Tensor> loadGolden(const std::string& path) {
    auto f = SafetensorsFile::open(path);
    std::map<std::string, at::Tensor> out;
    for (const auto& [name, info] : f->tensors()) {
        at::ScalarType st = at::kFloat;
        switch (info.dtype) {
            case StorageDType::F32:
                st = at::kFloat;
                break;
            case StorageDType::I64:
                st = at::kLong;
                break;
            case StorageDType::I32:
                st = at::kInt;
                break;
            case StorageDType::BF16:
                st = at::kBFloat16;
                break;
            case StorageDType::F16:
                st = at::kHalf;
                break;
            default:
                continue;
        }
        out[name] = at::from_blob(const_cast<uint8_t*>(info.data), info.shape, at::TensorOptions().dtype(st)).clone();
    }
    return out;
}

inline double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
    if (a.sizes() != b.sizes()) return 1e30;
    if (a.numel() == 0) return 0;
    return (a.to(at::kCPU).to(at::kDouble) - b.to(at::kCPU).to(at::kDouble)).abs().max().item<double>();
}

}  // namespace sightline::test
