#include "runtime/device.h"

#include <ATen/Context.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <cuda_runtime_api.h>
#include <sys/resource.h>
#include <torch/version.h>

#include "sightline/error.h"

namespace sightline {
namespace runtime {

at::Device toDevice(DeviceKind kind, int index) {
    if (kind == DeviceKind::Cpu) return at::Device(at::kCPU);
    if (!cudaAvailable()) throwBadInput("CUDA was requested but no CUDA device is available (driver missing or no GPU)");
    if (index < 0 || index >= static_cast<int>(c10::cuda::device_count()))
        throwBadInput("CUDA device " + std::to_string(index) + " does not exist");
    return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
}

void synchronize(const at::Device& device) {
    if (device.is_cuda()) c10::cuda::device_synchronize();
}

void resetPeakMemory(const at::Device& device) {
    if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
}

int64_t peakMemoryBytes(const at::Device& device) {
    if (device.is_cuda()) {
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
        return stats.allocated_bytes[static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE)].peak;
    }
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<int64_t>(ru.ru_maxrss) * 1024;
}

void releaseCachedMemory(const at::Device& device) {
    if (device.is_cuda()) c10::cuda::CUDACachingAllocator::emptyCache();
}

std::string describeDevice(const at::Device& device) {
    if (!device.is_cuda()) return "cpu";
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, device.index()) == cudaSuccess)
        return std::string("cuda:") + std::to_string(device.index()) + " (" + prop.name + ")";
    return "cuda:" + std::to_string(device.index());
}

}  // namespace runtime

bool cudaAvailable() {
    try {
        return at::globalContext().hasCUDA() && c10::cuda::device_count() > 0;
    } catch (...) {
        return false;
    }
}

DeviceMemory queryDeviceMemory(DeviceKind kind, int index) {
    DeviceMemory m;
    if (kind != DeviceKind::Cuda || !cudaAvailable()) {
        m.deviceName = "cpu";
        struct rusage ru {};
        getrusage(RUSAGE_SELF, &ru);
        m.peakAllocatedBytes = static_cast<int64_t>(ru.ru_maxrss) * 1024;
        return m;
    }
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(index));
    const auto agg = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
    m.allocatedBytes = stats.allocated_bytes[agg].current;
    m.reservedBytes = stats.reserved_bytes[agg].current;
    m.peakAllocatedBytes = stats.allocated_bytes[agg].peak;
    size_t freeB = 0, totalB = 0;
    int prev = 0;
    cudaGetDevice(&prev);
    cudaSetDevice(index);
    if (cudaMemGetInfo(&freeB, &totalB) == cudaSuccess) {
        m.deviceTotalBytes = static_cast<int64_t>(totalB);
        m.deviceUsedBytes = static_cast<int64_t>(totalB - freeB);
    }
    cudaSetDevice(prev);
    m.deviceName = runtime::describeDevice(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index)));
    return m;
}

std::string libtorchVersion() {
    return TORCH_VERSION;
}

RuntimeVersions runtimeVersions() {
    auto cudaVersionText = [](int v) { return v > 0 ? std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10) : std::string(); };
    RuntimeVersions r;
    r.libtorch = libtorchVersion();
    int v = 0;
    if (cudaRuntimeGetVersion(&v) == cudaSuccess) r.cudaRuntime = cudaVersionText(v);
    v = 0;
    if (cudaDriverGetVersion(&v) == cudaSuccess) r.cudaDriver = cudaVersionText(v);
    r.nvidiaDriver = runtime::nvmlDriverVersion();
    if (cudaAvailable()) {
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) r.gpu = prop.name;
    }
    return r;
}

}  // namespace sightline
