// transformers' GLM-4V / GLM-4.6V video processors, ported: frame sampling (sample_frames), the
// timestamps in the prompt, smart_resize over the sampled frames, normalisation and temporal
// patching. Double arithmetic in Python's order, so indices and sizes are the same bit for bit.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "sightline/error.h"
#include "sightline/video.h"
#include "vision/preprocess_internal.h"

namespace sightline {
namespace {

// numpy.linspace(start, stop, num, endpoint=True, dtype=int) for start <= stop, both >= 0:
// y[i] = i * step + start in float64, y[-1] = stop, truncated to int (non-negative: floor = trunc).
std::vector<int64_t> linspaceInt(double start, double stop, int64_t num) {
    std::vector<int64_t> out;
    if (num <= 0) return out;
    if (num == 1) return {static_cast<int64_t>(start)};
    const double div = static_cast<double>(num - 1);
    const double delta = stop - start;
    const double step = delta / div;
    for (int64_t i = 0; i < num; ++i) {
        double y = step == 0 ? static_cast<double>(i) / div * delta : static_cast<double>(i) * step;
        y += start;
        if (i == num - 1) y = stop;
        out.push_back(static_cast<int64_t>(y));
    }
    return out;
}

std::vector<double> linspace(double start, double stop, int64_t num) {
    std::vector<double> out;
    if (num <= 0) return out;
    if (num == 1) return {start};
    const double div = static_cast<double>(num - 1), step = (stop - start) / div;
    for (int64_t i = 0; i < num; ++i) out.push_back(i == num - 1 ? stop : static_cast<double>(i) * step + start);
    return out;
}

// metadata.duration or round(max_frame_idx / fps) + 1 (Python round: half to even).
double samplingDuration(const VideoInfo& info) {
    if (info.duration != 0) return info.duration;
    return std::nearbyint(static_cast<double>(info.totalFrames - 1) / info.fps) + 1;
}

std::vector<int64_t> sampleGlm46V(const VideoInfo& info, const VideoProcessorConfig& c) {
    const int64_t total = info.totalFrames;
    const double duration = samplingDuration(info);
    const double effective = std::min(duration, 2400.0);
    const double targetFps = effective <= 30 ? 3.0 : effective <= 300 ? 1.0 : 0.5;
    int64_t extract = static_cast<int64_t>(effective * targetFps * c.temporalPatchSize);
    extract = std::min<int64_t>(extract, 640);
    const double perFrame = 1.0 / info.fps;
    const auto maxSecond = static_cast<int64_t>(duration);
    std::vector<int64_t> idx;
    if (total < extract) {
        idx = linspaceInt(0, static_cast<double>(total - 1), extract);
    } else {
        double current = 0;
        const double invFps = 1.0 / (c.temporalPatchSize * targetFps);
        for (int64_t i = 0; i < total; ++i) {
            if (static_cast<double>(i) * perFrame >= current) {
                current += invFps;
                idx.push_back(i);
                if (current >= static_cast<double>(maxSecond)) break;
            }
        }
    }
    if (static_cast<int64_t>(idx.size()) < extract) {
        const double start = idx.empty() ? 0.0 : static_cast<double>(idx.front());
        const double end = idx.empty() ? static_cast<double>(std::max<int64_t>(total - 1, 0)) : static_cast<double>(idx.back());
        idx = linspaceInt(start, end, extract);
    } else if (static_cast<int64_t>(idx.size()) > extract) {
        idx = linspaceInt(0, static_cast<double>(total - 1), extract);
    }
    return idx;
}

std::vector<int64_t> sampleGlm4v(const VideoInfo& info, const VideoProcessorConfig& c) {
    const int64_t total = info.totalFrames, maxIdx = total - 1;
    const double duration = samplingDuration(info);
    std::vector<int64_t> idx;
    if (duration <= c.maxDuration) {
        const int64_t n = std::max<int64_t>(static_cast<int64_t>(std::floor(duration * c.fps)), 1);
        for (int64_t i = 0; i < n; ++i)
            idx.push_back(std::min(maxIdx, static_cast<int64_t>(std::ceil(static_cast<double>(i) * info.fps / c.fps))));
    } else {
        const auto samples = static_cast<int64_t>(c.maxDuration * c.fps);
        if (samples >= total) {
            for (int64_t i = 0; i < total; ++i) idx.push_back(i);
        } else {
            for (double t : linspace(0, duration, samples)) idx.push_back(std::min(maxIdx, static_cast<int64_t>(std::ceil(t * info.fps))));
        }
    }
    return idx;
}

}  // namespace

const char* videoSamplerName(VideoSampler sampler) {
    return sampler == VideoSampler::Glm4v ? "glm4v" : "glm46v";
}

std::vector<int64_t> sampleVideoFrames(const VideoInfo& info, const VideoProcessorConfig& config) {
    if (!(info.fps > 0) || !std::isfinite(info.fps)) throwBadInput("the video has no frame rate");
    if (info.totalFrames <= 0) throwBadInput("the video has no frames");
    std::vector<int64_t> raw = config.sampler == VideoSampler::Glm4v ? sampleGlm4v(info, config) : sampleGlm46V(info, config);
    std::vector<int64_t> out;
    std::set<int64_t> seen;
    for (int64_t i : raw)
        if (seen.insert(i).second) out.push_back(i);
    if (out.empty())
        throwBadInput("the video is too short to sample (" + std::to_string(info.totalFrames) + " frames at " + std::to_string(info.fps) +
                      " fps)");
    if (out.size() & 1) out.push_back(out.back());
    return out;
}

std::string videoTimestampText(VideoSampler sampler, double seconds) {
    if (sampler == VideoSampler::Glm4v) return std::to_string(static_cast<int64_t>(seconds));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f seconds", seconds);
    return buf;
}

ResizeResult videoFrameSize(const VideoInfo& info, int64_t framesSampled, const VideoProcessorConfig& c, int64_t maxPixelsOverride) {
    const int64_t maxPixels = maxPixelsOverride > 0 ? std::min(maxPixelsOverride, c.maxPixels) : c.maxPixels;
    const int64_t minPixels = std::min(c.minPixels, maxPixels);
    if (framesSampled < c.temporalPatchSize)
        throwBadInput("a video needs at least " + std::to_string(c.temporalPatchSize) + " sampled frames, got " +
                      std::to_string(framesSampled));
    return smartResize(info.height, info.width, c.patchSize * c.mergeSize, minPixels, maxPixels, c.temporalPatchSize,
                       static_cast<int>(std::min<int64_t>(framesSampled, 1 << 20)));
}

VideoCost estimateVideoCost(const VideoInfo& info, const VideoProcessorConfig& c, int64_t maxPixelsOverride) {
    VideoCost cost;
    cost.frames = static_cast<int64_t>(sampleVideoFrames(info, c).size());
    const int64_t tps = c.temporalPatchSize;
    cost.pairs = (cost.frames + tps - 1) / tps;
    cost.frameSize = videoFrameSize(info, cost.frames, c, maxPixelsOverride);
    const int64_t merge = c.mergeSize;
    cost.tokensPerPair = (cost.frameSize.height / c.patchSize) * (cost.frameSize.width / c.patchSize) / (merge * merge);
    cost.tokens = cost.pairs * cost.tokensPerPair;
    return cost;
}

PreprocessedVideo preprocessVideo(const DecodedVideo& v, const VideoProcessorConfig& c, ImageResize resize) {
    if (v.frames.empty()) throwBadInput("the video has no decoded frames");
    const int patch = c.patchSize, tps = c.temporalPatchSize, merge = c.mergeSize;
    const int w = v.resizedWidth, h = v.resizedHeight;
    if (w <= 0 || h <= 0 || w % (patch * merge) || h % (patch * merge)) throwBadInput("video frames have a size the patches do not tile");
    for (const RgbImage& f : v.frames)
        if (f.width != w || f.height != h || f.pixels.size() != size_t(w) * h * 3) throwBadInput("video frames differ in size");
    PreprocessedVideo out;
    out.framesSampled = static_cast<int64_t>(v.frames.size());
    // transformers pads to a multiple of the temporal patch with the last frame.
    const size_t pairs = (v.frames.size() + size_t(tps) - 1) / size_t(tps);
    std::vector<std::vector<float>> planes(static_cast<size_t>(tps));  // one pair's frames at a time: memory stays one pair
    for (size_t k = 0; k < pairs; ++k) {
        for (int t = 0; t < tps; ++t)
            planes[size_t(t)] =
                normalizedPlanes(v.frames[std::min(k * tps + size_t(t), v.frames.size() - 1)], c.rescaleFactor, c.mean, c.std, resize);
        PreprocessedImage p;
        p.originalWidth = v.info.width;
        p.originalHeight = v.info.height;
        p.resizedWidth = w;
        p.resizedHeight = h;
        p.gridT = 1;
        p.gridH = h / patch;
        p.gridW = w / patch;
        p.numTokens = p.gridH * p.gridW / (int64_t(merge) * merge);
        p.rowSize = 3 * tps * patch * patch;
        p.pixelValues.resize(size_t(p.gridH * p.gridW) * p.rowSize);
        std::vector<const float*> frames;
        for (int t = 0; t < tps; ++t) frames.push_back(planes[size_t(t)].data());
        patchifyFrames(frames.data(), tps, w, h, patch, merge, p.pixelValues.data());
        out.numTokens += p.numTokens;
        out.pairs.push_back(std::move(p));
        // transformers: metadata.timestamps[::2], cut or padded (with the last) to the pair count.
        const size_t n = v.timestamps.size(), ti = std::min(2 * k, n ? 2 * ((n - 1) / 2) : 0);
        out.pairTimestamps.push_back(n ? v.timestamps[ti] : 0.0);
    }
    return out;
}

}  // namespace sightline
