// Model's private state (internal; tests use it to reach the weights and the device).
#pragma once

#include <ATen/ATen.h>

#include "model/glm4v_weights.h"
#include "sightline/engine.h"

namespace sightline {

struct Model::Impl {
    ModelConfig config;
    std::shared_ptr<const Tokenizer> tokenizer;
    Glm4vWeights weights;  // immutable after load
    at::Device device{at::kCPU};
    at::TensorOptions options;  // compute dtype + device
    DType dtype = DType::Float32;
};

}  // namespace sightline
