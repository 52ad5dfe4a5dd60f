// Names of the engine's enums (torch-free, so every front end and the core's rules may use them).
#include "sightline/engine.h"

namespace sightline {

const char* dtypeName(DType d) {
    switch (d) {
        case DType::Float32:
            return "float32";
        case DType::BFloat16:
            return "bfloat16";
        case DType::Float16:
            return "float16";
    }
    return "float32";
}

std::optional<DType> parseDType(const std::string& s) {
    if (s == "float32" || s == "fp32" || s == "f32") return DType::Float32;
    if (s == "bfloat16" || s == "bf16") return DType::BFloat16;
    if (s == "float16" || s == "fp16" || s == "f16" || s == "half") return DType::Float16;
    return std::nullopt;
}

std::optional<DeviceKind> parseDevice(const std::string& s) {
    if (s == "cpu") return DeviceKind::Cpu;
    if (s == "cuda" || s == "gpu") return DeviceKind::Cuda;
    return std::nullopt;
}

const char* finishReasonName(FinishReason r) {
    switch (r) {
        case FinishReason::Stop:
            return "stop";
        case FinishReason::Length:
            return "length";
        case FinishReason::Cancelled:
            return "cancelled";
    }
    return "stop";
}

}  // namespace sightline
