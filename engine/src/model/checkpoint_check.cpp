// The checkpoint check and memory estimate of checkpoint.h. Reads only the safetensors headers (the
// mapping is never touched past them) and the config files.
#include "sightline/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "model/glm4v_weights.h"
#include "model/safetensors.h"

namespace sightline {
namespace {

std::string shapeText(const std::vector<int64_t>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

const char* storageName(StorageDType t) {
    switch (t) {
        case StorageDType::F32:
            return "float32";
        case StorageDType::F16:
            return "float16";
        case StorageDType::BF16:
            return "bfloat16";
        case StorageDType::F64:
            return "float64";
        default:
            return storageDTypeName(t);
    }
}

int64_t dtypeBytes(DType d) {
    return d == DType::Float32 ? 4 : 2;
}

int64_t memAvailable() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    int64_t kb = 0;
    std::string unit;
    while (in >> key >> kb >> unit)
        if (key == "MemAvailable:") return kb * 1024;
    return -1;
}

std::string gib(int64_t b) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(1);
    s << double(b) / double(int64_t(1) << 30) << " GiB";
    return s.str();
}

// A text linear INT8 mode stores as int8 with one scale per output row (glm4v_weights.cpp quantizeRows):
// the decoder layers' q/k/v/o/gate_up/down weights, lm_head and the embedding.
bool quantizedInInt8(const std::string& name, size_t rank) {
    if (rank != 2) return false;
    if (name == "lm_head.weight" || name == "model.language_model.embed_tokens.weight") return true;
    if (name.rfind("model.language_model.layers.", 0) != 0) return false;
    for (const char* p : {"q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight", "gate_up_proj.weight", "down_proj.weight"})
        if (name.size() >= std::char_traits<char>::length(p) &&
            name.compare(name.size() - std::char_traits<char>::length(p), std::string::npos, p) == 0)
            return true;
    return false;
}

struct Parts {
    int64_t weights = 0;    // resident
    int64_t transient = 0;  // the most the loader holds beside the resident weights at one moment
};

// The loader (glm4v_weights.cpp) reads each tensor when the weights ask for it, fuses a decoder layer
// (q/k/v concatenated) as soon as its tensors are there and, in INT8 mode, quantises it at once (in
// 64 MiB float32 blocks), the embedding and lm_head right after they are read. So beside the resident
// weights it holds at most one layer in the compute dtype plus its fused q/k/v copy, or (INT8) one
// vocab × hidden matrix before it is quantised, plus a quantisation block.
Parts weightBytes(const CheckpointCheck& c, const FitQuery& q) {
    Parts p;
    const int64_t e = dtypeBytes(q.dtype);
    int64_t layer0 = 0, qkv0 = 0, vocabMatrix = 0;
    for (const auto& [name, shape] : expectedGlm4vTensors(c.config)) {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        if (q.int8Weights && quantizedInInt8(name, shape.size()))
            p.weights += n + shape[0] * e;  // int8 + one scale per row
        else
            p.weights += n * e;
        if (name.rfind("model.language_model.layers.0.", 0) == 0) {
            layer0 += n * e;
            if (name.find("self_attn.") != std::string::npos && name.find("o_proj") == std::string::npos) qkv0 += n * e;
        }
        if (name == "lm_head.weight") vocabMatrix = n * e;
    }
    const int64_t block = q.int8Weights ? int64_t(128) << 20 : 0;  // a float32 block and its quotient
    p.transient = std::max(layer0 + qkv0, q.int8Weights ? vocabMatrix : 0) + block;
    return p;
}

}  // namespace

CheckpointCheck checkCheckpoint(const std::string& dir) {
    CheckpointCheck c;
    c.config = loadModelConfig(dir);
    const CheckpointFiles files = CheckpointFiles::open(dir);
    c.files = files.files();
    for (const auto& f : c.files) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(f, ec);
        if (!ec) c.fileBytes += int64_t(size);
    }
    const auto expected = expectedGlm4vTensors(c.config);
    std::set<std::string> wanted;
    std::map<std::string, int64_t> byDtype;
    size_t more = 0;
    auto problem = [&](const std::string& p) {
        if (c.problems.size() < 20)
            c.problems.push_back(p);
        else
            ++more;
    };
    for (const auto& [name, shape] : expected) {
        wanted.insert(name);
        const TensorInfo* info = files.find(name);
        if (!info) {
            problem("tensor \"" + name + "\" " + shapeText(shape) + " is missing");
            continue;
        }
        if (info->shape != shape)
            problem(info->file + ": tensor \"" + name + "\" has shape " + shapeText(info->shape) + ", config.json implies " +
                    shapeText(shape));
        const auto t = info->dtype;
        if (t != StorageDType::F32 && t != StorageDType::F16 && t != StorageDType::BF16 && t != StorageDType::F64)
            problem(info->file + ": tensor \"" + name + "\" is " + storageDTypeName(t) + ", not a floating type");
        int64_t n = 1;
        for (int64_t d : info->shape) n *= d;
        c.parameters += n;
        byDtype[storageName(t)] += n;
    }
    for (const auto& [name, info] : files.all()) {
        ++c.tensors;
        if (!wanted.count(name)) problem(info->file + ": unexpected tensor \"" + name + "\" (not part of this config.json's model)");
    }
    if (more) c.problems.push_back("… and " + std::to_string(more) + " more");
    int64_t best = -1;
    for (const auto& [name, n] : byDtype)
        if (n > best) {
            best = n;
            c.storageDtype = name;
        }
    return c;
}

namespace {

// The estimate without the device query and without suggestions.
MemoryEstimate estimateCore(const CheckpointCheck& c, const FitQuery& q, int64_t freeBytes) {
    MemoryEstimate m;
    m.free = freeBytes;
    const ModelConfig& cfg = c.config;
    const int64_t e = dtypeBytes(q.dtype);
    const Parts w = weightBytes(c, q);
    m.weights = w.weights;

    const auto& t = cfg.text;
    const int64_t slots = std::max(1, q.slots) + std::max(0, q.keptPrefixes);
    m.kvCache = 2 * t.numLayers * t.numKvHeads * t.headDim * std::max<int64_t>(1, q.context) * slots * e;

    // Vision: one image at the pixel budget: its patches through a block (residual, norm, qkv, the
    // attention output, the MLP's gate/up and product), attention memory-efficient (SDPA's flash
    // kernels on CPU and CUDA: no len² score matrix), then the merger.
    const auto& v = cfg.vision;
    // A config.json alone has no image processor: then the budget is the query's.
    const int64_t maxPixels = cfg.image.maxPixels <= 0 ? std::max<int64_t>(0, q.maxImagePixels)
                              : q.maxImagePixels > 0   ? std::min(q.maxImagePixels, cfg.image.maxPixels)
                                                       : cfg.image.maxPixels;
    const int64_t patch = std::max<int64_t>(1, cfg.image.patchSize > 0 ? cfg.image.patchSize : v.patchSize);
    const int64_t patches = maxPixels / (patch * patch);
    const int64_t rowIn = v.inChannels * v.temporalPatchSize * patch * patch;
    // pixel rows (float32, the input), then per block: residual + norm + qkv (3) + attention out + MLP (2 × width + product).
    m.vision = patches * rowIn * 4 + patches * (v.hiddenSize * 6 + v.outHiddenSize * 3) * e +
               (patches / std::max<int64_t>(1, v.spatialMergeSize * v.spatialMergeSize)) * (v.outHiddenSize + v.intermediateSize * 3) * e;

    // Prefill of one slot's prompt (the image's tokens are at most context): hidden, norm, qkv, attention
    // output, the MLP's 2 × intermediate and its product, in the compute dtype; the logits of the last row only.
    const int64_t tokens = std::max<int64_t>(1, q.context);
    m.prefill = tokens * (t.hiddenSize * 4 + (t.numHeads + 2 * t.numKvHeads) * t.headDim + t.intermediateSize * 3) * e + t.vocabSize * 4;

    m.loadPeak = w.weights + w.transient;

    if (q.device == DeviceKind::Cuda) {
        m.runtime = int64_t(600) << 20;  // CUDA context, cuBLAS workspaces, graphs (not in the allocator's count)
    } else {
        m.runtime = int64_t(350) << 20;  // libtorch and the program itself: the RSS of sightline-cli with the tiny fixture, less its model
        // The checkpoint is memory-mapped and read while loading: its pages count until the load ends.
        m.loadPeak += c.fileBytes;
    }
    const int64_t running = m.weights + m.kvCache + std::max(m.vision, m.prefill);
    m.total = std::max(m.loadPeak, running) + m.runtime;
    m.fits = m.free < 0 || m.total <= m.free;
    return m;
}

}  // namespace

CheckpointCheck checkConfigOnly(const std::string& configPath) {
    CheckpointCheck c;
    std::ifstream in(configPath);
    if (!in) throwBadInput("cannot read " + configPath);
    std::stringstream ss;
    ss << in.rdbuf();
    c.config = parseModelConfigJson(ss.str(), configPath);
    for (const auto& [name, shape] : expectedGlm4vTensors(c.config)) {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        c.parameters += n;
        ++c.tensors;
    }
    c.storageDtype = c.config.storageDtype;
    return c;
}

MemoryEstimate estimateMemory(const CheckpointCheck& c, const FitQuery& q) {
    int64_t freeBytes = -1;
    std::string device = "cpu";
    if (q.device == DeviceKind::Cuda) {
        device = "cuda:" + std::to_string(q.deviceIndex);
        if (!cudaAvailable()) {
            device += " (no CUDA device here)";
        } else {
            try {
                const DeviceMemory d = queryDeviceMemory(DeviceKind::Cuda, q.deviceIndex);
                if (!d.deviceName.empty()) device += " (" + d.deviceName + ")";
                if (d.deviceTotalBytes > 0) freeBytes = d.deviceTotalBytes - d.deviceUsedBytes;
            } catch (const std::exception&) {
                device += " (its memory could not be read)";
            }
        }
    } else {
        freeBytes = memAvailable();
    }
    MemoryEstimate m = estimateCore(c, q, freeBytes);
    m.device = device;
    if (!m.fits) {
        const int64_t over = m.total - m.free;
        // One changed setting at a time; suggested (with its total) when the estimate then fits.
        auto suggest = [&](const FitQuery& changed, const std::string& option) {
            const MemoryEstimate r = estimateCore(c, changed, m.free);
            if (r.fits) m.suggestions.push_back(option + " (" + gib(r.total) + ")");
            return r.fits;
        };
        if (!q.int8Weights && q.device == DeviceKind::Cuda) {
            FitQuery i8 = q;
            i8.int8Weights = true;
            suggest(i8, "--quantize int8");
        }
        if (q.dtype == DType::Float32) {
            FitQuery bf = q;
            bf.dtype = DType::BFloat16;
            suggest(bf, "--dtype bfloat16");
        }
        for (int s = q.slots / 2; s >= 1; s /= 2) {  // the most slots that fit
            FitQuery fq = q;
            fq.slots = s;
            if (suggest(fq, "--slots " + std::to_string(s))) break;
        }
        for (int64_t ctx = q.context / 2; ctx >= 1024; ctx /= 2) {  // the longest context that fits
            FitQuery fq = q;
            fq.context = ctx;
            if (suggest(fq, "--context " + std::to_string(ctx))) break;
        }
        if (m.suggestions.empty())
            m.suggestions.push_back("no setting fits: " + gib(over) +
                                    " more memory is needed than is free even with the smallest settings tried");
    }
    return m;
}

}  // namespace sightline
