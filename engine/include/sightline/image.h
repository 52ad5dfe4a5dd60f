// Image decoding and the GLM-4V image preprocessing (smart_resize, PIL-exact bicubic resize,
// normalisation, patchify). Torch-free: the output is plain float32 arrays the model consumes.
// All functions are pure and may be called from any thread.
#pragma once

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

struct DecodeOptions {
    // Refuse images whose header claims more pixels than this (decompression bombs).
    int64_t maxPixels = 178956970;  // PIL's DecompressionBombError threshold (2 x 89,478,485)
    int64_t maxFileBytes = int64_t(512) << 20;
    bool applyExifOrientation = true;
};

// Decodes JPEG, PNG, WebP, BMP, GIF (first frame) from memory or a file. Grayscale is replicated,
// alpha dropped (PIL convert("RGB")). Throws Error(BadInput) naming the file on any failure.
RgbImage decodeImage(const std::vector<uint8_t>& bytes, const std::string& nameForErrors,
                     const DecodeOptions& options = {});
RgbImage decodeImageFile(const std::string& path, const DecodeOptions& options = {});
// "jpeg", "png", "webp", "bmp", "gif": whether this build decodes it (WebP needs libwebp).
bool imageFormatSupported(const std::string& format);

// Image preprocessing parameters, read from preprocessor_config.json.
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
ResizeResult smartResize(int height, int width, int factor, int64_t minPixels, int64_t maxPixels,
                         int temporalFactor = 2, int numFrames = 2);

// Port of PIL Image.resize(size, BICUBIC) on 8-bit RGB: fixed-point, antialiased, two-pass.
RgbImage resizeBicubicPil(const RgbImage& image, int newWidth, int newHeight);

struct PreprocessedImage {
    int originalWidth = 0;
    int originalHeight = 0;
    int resizedWidth = 0;
    int resizedHeight = 0;
    int64_t gridT = 1, gridH = 0, gridW = 0;  // image_grid_thw (in patches)
    int64_t numTokens = 0;                     // gridT*gridH*gridW / mergeSize^2
    int rowSize = 0;                           // C * temporalPatchSize * patch * patch (1176)
    std::vector<float> pixelValues;            // [gridT*gridH*gridW, rowSize] float32
};

// maxPixelsOverride > 0 lowers the budget below the checkpoint's (never raises it).
PreprocessedImage preprocessImage(const RgbImage& image, const ImageProcessorConfig& config,
                                  int64_t maxPixelsOverride = 0);

}  // namespace sightline
