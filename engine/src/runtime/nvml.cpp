// NVML loaded at run time (dlopen), so builds and CPU-only machines need no NVIDIA library.
// Only the handful of entry points the monitor uses; their C signatures are stable since NVML 2.
#include <dlfcn.h>

#include <cstring>
#include <mutex>

#include "sightline/engine.h"

namespace sightline {
namespace {

struct NvmlUtilization {
    unsigned int gpu;
    unsigned int memory;
};
using NvmlDevice = void*;

struct Nvml {
    void* lib = nullptr;
    int (*init)() = nullptr;
    int (*handleByIndex)(unsigned int, NvmlDevice*) = nullptr;
    int (*utilization)(NvmlDevice, NvmlUtilization*) = nullptr;
    int (*driverVersion)(char*, unsigned int) = nullptr;  // optional
    std::string note;
    bool ok = false;
};

Nvml& nvml() {
    static Nvml n;
    static std::once_flag once;
    std::call_once(once, [] {
        n.lib = dlopen("libnvidia-ml.so.1", RTLD_LAZY | RTLD_LOCAL);
        if (!n.lib) {
            n.note = "NVML not available (libnvidia-ml.so.1 not found): GPU utilisation is not shown";
            return;
        }
        n.init = reinterpret_cast<int (*)()>(dlsym(n.lib, "nvmlInit_v2"));
        n.handleByIndex = reinterpret_cast<int (*)(unsigned int, NvmlDevice*)>(dlsym(n.lib, "nvmlDeviceGetHandleByIndex_v2"));
        n.utilization = reinterpret_cast<int (*)(NvmlDevice, NvmlUtilization*)>(dlsym(n.lib, "nvmlDeviceGetUtilizationRates"));
        n.driverVersion = reinterpret_cast<int (*)(char*, unsigned int)>(dlsym(n.lib, "nvmlSystemGetDriverVersion"));
        if (!n.init || !n.handleByIndex || !n.utilization || n.init() != 0) {
            n.note = "NVML could not be initialised: GPU utilisation is not shown";
            return;
        }
        n.ok = true;
    });
    return n;
}

}  // namespace

namespace runtime {
std::string nvmlDriverVersion();  // declared in runtime/device.h (not included: it pulls in ATen)
std::string nvmlDriverVersion() {
    Nvml& n = nvml();
    char buf[96] = {};
    if (!n.ok || !n.driverVersion || n.driverVersion(buf, sizeof buf) != 0) return {};
    return std::string(buf, strnlen(buf, sizeof buf));
}
}  // namespace runtime

GpuUtilization queryGpuUtilization(int index) {
    GpuUtilization u;
    Nvml& n = nvml();
    if (!n.ok) {
        u.note = n.note;
        return u;
    }
    NvmlDevice dev = nullptr;
    NvmlUtilization r{};
    if (n.handleByIndex(static_cast<unsigned int>(index), &dev) != 0 || n.utilization(dev, &r) != 0) {
        u.note = "NVML did not report utilisation for GPU " + std::to_string(index);
        return u;
    }
    u.gpuPercent = static_cast<int>(r.gpu);
    u.memoryPercent = static_cast<int>(r.memory);
    return u;
}

}  // namespace sightline
