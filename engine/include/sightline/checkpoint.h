// "Will it fit?" before loading: a checkpoint folder checked without reading its weights (every
// tensor its config.json implies is present with its shape and a floating dtype, nothing else is
// there), and a memory estimate for a device, dtype, quantisation, image budget, context and batch
// slots, compared with the memory free on that device. `sightline-cli models check` and the app's
// Models dialog print it. The estimate's error against measured peaks is in docs/models.md.
// Thread-safe: pure functions (they read files).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sightline/config.h"
#include "sightline/engine.h"

namespace sightline {

struct CheckpointCheck {
    ModelConfig config;
    std::vector<std::string> problems;  // empty: every tensor is there with its shape and a float dtype
    int64_t tensors = 0;                // in the files
    int64_t parameters = 0;             // elements of the expected tensors found
    int64_t fileBytes = 0;              // the safetensors files' sizes
    std::string storageDtype;           // the dtype most parameters are stored in: "bfloat16", …
    std::vector<std::string> files;     // the safetensors files
};

// Throws Error(BadInput) when the config files themselves are unreadable; tensor problems are
// listed in `problems` (at most 20, then a count).
CheckpointCheck checkCheckpoint(const std::string& modelDir);
// A config.json alone (before downloading anything): the tensors it implies, nothing checked on
// disk (fileBytes 0, no image processor: give FitQuery::maxImagePixels for the vision part).
CheckpointCheck checkConfigOnly(const std::string& configPath);

struct FitQuery {
    DeviceKind device = DeviceKind::Cpu;
    int deviceIndex = 0;
    DType dtype = DType::BFloat16;
    bool int8Weights = false;
    int64_t maxImagePixels = 0;  // 0: the checkpoint's max_pixels
    int64_t context = 4096;      // KV positions per slot (SchedulerOptions::slotTokens)
    int slots = 8;               // batch slots (SchedulerOptions::maxBatch)
    int keptPrefixes = 2;        // SchedulerOptions::keptPrefixes
};

struct MemoryEstimate {
    int64_t weights = 0;                   // resident after fusion / quantisation
    int64_t kvCache = 0;                   // (slots + kept prefixes) × context positions
    int64_t vision = 0;                    // the vision tower's activations for one image at the budget
    int64_t prefill = 0;                   // the decoder's activations prefilling one slot's worth of prompt
    int64_t runtime = 0;                   // libtorch + CUDA context (GPU) or the process's own libraries (CPU)
    int64_t loadPeak = 0;                  // while loading: the resident weights plus one layer (INT8: one vocab matrix) in transit
    int64_t total = 0;                     // max(loadPeak, weights + kvCache + max(vision, prefill)) + runtime
    int64_t free = -1;                     // free memory on the device (cudaMemGetInfo / MemAvailable); -1 unknown
    std::string device;                    // "cuda:0 (NVIDIA H200)", "cpu"
    bool fits = true;                      // total <= free (true when free is unknown)
    std::vector<std::string> suggestions;  // settings that would fit, when it does not
};

MemoryEstimate estimateMemory(const CheckpointCheck& checkpoint, const FitQuery& query);

}  // namespace sightline
