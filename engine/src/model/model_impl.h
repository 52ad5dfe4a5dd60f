// Model's private state: what a checkpoint is once loaded. Immutable after Model::load and shared
// by every thread and scheduler that holds the Model: no mutable members, no per-request state
// (KV caches, image embeddings and decoders are the Scheduler's, see kv/kv_manager.h).
// Internal to the engine and its tests, which reach it through modelImpl().
#pragma once

#include <ATen/ATen.h>

#include <memory>

#include "model/glm4v_weights.h"
#include "sightline/chat_template.h"
#include "sightline/engine.h"

namespace sightline {

struct Model::Impl {
    ModelConfig config;
    std::shared_ptr<const Tokenizer> tokenizer;
    PromptFormat promptFormat;  // the checkpoint's chat template, or the built-in GLM format
    Glm4vWeights weights;
    at::Device device{at::kCPU};
    at::TensorOptions options;  // compute dtype + device
    DType dtype = DType::Float32;
};

// The engine's way into a Model (the public header keeps Impl opaque).
const Model::Impl& modelImpl(const Model& model);

}  // namespace sightline
