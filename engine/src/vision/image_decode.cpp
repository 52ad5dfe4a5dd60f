// Image decoding: libjpeg(-turbo) for JPEG when available (the decoder PIL uses, so pixels match
// Python), libwebp for WebP, stb_image for PNG / BMP / GIF (and JPEG as a fallback).
// Sizes are read from the header first (vision/image_header.h, the rule probeImage shares) so
// decompression bombs are refused before any allocation.
#include <climits>
#include <cstring>
#include <memory>

#include "sightline/error.h"
#include "sightline/image.h"
#include "util/files.h"
#include "vision/image_header.h"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_NO_STDIO
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_ONLY_JPEG
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif
#include <stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#ifdef SIGHTLINE_HAVE_WEBP
#include <webp/decode.h>
#endif
#ifdef SIGHTLINE_HAVE_JPEG
#include <jpeglib.h>
#include <csetjmp>
#include <cstdio>
#endif

namespace sightline {
namespace {

// Applies EXIF orientation as PIL's ImageOps.exif_transpose does.
RgbImage orient(RgbImage in, int orientation) {
    if (orientation <= 1) return in;
    const bool swap = orientation >= 5;
    RgbImage out;
    out.width = swap ? in.height : in.width;
    out.height = swap ? in.width : in.height;
    out.pixels.resize(in.pixels.size());
    for (int y = 0; y < out.height; ++y) {
        for (int x = 0; x < out.width; ++x) {
            int sx = x, sy = y;  // source coordinates for output (x, y)
            switch (orientation) {
                case 2:
                    sx = in.width - 1 - x;
                    break;
                case 3:
                    sx = in.width - 1 - x;
                    sy = in.height - 1 - y;
                    break;
                case 4:
                    sy = in.height - 1 - y;
                    break;
                case 5:
                    sx = y;
                    sy = x;
                    break;
                case 6:
                    sx = y;
                    sy = in.height - 1 - x;
                    break;
                case 7:
                    sx = in.width - 1 - y;
                    sy = in.height - 1 - x;
                    break;
                case 8:
                    sx = in.width - 1 - y;
                    sy = x;
                    break;
                default:
                    break;
            }
            std::memcpy(&out.pixels[(size_t(y) * out.width + x) * 3], &in.pixels[(size_t(sy) * in.width + sx) * 3], 3);
        }
    }
    return out;
}

void checkSize(int64_t w, int64_t h, const std::string& name, const DecodeOptions& o) {
    ImageProbe p;
    p.width = w;
    p.height = h;
    if (w <= 0 || h <= 0) throwBadInput(name + ": image has no pixels (" + std::to_string(w) + "x" + std::to_string(h) + ")");
    checkImagePixels(p, o.maxPixels, name);
}

RgbImage decodeStb(const std::vector<uint8_t>& b, const std::string& name, const DecodeOptions& o) {
    int w = 0, h = 0, comp = 0;
    if (b.size() > INT_MAX || !stbi_info_from_memory(b.data(), static_cast<int>(b.size()), &w, &h, &comp))
        throwBadInput(name + ": cannot read the image header (" + stbi_failure_reason() + ")");
    checkSize(w, h, name, o);  // the decoder's own reading of the header, checked again
    // stb converts grey to RGB by replication and drops alpha, as PIL convert("RGB") does.
    std::unique_ptr<stbi_uc, void (*)(void*)> data(stbi_load_from_memory(b.data(), static_cast<int>(b.size()), &w, &h, &comp, 3),
                                                   stbi_image_free);
    if (!data) throwBadInput(name + ": corrupt or truncated image (" + stbi_failure_reason() + ")");
    RgbImage img;
    img.width = w;
    img.height = h;
    img.pixels.assign(data.get(), data.get() + size_t(w) * h * 3);
    return img;
}

#ifdef SIGHTLINE_HAVE_JPEG
struct JpegErr {
    jpeg_error_mgr mgr;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

RgbImage decodeJpeg(const std::vector<uint8_t>& b, const std::string& name, const DecodeOptions& o) {
    jpeg_decompress_struct cinfo{};
    JpegErr err{};
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = [](j_common_ptr c) {
        auto* e = reinterpret_cast<JpegErr*>(c->err);
        (*c->err->format_message)(c, e->message);
        std::longjmp(e->jump, 1);
    };
    err.mgr.output_message = [](j_common_ptr) {};
    RgbImage img;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        throwBadInput(name + ": corrupt JPEG (" + err.message + ")");
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, b.data(), static_cast<unsigned long>(b.size()));
    jpeg_read_header(&cinfo, TRUE);
    if (static_cast<int64_t>(cinfo.image_width) * cinfo.image_height > o.maxPixels || cinfo.image_width == 0) {
        const auto w = cinfo.image_width, h = cinfo.image_height;
        jpeg_destroy_decompress(&cinfo);
        checkSize(w, h, name, o);
    }
    cinfo.out_color_space = JCS_RGB;  // CMYK / YCCK are refused by libjpeg here → clear error
    jpeg_start_decompress(&cinfo);
    img.width = static_cast<int>(cinfo.output_width);
    img.height = static_cast<int>(cinfo.output_height);
    img.pixels.resize(size_t(img.width) * img.height * 3);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = &img.pixels[size_t(cinfo.output_scanline) * img.width * 3];
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return img;
}
#endif

#ifdef SIGHTLINE_HAVE_WEBP
RgbImage decodeWebp(const std::vector<uint8_t>& b, const std::string& name, const DecodeOptions& o) {
    int w = 0, h = 0;
    if (!WebPGetInfo(b.data(), b.size(), &w, &h)) throwBadInput(name + ": corrupt WebP header");
    checkSize(w, h, name, o);
    RgbImage img;
    img.width = w;
    img.height = h;
    img.pixels.resize(size_t(w) * h * 3);
    if (!WebPDecodeRGBInto(b.data(), b.size(), img.pixels.data(), img.pixels.size(), w * 3))
        throwBadInput(name + ": corrupt or truncated WebP image");
    return img;
}
#endif

}  // namespace

RgbImage decodeImage(const std::vector<uint8_t>& bytes, const std::string& name, const DecodeOptions& o) {
    if (static_cast<int64_t>(bytes.size()) > o.maxFileBytes)
        throwBadInput(name + ": file is too large (" + std::to_string(bytes.size()) + " bytes, over the limit of " +
                      std::to_string(o.maxFileBytes) + " bytes)");
    // The header first: a bomb is refused by its declared size before any pixel buffer exists.
    const vision::ImageHeader header = vision::readImageHeader(bytes.data(), bytes.size(), name);
    checkSize(header.width, header.height, name, o);
    switch (header.format) {
        case ImageFormat::Jpeg: {
#ifdef SIGHTLINE_HAVE_JPEG
            RgbImage img = decodeJpeg(bytes, name, o);
#else
            RgbImage img = decodeStb(bytes, name, o);
#endif
            return o.applyExifOrientation ? orient(std::move(img), header.orientation) : img;
        }
        case ImageFormat::WebP:
#ifdef SIGHTLINE_HAVE_WEBP
            return decodeWebp(bytes, name, o);
#else
            throwBadInput(name + ": WebP support was not built in (libwebp missing at build time)");
#endif
        case ImageFormat::Png:
        case ImageFormat::Bmp:
        case ImageFormat::Gif:
            return decodeStb(bytes, name, o);
    }
    throwBadInput(name + ": not a supported image (JPEG, PNG, WebP, BMP or GIF)");
}

bool imageFormatSupported(const std::string& f) {
#ifdef SIGHTLINE_HAVE_WEBP
    if (f == "webp") return true;
#endif
    return f == "jpeg" || f == "jpg" || f == "png" || f == "bmp" || f == "gif";
}

RgbImage decodeImageFile(const std::string& path, const DecodeOptions& o) {
    return decodeImage(
        util::readBinaryFile(path, o.maxFileBytes, o.uniformFileErrors ? util::FileErrors::Uniform : util::FileErrors::Detailed), path, o);
}

}  // namespace sightline
