#include "image_preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "sightline/error.h"
#include "sightline/image.h"

#ifdef SIGHTLINE_SERVER_HAVE_JPEG
#include <jpeglib.h>
#endif

namespace sightline::server {

namespace {

#ifdef SIGHTLINE_SERVER_HAVE_JPEG
std::string encodeJpeg(const RgbImage& img, int quality) {
    jpeg_compress_struct c{};
    jpeg_error_mgr err{};
    c.err = jpeg_std_error(&err);
    // libjpeg's default error_exit calls exit(): never for an in-memory encode of a valid buffer
    // (sizes checked below), but keep the inputs inside what it accepts.
    jpeg_create_compress(&c);
    unsigned char* mem = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &mem, &size);
    c.image_width = static_cast<JDIMENSION>(img.width);
    c.image_height = static_cast<JDIMENSION>(img.height);
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, std::clamp(quality, 1, 100), TRUE);
    jpeg_start_compress(&c, TRUE);
    const size_t stride = static_cast<size_t>(img.width) * 3;
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = const_cast<JSAMPROW>(img.pixels.data() + c.next_scanline * stride);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    std::string out(reinterpret_cast<const char*>(mem), size);
    jpeg_destroy_compress(&c);
    std::free(mem);
    return out;
}
#endif

}  // namespace

bool jpegEncodeSupported() {
#ifdef SIGHTLINE_SERVER_HAVE_JPEG
    return true;
#else
    return false;
#endif
}

std::string preprocessUpload(const std::string& bytes, const ImagePreprocess& p, int64_t decodeMaxPixels, const std::string& name) {
    if (!p.active()) return bytes;
    DecodeOptions probeOptions;
    probeOptions.maxPixels = decodeMaxPixels;
    const ImageProbe probe = probeImage(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), name, probeOptions);
    const bool tooLarge = p.maxSide > 0 && std::max(probe.width, probe.height) > p.maxSide;
    const bool tooHeavy = p.reencodeJpegAboveBytes > 0 && static_cast<int64_t>(bytes.size()) > p.reencodeJpegAboveBytes;
    if (!tooLarge && !tooHeavy) return bytes;
    if (!jpegEncodeSupported()) return bytes;  // refused at startup; nothing to write with here
    RgbImage img = decodeImage(std::vector<uint8_t>(bytes.begin(), bytes.end()), name, probeOptions);
    if (tooLarge) {
        const double scale = static_cast<double>(p.maxSide) / std::max(img.width, img.height);
        const int w = std::max(1, static_cast<int>(std::lround(img.width * scale)));
        const int h = std::max(1, static_cast<int>(std::lround(img.height * scale)));
        img = resizeBicubicPil(img, w, h);
    }
#ifdef SIGHTLINE_SERVER_HAVE_JPEG
    return encodeJpeg(img, p.jpegQuality);
#else
    return bytes;
#endif
}

}  // namespace sightline::server
