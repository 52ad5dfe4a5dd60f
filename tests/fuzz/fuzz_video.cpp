// Video bytes (any container FFmpeg's demuxers here accept: MP4/MOV, Matroska/WebM, AVI, MPEG-TS, …)
// → videoSourceFromBytes (probe + torchcodec-style scan), decodeVideo (the sampled frames, converted
// and resized), preprocessVideo (pairs). FFmpeg itself is Debian's, not instrumented: what is fuzzed
// is our reading of it (the memory reader, the limits, frame counting, sampling, patching).
#include "fuzz_support.h"
#include "sightline/video.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    if (!videoDecodingSupported()) return 0;
    VideoDecodeOptions options;
    options.maxFramePixels = int64_t(1) << 20;
    options.maxFrames = 4000;
    return fuzz::refusalsAreFine([&] {
        auto bytes = std::make_shared<const std::vector<uint8_t>>(data, data + size);
        const VideoSource src = videoSourceFromBytes(bytes, "fuzz-video", options);
        VideoProcessorConfig config;  // GLM-4.6V's sampler with a small pixel budget
        config.maxPixels = 16 * 28 * 28 * 2;
        config.minPixels = 28 * 28;
        const DecodedVideo d = decodeVideo(src, config, pilResampler(), 0, options);
        if (d.frames.size() != d.frameIndices.size() || d.frames.empty()) std::abort();
        for (const RgbImage& f : d.frames)
            if (f.width != d.resizedWidth || f.height != d.resizedHeight) std::abort();
        const PreprocessedVideo v = preprocessVideo(d, config, ImageResize::Pil);
        if (v.pairs.size() != v.pairTimestamps.size() || v.pairs.empty()) std::abort();
    });
}
