// Device helpers: synchronisation, memory statistics, OOM detection. The only engine file that
// includes CUDA headers (they come with the CUDA-built torch wheel).
#pragma once

#include <ATen/ATen.h>

#include <string>

#include "sightline/engine.h"

namespace sightline::runtime {

at::Device toDevice(DeviceKind kind, int index);
void synchronize(const at::Device& device);
void resetPeakMemory(const at::Device& device);
int64_t peakMemoryBytes(const at::Device& device);  // CUDA allocator peak, or process peak RSS on CPU
void releaseCachedMemory(const at::Device& device);
std::string describeDevice(const at::Device& device);
std::string nvmlDriverVersion();  // "" without NVML (nvml.cpp)

}  // namespace sightline::runtime
