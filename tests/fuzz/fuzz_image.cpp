// Image bytes (JPEG, PNG, WebP, BMP, GIF: the decoder sniffs the format) → decodeImage, then the
// GLM-4V preprocessing (smart_resize, PIL bicubic resize, patchify) of what decoded.
#include "fuzz_support.h"
#include "sightline/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    DecodeOptions decode;
    decode.maxPixels = int64_t(1) << 22;  // 4 Mpx: the bomb guard itself is the unit tests'
    return fuzz::refusalsAreFine([&] {
        const RgbImage image = decodeImage(std::vector<uint8_t>(data, data + size), "fuzz-image", decode);
        if (image.width <= 0 || image.height <= 0 || image.pixels.size() != size_t(image.width) * size_t(image.height) * 3) {
            fprintf(stderr, "decoded image %dx%d with %zu bytes of pixels\n", image.width, image.height, image.pixels.size());
            std::abort();
        }
        // The tiny fixture's preprocessor_config.json values (GLM-4.6V's, with a small budget).
        ImageProcessorConfig config;
        config.patchSize = 14;
        config.temporalPatchSize = 2;
        config.mergeSize = 2;
        config.minPixels = 28 * 28;
        config.maxPixels = 64 * 28 * 28;
        config.rescaleFactor = 1.0 / 255.0;
        const PreprocessedImage p = preprocessImage(image, config);
        if (p.pixelValues.size() != size_t(p.gridT * p.gridH * p.gridW) * size_t(p.rowSize)) std::abort();
    });
}
