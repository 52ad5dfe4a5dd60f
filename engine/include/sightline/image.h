// Image decoding and the GLM-4V image preprocessing (smart_resize, PIL-exact bicubic resize,
// normalisation, patchify). Torch-free: the output is plain float32 arrays the model consumes.
// All functions are pure and may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sightline {

// Decoded 8-bit RGB image, rows top to bottom, 3 bytes a pixel.
struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;  // [height, width, 3] uint8
};

// Decoded pixels an image may have by default: far above a 8000x6000 (48 MP) photo, far below what
// would exhaust a host (PIL's DecompressionBombError threshold, 2 x 89,478,485).
inline constexpr int64_t kDefaultMaxImagePixels = 178956970;

struct DecodeOptions {
    // Refuse images whose header claims more pixels than this (decompression bombs): checked on
    // the header before any pixel buffer is allocated; the error names the limit.
    int64_t maxPixels = kDefaultMaxImagePixels;
    int64_t maxFileBytes = int64_t(512) << 20;  // checked before a file is read
    bool applyExifOrientation = true;
    // parseChatJson: decoded pixels of all images of one conversation together (probed from their
    // headers before any is decoded); 0: no limit beyond maxPixels per image.
    int64_t maxTotalPixels = 0;
    // decodeImageFile: true gives one error text, "cannot read PATH", whether the file is missing,
    // unreadable or not a regular file (a server must not tell clients which paths exist).
    bool uniformFileErrors = false;
};

enum class ImageFormat { Jpeg, Png, WebP, Bmp, Gif };
const char* imageFormatName(ImageFormat format);  // "jpeg", "png", "webp", "bmp", "gif"

// What an image's header says, read without decoding a pixel (microseconds, no allocation).
struct ImageProbe {
    ImageFormat format = ImageFormat::Png;
    int64_t width = 0;  // as decoded: after EXIF orientation when options.applyExifOrientation
    int64_t height = 0;
    // Saturates: header sizes reach 2^32 - 1 (PNG), whose product does not fit in int64.
    int64_t pixels() const {
        int64_t p = 0;
        return __builtin_mul_overflow(width, height, &p) ? INT64_MAX : p;
    }
};

// Reads the header of a JPEG, PNG, WebP, BMP or GIF in memory. Throws Error(BadInput) naming
// nameForErrors for an unknown format, an unreadable header or an empty size. Lets callers cap
// decoded pixels per image and per request before decoding anything (decodeImage checks
// options.maxPixels the same way).
ImageProbe probeImage(const uint8_t* data, size_t size, const std::string& nameForErrors, const DecodeOptions& options = {});
ImageProbe probeImage(const std::vector<uint8_t>& bytes, const std::string& nameForErrors, const DecodeOptions& options = {});
// Throws Error(BadInput) "NAME: image is WxH = N pixels, over the limit of MAX ..." when
// probe.pixels() > maxPixels.
void checkImagePixels(const ImageProbe& probe, int64_t maxPixels, const std::string& nameForErrors);

// Decodes JPEG, PNG, WebP, BMP, GIF (first frame) from memory or a file. Grayscale is replicated,
// alpha dropped (PIL convert("RGB")). Throws Error(BadInput) naming the file on any failure.
// decodeImageFile reads regular files only (never blocks on a FIFO, refuses /dev/zero and folders)
// and checks options.maxFileBytes before reading.
RgbImage decodeImage(const std::vector<uint8_t>& bytes, const std::string& nameForErrors, const DecodeOptions& options = {});
RgbImage decodeImageFile(const std::string& path, const DecodeOptions& options = {});
// "jpeg", "png", "webp", "bmp", "gif": whether this build decodes it (WebP needs libwebp).
bool imageFormatSupported(const std::string& format);

// Image preprocessing parameters, read from preprocessor_config.json (or the "image_processor" object
// of a transformers 5 processor_config.json).
struct ImageProcessorConfig {
    int patchSize = 0;
    int temporalPatchSize = 0;
    int mergeSize = 0;
    int64_t minPixels = 0;  // size.shortest_edge
    int64_t maxPixels = 0;  // size.longest_edge
    double rescaleFactor = 0;
    float mean[3] = {0, 0, 0};
    float std[3] = {1, 1, 1};
};

struct ResizeResult {
    int height = 0;
    int width = 0;
};

// HF smart_resize (Python round = half to even). Throws Error(BadInput) for aspect ratio > 200.
ResizeResult smartResize(int height, int width, int factor, int64_t minPixels, int64_t maxPixels, int temporalFactor = 2,
                         int numFrames = 2);

// Port of PIL Image.resize(size, BICUBIC) on 8-bit RGB: fixed-point, antialiased, two-pass.
RgbImage resizeBicubicPil(const RgbImage& image, int newWidth, int newHeight);

// The two backends of transformers' GLM-4V image processor. transformers 5 picks Torchvision when
// torchvision is installed (AutoProcessor, and servers built on it such as vLLM); Pil is the
// Glm4vImageProcessorPil path. They differ in the resampler (torch's antialiased bicubic on uint8
// vs PIL's fixed-point bicubic: up to a few uint8 levels) and in how rescale and normalize are
// folded (the torchvision backend divides by std/rescale in float32), so pixel values differ by up
// to ~0.05 after normalisation.
enum class ImageResize { Torchvision, Pil };
inline constexpr ImageResize kDefaultImageResize = ImageResize::Torchvision;
const char* imageResizeName(ImageResize resize);  // "torchvision", "pil"
// "torchvision" / "pil" (case-sensitive); false for anything else.
bool parseImageResize(const std::string& name, ImageResize* out);

// A resampler and the normalisation that goes with it. The torchvision resampler runs torch's own
// kernel (aten::_upsample_bicubic2d_aa), so it lives in the engine library (resamplerFor() in
// engine.h); torch-free code gets pilResampler().
struct Resampler {
    ImageResize kind = ImageResize::Pil;
    RgbImage (*resize)(const RgbImage& image, int newWidth, int newHeight) = resizeBicubicPil;
};
inline Resampler pilResampler() {
    return {};
}

struct PreprocessedImage {
    int originalWidth = 0;
    int originalHeight = 0;
    int resizedWidth = 0;
    int resizedHeight = 0;
    int64_t gridT = 1, gridH = 0, gridW = 0;  // image_grid_thw (in patches)
    int64_t numTokens = 0;                    // gridT*gridH*gridW / mergeSize^2
    int rowSize = 0;                          // C * temporalPatchSize * patch * patch (1176)
    std::vector<float> pixelValues;           // [gridT*gridH*gridW, rowSize] float32
};

// maxPixelsOverride > 0 lowers the budget below the checkpoint's (never raises it). Throws
// Error(BadInput) when resampler.resize is null.
PreprocessedImage preprocessImage(const RgbImage& image, const ImageProcessorConfig& config, int64_t maxPixelsOverride = 0,
                                  const Resampler& resampler = pilResampler());

}  // namespace sightline
