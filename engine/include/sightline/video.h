// Video input: decoding (FFmpeg's libavformat/libavcodec/libswscale, optional at build time) and
// transformers' GLM-4V / GLM-4.6V video processors: which frames are sampled, their timestamps,
// the resize (smart_resize over all sampled frames) and the temporal patching. Torch-free; the
// resampler comes in as a Resampler (image.h), as for images.
//
// How a video reaches the model (transformers' Glm4vModel.get_video_features and get_rope_index):
// the sampled frames go in pairs (temporal_patch_size 2); each pair is one vision "image" of grid
// [1, h, w] whose rows hold the two frames (not one frame twice, as a still image does), and the
// prompt holds, per pair, <|begin_of_image|> + tokens + <|end_of_image|> + the pair's timestamp
// text, all inside <|begin_of_video|> … <|end_of_video|>. Everything after preprocessing (vision
// tower, M-RoPE positions, caches) treats a pair exactly as an image.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sightline/image.h"

namespace sightline {

// Which transformers video processor a checkpoint gets: Glm46VVideoProcessor (GLM-4.6V: frames at
// 3/1/0.5 per second by duration, at most 640, timestamps "1.5 seconds") or Glm4vVideoProcessor
// (GLM-4.1V: 2 frames per second, 300 s at most, timestamps "1").
enum class VideoSampler { Glm46V, Glm4v };
const char* videoSamplerName(VideoSampler sampler);  // "glm46v", "glm4v"

// The video processor's settings: video_preprocessor_config.json, the "video_processor" object of
// processor_config.json, or (as transformers does without either file) the class defaults of the
// processor the checkpoint names (processor_class / model_type).
struct VideoProcessorConfig {
    VideoSampler sampler = VideoSampler::Glm46V;
    int patchSize = 14;
    int temporalPatchSize = 2;
    int mergeSize = 2;
    int64_t minPixels = 112 * 112;                     // size.shortest_edge, over all sampled frames
    int64_t maxPixels = int64_t(28) * 28 * 2 * 30000;  // size.longest_edge, over all sampled frames
    double rescaleFactor = 1.0 / 255.0;
    float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
    float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
    double fps = 2;            // Glm4v: frames per second sampled
    double maxDuration = 300;  // Glm4v: longer videos are sampled evenly over their length
};

// What a container says about its first video stream (PyAV's view, which transformers' default
// video loader uses): frame count from the stream header (counted by decoding when the header has
// none), the average frame rate, duration = frames / fps.
struct VideoInfo {
    int64_t totalFrames = 0;
    double fps = 0;
    double duration = 0;
    int width = 0;
    int height = 0;
    std::string codec;  // "h264", "mpeg4", "vp9", …
};

// The frame indices transformers' sample_frames picks for this video (sorted, duplicates removed,
// an even count: the last is repeated when odd). Throws Error(BadInput) when fps or the frame
// count is not positive.
std::vector<int64_t> sampleVideoFrames(const VideoInfo& info, const VideoProcessorConfig& config);

// The timestamp text that follows a frame pair in the prompt: "1.5 seconds" (Glm46V), "1" (Glm4v).
std::string videoTimestampText(VideoSampler sampler, double seconds);

// A video as it came in (a file or the bytes of a data: URI), decoded on demand: the frames a model
// needs depend on its video processor, so they are decoded when a request is prepared, and the
// last decode is kept (a conversation asks about the same video again).
struct PreprocessedVideo;
struct VideoSource {
    std::string path;                                   // a file, or empty
    std::shared_ptr<const std::vector<uint8_t>> bytes;  // the encoded video when path is empty
    std::string name;                                   // for messages: the path, or "data: URI video"
    VideoInfo info;                                     // probed when the part was made
    // The last preprocessing of this video (Model::promptIds fills it; keyed by the settings that
    // shape it), shared by copies of the source: a follow-up question does not decode again.
    struct Cache {
        std::mutex mutex;
        std::string key;
        std::shared_ptr<const PreprocessedVideo> video;
    };
    std::shared_ptr<Cache> cache = std::make_shared<Cache>();
};

struct VideoDecodeOptions {
    int64_t maxFileBytes = int64_t(2) << 30;          // checked before a file is opened for decoding
    int64_t maxFramePixels = kDefaultMaxImagePixels;  // a frame larger than this is refused
    int64_t maxFrames = 20000000;                     // a stream claiming more frames is refused
    const std::atomic<bool>* cancel = nullptr;        // set: decoding stops with Error(Cancelled)
};

// Sampled frames, already resized to the size every frame of this video gets (smart_resize over the
// sampled frame count), 8-bit RGB.
struct DecodedVideo {
    VideoInfo info;
    std::vector<int64_t> frameIndices;  // as sampleVideoFrames returned them
    std::vector<double> timestamps;     // frameIndices[i] / fps, seconds
    int resizedWidth = 0;
    int resizedHeight = 0;
    std::vector<RgbImage> frames;  // one per frame index, resizedWidth x resizedHeight
};

// One pair of frames per entry of `pairs` (gridT 1, the rows holding both frames), and the
// timestamp of each pair's first frame (transformers' timestamps[::2]).
struct PreprocessedVideo {
    std::vector<PreprocessedImage> pairs;
    std::vector<double> pairTimestamps;
    int64_t numTokens = 0;  // all pairs
    int64_t framesSampled = 0;
};

// Whether this build decodes video (FFmpeg found at build time).
bool videoDecodingSupported();

// Reads the container's header and stream parameters. Throws Error(BadInput) naming the source for
// a file that is missing, not a regular file, over options.maxFileBytes, not a video, without a
// video stream, or without a frame rate.
VideoInfo probeVideo(const VideoSource& source, const VideoDecodeOptions& options = {});
VideoSource videoSourceFromFile(const std::string& path, const VideoDecodeOptions& options = {});
VideoSource videoSourceFromBytes(std::shared_ptr<const std::vector<uint8_t>> bytes, const std::string& name,
                                 const VideoDecodeOptions& options = {});

// The resize every sampled frame of this video gets (smart_resize over the sampled frame count).
// maxPixelsOverride > 0 lowers config.maxPixels (never raises it).
ResizeResult videoFrameSize(const VideoInfo& info, int64_t framesSampled, const VideoProcessorConfig& config,
                            int64_t maxPixelsOverride = 0);

// Decodes the frames sampleVideoFrames picks, in decode order (frame i is the i-th frame the decoder
// gives, as PyAV counts them), converts each to RGB24 and resizes it at once (memory stays at the
// resized size). Throws Error(BadInput) for a corrupt or truncated video (naming it and the frame),
// Error(Cancelled) when options.cancel is set.
DecodedVideo decodeVideo(const VideoSource& source, const VideoProcessorConfig& config, const Resampler& resampler,
                         int64_t maxPixelsOverride = 0, const VideoDecodeOptions& options = {});

// The first frame at its own size (a poster for the UI). Throws as decodeVideo does.
RgbImage decodeVideoPoster(const VideoSource& source, const VideoDecodeOptions& options = {});

// Normalisation and temporal patching of decoded frames (the frames must all have the decoded
// size; an odd count repeats the last frame, as transformers pads).
PreprocessedVideo preprocessVideo(const DecodedVideo& video, const VideoProcessorConfig& config, ImageResize resize);

// What a video will cost before it is decoded: sampled frames, pairs, tokens.
struct VideoCost {
    int64_t frames = 0;
    int64_t pairs = 0;
    int64_t tokensPerPair = 0;
    int64_t tokens = 0;  // pairs * tokensPerPair, plus nothing for the markers and timestamps
    ResizeResult frameSize;
};
VideoCost estimateVideoCost(const VideoInfo& info, const VideoProcessorConfig& config, int64_t maxPixelsOverride = 0);

}  // namespace sightline
